"""#25 item 14: the command line's training output is biofm's own lines only, with no transformers load report for
the head biofm adds or that an adapter brings, and no peft deprecation or config-lookup warnings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOISE = ("LOAD REPORT", "MISSING", "newly initialized", "FutureWarning", "UserWarning", "Traceback")


@pytest.mark.parametrize("base", ["auto", "embedded"])  # continue the shipped adapter; a new head on the encoder
def test_training_prints_no_load_report_or_library_warnings(tmp_path, base):
    env = {**os.environ, "BIOFM_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "biofm.cli", "train", "text-classify", "--train",
                          str(ROOT / "assets" / "examples" / "reviewed_notes.csv"), "--out", str(tmp_path / "m"),
                          "--base", base, "--epochs", "1", "-q"], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=600)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-3000:]
    assert "on the same 15 dev rows" in out
    assert not [n for n in NOISE if n in out], out[-3000:]
