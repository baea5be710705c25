"""Inputs for the table-driven test of every task (``tests/tasks/test_every_task.py``), kept with the task.

Written by the project: a reports file with one empty row; training uses the task's generated reports. The model is
the test suite's tiny report labeler (the ``tiny_report_dir`` fixture); training starts from the tiny encoder.
"""

from __future__ import annotations

from pathlib import Path

INPUT = ("reports.csv", "id,report\n1,Small left pleural effusion. No pneumothorax.\n2,\n"
                        "3,Heart size is enlarged.\n4,Lungs are clear.\n")
FIXTURE = "tiny_report_dir"


def train_config(tmp_path: Path, folder: Path, encoder: Path | None = None) -> dict:
    """A few generated reports, full fine-tuning of the tiny encoder."""
    return {"base": str(encoder), "method": "full", "n_train": 16, "n_dev": 8, "n_test": 8, "max_length": 32}
