"""Inputs for the table-driven test of every task (``tests/tasks/test_every_task.py``), kept with the task.

Written by the project: notes with fake identifiers and one empty row, a NAME span to explain and a tiny CoNLL
training file. The model is the test suite's tiny random PHI tagger (the ``tiny_phi_dir`` fixture).
"""

from __future__ import annotations

from pathlib import Path

INPUT = ("notes.csv", "id,text\n1,John Smith seen 03/14/2021.\n2,\n3,Call 617-555-0142.\n4,MRN 4829174 on file.\n")
SPAN_TARGET = ("NAME", "0-10")  # an entity target even where the random tagger finds none
FIXTURE = "tiny_phi_dir"


def train_config(tmp_path: Path, folder: Path, encoder: Path | None = None) -> dict:
    """Full fine-tuning of the tiny PHI tagger on 12 copies of one tagged sentence."""
    sent = "John\tB-NAME\nSmith\tI-NAME\nseen\tO\ntoday\tB-DATE\n\n"
    (Path(tmp_path) / "train.conll").write_text(sent * 12)
    return {"train": str(Path(tmp_path) / "train.conll"), "base": str(folder), "max_length": 16, "method": "full"}
