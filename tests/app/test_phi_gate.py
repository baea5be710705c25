"""The PHI gate on the clinical text page (AppTest): scan, counts, de-identify then run; or run as is, audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import submit

CLINICAL = str(Path(__file__).resolve().parents[2] / "pages" / "1_Clinical_text.py")
NOTE = ("John Smith, MRN 4829174, seen 03/14/2021 for chest pain. Call 617-555-0142 or john.smith@example.org. "
        "Lives at 12 Elm Street, Boston MA 02115.")
IDENTIFIERS = ("John Smith", "4829174", "03/14/2021", "617-555-0142", "john.smith@example.org", "12 Elm Street",
               "02115")


@pytest.fixture(autouse=True)
def _gate_on(app_env, monkeypatch):
    monkeypatch.setenv("BIOFM_PHI_GATE", "warn")  # the default (app_env turns it off for other page tests)


def _paste(at: AppTest) -> AppTest:
    at.selectbox(key="clinical-model").set_value("tiny-text").run()
    at.text_area(key="clinical-text").input(NOTE)
    submit(at).click().run()
    return at


@pytest.mark.slow
def test_identifiers_are_counted_and_removed_before_the_model_runs(app_env):
    at = _paste(AppTest.from_file(CLINICAL, default_timeout=90).run())
    assert not at.exception and not at.error
    warning = at.warning[0].value
    assert warning.startswith("Protected health information found:") and "ID" in warning and "CONTACT" in warning
    assert not at.dataframe  # nothing ran yet
    at.button(key="clinical-gate-go").click().run()
    assert not at.exception and not at.error
    text = at.dataframe[0].value["text"].iloc[0]
    assert not [x for x in IDENTIFIERS if x in text] and "[DATE]" in text
    assert any("de-identified (redact) before the model ran" in i.value for i in at.info)


@pytest.mark.slow
def test_running_as_is_needs_an_acknowledgement_that_is_audited(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("BIOFM_DATA_DIR", str(tmp_path))
    at = _paste(AppTest.from_file(CLINICAL, default_timeout=90).run())
    at.radio(key="clinical-gate-choice").set_value("asis").run()
    assert at.button(key="clinical-gate-go").disabled
    at.checkbox(key="clinical-gate-ack").check().run()
    at.button(key="clinical-gate-go").click().run()
    assert at.dataframe[0].value["text"].iloc[0] == NOTE
    events = [json.loads(line) for line in (tmp_path / "audit.log").read_text().splitlines()]
    assert events[-1]["event"] == "phi_run_as_is" and events[-1]["documents"] == 1


@pytest.mark.slow
def test_require_offers_only_de_identification(app_env, monkeypatch):
    monkeypatch.setenv("BIOFM_PHI_GATE", "require")
    at = _paste(AppTest.from_file(CLINICAL, default_timeout=90).run())
    assert not [r for r in at.radio if r.key == "clinical-gate-choice"]
    assert any("requires de-identification" in c.value for c in at.caption)
