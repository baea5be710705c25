"""Inputs for the table-driven test of every task (``tests/tasks/test_every_task.py``), kept with the task.

Written by the project (no data set text): a notes file with one empty row, an entity to explain and a tiny CoNLL
training file. The model is the test suite's tiny random tagger (the ``tiny_tagger_dir`` fixture).
"""

from __future__ import annotations

from pathlib import Path

INPUT = ("notes.csv", "id,text\n1,Aspirin relieved the headache.\n2,\n3,Cisplatin caused nephrotoxicity.\n"
                      "4,No fever today.\n")
SPAN_TARGET = ("Chemical", "0-7")  # an entity target even where the random tagger finds none
FIXTURE = "tiny_tagger_dir"


def train_config(tmp_path: Path, folder: Path, encoder: Path | None = None) -> dict:
    """The tiny tagger trained on 12 copies of one tagged sentence."""
    sent = "Aspirin\tB-Chemical\nhelps\tO\nfever\tB-Disease\n\n"
    (Path(tmp_path) / "train.conll").write_text(sent * 12)
    return {"train": str(Path(tmp_path) / "train.conll"), "base": str(folder), "max_length": 16}
