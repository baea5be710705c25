"""Inputs for the table-driven test of every task (``tests/tasks/test_every_task.py``), kept with the task.

Everything here is written by the project (no data set text): a tiny notes file with one unreadable row, a
custom model folder in zero-shot state over any small encoder, and a reviewed file to train a version on.
"""

from __future__ import annotations

from pathlib import Path

from biofm.tasks.custom.labelset import label_set

INPUT = ("notes.csv", "id,text\n1,chest pain and palpitations overnight\n2,\n3,new seizure with tongue biting\n"
                      "4,a mass in the liver on CT\n")
LABELS = {"cardiac": "heart problems such as chest pain, palpitations or heart failure",
          "neuro": "brain and nerve problems such as seizures, stroke or migraine",
          "onco": "cancer: tumours, masses, metastases or chemotherapy"}
WORDS = {"cardiac": ["chest pain", "palpitations", "angina", "heart failure", "murmur", "tachycardia"],
         "neuro": ["seizure", "migraine", "stroke", "tremor", "neuropathy", "aphasia"],
         "onco": ["tumour", "metastasis", "chemotherapy", "lymphoma", "biopsy positive", "mass on CT"]}


def model_dir(root: Path, encoder: str | Path, multi_label: bool = False) -> Path:
    """A custom model folder (zero-shot: ``labels.json`` only) whose label set starts from ``encoder``."""
    from biofm.tasks.custom.labelset import save_label_set

    folder = Path(root) / ("tiny-custom-multi" if multi_label else "tiny-custom")
    save_label_set(label_set(folder.name, LABELS, multi_label=multi_label, encoder=str(encoder)), folder)
    return folder


def reviewed_rows(per_label: int = 8, multi_label: bool = False) -> list[tuple[str, str, str]]:
    """``(id, text, label)`` rows: ``per_label`` notes per label built from its words (multi-label: some notes
    carry two labels, joined by ``;``)."""
    rows, names = [], list(WORDS)
    for j, name in enumerate(names):
        for i in range(per_label):
            a, b = WORDS[name][i % 6], WORDS[name][(i + 2) % 6]
            label = name
            text = f"seen today with {a} and {b}"
            if multi_label and i % 3 == 0:
                other = names[(j + 1) % len(names)]
                text += f", also {WORDS[other][i % 6]}"
                label = f"{name};{other}"
            rows.append((f"{name}-{i}", text, label))
    return rows


def write_reviewed(path: Path, per_label: int = 8, multi_label: bool = False) -> Path:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text", "labels" if multi_label else "label"])
        w.writerows(reviewed_rows(per_label, multi_label))
    return path


def train_config(tmp_path: Path, folder: Path, encoder: Path | None = None) -> dict:
    """A training config for the table-driven test: a few contrastive steps on short texts."""
    train = write_reviewed(Path(tmp_path) / "reviewed.csv")
    return {"labels": str(folder), "train": str(train), "max_steps": 3, "max_length": 16, "min_per_label": 4}
