"""Inputs for the table-driven test of every task (``tests/tasks/test_every_task.py``), kept with the task.

Written by the project (no data set text): a notes file with one empty row, and a tiny labelled training file. The
model is the test suite's tiny random classifier (the ``tiny_model_dir`` fixture).
"""

from __future__ import annotations

from pathlib import Path

INPUT = ("notes.csv", "id,text,label\n1,chest pain and troponin,cardiac\n2,,neuro\n"
                      "3,seizure at night,neuro\n4,a mass in the liver,onco\n")
FIXTURE = "tiny_model_dir"  # the conftest fixture holding this task's tiny model directory


def train_config(tmp_path: Path, folder: Path, encoder: Path | None = None) -> dict:
    """Full fine-tuning of the tiny model on 12 short notes of two labels."""
    rows = [f"heart note {i},cardiac" for i in range(6)] + [f"brain note {i},neuro" for i in range(6)]
    (Path(tmp_path) / "train.csv").write_text("text,label\n" + "\n".join(rows) + "\n")
    return {"train": str(Path(tmp_path) / "train.csv"), "base": str(folder), "method": "full", "max_length": 16}
