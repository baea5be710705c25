"""A lab's own task, written as one folder outside biofm (``BIOFM_TASK_DIRS``): the multi-label ``side-effects``
task the folder tests and the More tasks page test install."""

from __future__ import annotations

import contextlib
import sys
import textwrap
from pathlib import Path

import biofm.tasks
from biofm.tasks import TASK_DIRS_ENV, TASKS, load_task_folders, task_names

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


def train_config(tmp_path, folder, encoder=None):
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


def write_lab_task(root: Path) -> Path:
    """The task folder ``root/side_effects/`` (``__init__.py`` and ``testing.py``); returns ``root``."""
    (root / "side_effects").mkdir(parents=True)
    (root / "side_effects" / "__init__.py").write_text(textwrap.dedent(FOLDER_INIT))
    (root / "side_effects" / "testing.py").write_text(textwrap.dedent(FOLDER_TESTING))
    return root


@contextlib.contextmanager
def lab_task_folder(root: Path, monkeypatch):
    """Write the task folder under ``root``, point ``BIOFM_TASK_DIRS`` at it and load it; afterwards the task is
    gone again (the folder was the only place it existed)."""
    write_lab_task(root)
    monkeypatch.setenv(TASK_DIRS_ENV, str(root))
    assert TASK not in task_names()
    assert "biofm.tasks.side_effects" in load_task_folders()
    try:
        yield root
    finally:
        TASKS.pop(TASK, None)
        for module in [m for m in sys.modules if m.startswith("biofm.tasks.side_effects")]:
            del sys.modules[module]
        biofm.tasks.__path__.remove(str(root))
