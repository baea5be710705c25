"""The Privacy page (AppTest): the gate's mode, lists saved to their 0600 files, a bad deny label refused."""

from __future__ import annotations

import stat
from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "8_Privacy.py")


def test_lists_are_saved_private_and_used(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("BIOFM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BIOFM_PHI_GATE", "require")
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not at.exception and not at.error
    assert at.metric[0].value == "require"
    at.text_area(key="privacy-roster-text").input("Jane Doe\n4829174\n")
    next(b for b in at.button if "roster" in b.label).click().run()
    assert any("Saved known-patient roster" in s.value for s in at.success) and not at.error
    path = tmp_path / "phi" / "roster.txt"
    assert path.read_text() == "Jane Doe\n4829174\n" and stat.S_IMODE(path.stat().st_mode) == 0o600
    at.text_input(key="privacy-try").input("Doe, Jane (MRN 4829174)").run()
    shown = [t.value for t in at.text]
    assert "NAME: Doe, Jane (roster: Jane Doe)" in shown and "ID: 4829174 (roster: 4829174)" in shown
    at.text_area(key="privacy-deny-text").input("PLACE: Ward 9\n")
    next(b for b in at.button if "deny" in b.label).click().run()
    assert "unknown label 'PLACE'" in at.error[0].value and not (tmp_path / "phi" / "deny.txt").exists()
