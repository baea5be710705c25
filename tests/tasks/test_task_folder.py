"""A new task is one folder: a multi-label task written here, as a folder outside biofm (``BIOFM_TASK_DIRS``), runs
through the same table-driven test as every shipped task (read, predict, rows, explain, map, review, export,
train), and through the CLI, with no other file edited."""

from __future__ import annotations

import csv
import json
import sys
import textwrap

import pytest

import biofm.tasks
from biofm.cli import main
from biofm.tasks import TASK_DIRS_ENV, TASKS, get_task, load_task_folders, task_names
from tests.tasks.test_every_task import model_dirs  # noqa: F401  (the fixture)

TASK = "side-effects"

FOLDER_INIT = '''
"""Adverse drug events named in a note: any of nausea, rash, dizziness (multi-label)."""

from biofm.tasks.base import register
from biofm.tasks.fields import MultiLabelProbs
from biofm.tasks.text_head import TextHeadKind


class SideEffects(TextHeadKind):
    name = "side-effects"
    title = "Adverse drug events (multi-label)"
    output = MultiLabelProbs("labels")


KIND = register(SideEffects())
'''

FOLDER_TESTING = '''
"""Inputs for the table-driven test, kept with the task."""

import json
import shutil
from pathlib import Path

INPUT = ("notes.csv", "id,text\\n1,nausea after the first dose\\n2,\\n3,a rash on both arms\\n4,dizzy on standing\\n")
LABELS = ["dizziness", "nausea", "rash"]
WORDS = {"nausea": ["nausea", "vomiting"], "rash": ["rash", "hives"], "dizziness": ["dizzy", "vertigo"]}


def model_dir(root, encoder):
    """A model of this task over any small three-label classifier (its head is read as three labels)."""
    folder = Path(root) / "tiny-side-effects"
    shutil.copytree(encoder, folder)
    spec = json.loads((folder / "biofm.json").read_text())
    (folder / "biofm.json").write_text(json.dumps({**spec, "name": folder.name, "task": "side-effects",
                                                   "labels": LABELS}))
    return folder


def train_config(tmp_path, folder):
    rows = []
    for i in range(8):
        for a, b in (("nausea", "rash"), ("rash", "dizziness"), ("dizziness", "nausea")):
            given = [a] if i % 2 else [a, b]
            rows.append(f"n{len(rows)},started the drug and has {' and '.join(WORDS[g][i % 2] for g in given)},"
                        + ";".join(given))
    path = Path(tmp_path) / "reviewed.csv"
    path.write_text("id,text,labels\\n" + "\\n".join(rows) + "\\n")
    return {"train": str(path), "base": str(folder), "method": "full", "max_length": 16}
'''


@pytest.fixture
def task_folder(tmp_path_factory, monkeypatch):
    root = tmp_path_factory.mktemp("lab-tasks")
    (root / "side_effects").mkdir()
    (root / "side_effects" / "__init__.py").write_text(textwrap.dedent(FOLDER_INIT))
    (root / "side_effects" / "testing.py").write_text(textwrap.dedent(FOLDER_TESTING))
    monkeypatch.setenv(TASK_DIRS_ENV, str(root))
    assert TASK not in task_names()
    assert "biofm.tasks.side_effects" in load_task_folders()
    yield root
    TASKS.pop(TASK, None)  # gone again: the folder was the only place the task existed
    for module in [m for m in sys.modules if m.startswith("biofm.tasks.side_effects")]:
        del sys.modules[module]
    biofm.tasks.__path__.remove(str(root))


def test_a_multi_label_task_folder_passes_the_every_task_test(task_folder, model_dirs, tmp_path):
    from tests.tasks.test_every_task import test_every_task_end_to_end

    assert TASK in task_names("train") and TASK in task_names("explain")
    test_every_task_end_to_end(TASK, model_dirs, tmp_path)
    trained = tmp_path / f"trained-{TASK}"
    spec = json.loads((trained / "biofm.json").read_text())
    assert spec["task"] == TASK and spec["labels"] == ["dizziness", "nausea", "rash"]
    assert len(spec["extra"]["thresholds"]) == 3  # per-label thresholds chosen on the dev part
    assert "macro-F1" in (trained / "README.md").read_text()


def test_the_folder_task_through_the_cli(task_folder, model_dirs, tmp_path):
    from biofm.tasks import side_effects  # noqa: F401  (imported from the folder)

    testing = __import__("biofm.tasks.side_effects.testing", fromlist=["x"])
    name, content = testing.INPUT
    (tmp_path / name).write_text(content)
    model = model_dirs[TASK]
    out = tmp_path / "pred.csv"
    assert main(["predict", TASK, str(tmp_path / name), "--model", str(model), "-o", str(out), "-q"]) == 0
    rows = list(csv.DictReader(open(out)))
    assert [r["id"] for r in rows] == ["1", "3", "4"]
    assert {"labels", "score", "p_nausea", "p_rash", "p_dizziness"} <= set(rows[0])
    assert all(set(filter(None, r["labels"].split(";"))) <= {"nausea", "rash", "dizziness"} for r in rows)
    assert "row" in (tmp_path / "pred.errors.csv").read_text()  # the empty note, named

    config = testing.train_config(tmp_path, model)
    trained = tmp_path / "cli-trained"
    assert main(["train", TASK, "--train", config["train"], "--base", str(model), "--method", "full",
                 "--max-length", "16", "--epochs", "1", "--out", str(trained), "--device", "cpu", "-q"]) == 0
    assert main(["predict", TASK, str(tmp_path / name), "--model", str(trained), "-o", str(out), "-q"]) == 0
    assert len(list(csv.DictReader(open(out)))) == 3
    assert get_task(TASK).codec.train_export_format() == "csv"
