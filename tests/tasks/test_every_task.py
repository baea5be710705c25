"""One table-driven test: every registered task through read -> predict -> rows -> explain -> map -> review round
trip -> export -> one training step, on tiny models. Each task brings its own inputs (its folder's ``testing.py``):
this file names no task, so a new task folder is tested without editing it."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import numpy as np
import pytest

from biofm import api
from biofm.config import load_settings
from biofm.review import ReviewStore
from biofm.tasks import get_task, task_names
from tests.conftest import load_tiny


def task_inputs(task: str):
    """A task's test inputs: ``testing.py`` in the folder its kind is defined in (``biofm/tasks/<task>/testing.py``):
    ``INPUT`` (file name, content: three readable rows and an unreadable second row), ``SPAN_TARGET`` (label,
    ``START-END``) for span tasks, ``FIXTURE`` (the conftest fixture holding its tiny model) or
    ``model_dir(root, encoder)`` (a model built over the tiny encoder), and ``train_config(tmp_path, folder,
    encoder)`` (the task's training options for one quick run)."""
    module = importlib.import_module(type(get_task(task)).__module__)
    package = module.__name__ if hasattr(module, "__path__") else module.__name__.rpartition(".")[0]
    return importlib.import_module(f"{package}.testing")  # a kind defined in the folder's __init__ or a module


@pytest.fixture
def task_model(task, request, tiny_model_dir, tmp_path_factory):
    """``(testing module, the task's tiny model directory, the tiny encoder)`` for the parametrised task."""
    testing = task_inputs(task)
    if hasattr(testing, "model_dir"):  # its model: a folder over the tiny encoder
        folder = testing.model_dir(tmp_path_factory.mktemp("model"), tiny_model_dir)
    else:
        folder = request.getfixturevalue(testing.FIXTURE)
    return testing, Path(folder), tiny_model_dir


@pytest.mark.parametrize("task", task_names())
def test_every_task_end_to_end(task, task_model, tmp_path):
    kind = get_task(task)
    testing, folder, encoder = task_model
    name, content = testing.INPUT
    (tmp_path / name).write_text(content)
    result = api.read(task, tmp_path / name)
    assert len(result.records) == 3 and [e.row for e in result.errors] == [2], result.errors  # the bad row, named

    loaded = load_tiny(folder, task)
    settings = load_settings(device="cpu", precision="fp32", batch_size=2)
    preds = api.predict(task, result.records, model=loaded, settings=settings)
    rows = preds.rows()
    assert [r["id"] for r in rows] == [r.id for r in result.records]
    assert preds.embeddings.shape[0] == 3 and np.isfinite(preds.embeddings).all()
    json.dumps(preds.rows(detail=True))  # detail rows are JSON-serialisable

    label, span = getattr(testing, "SPAN_TARGET", (None, None))
    target = kind.cli_targets(preds, 0, label, span)[0]
    attr = api.explain(task, api.explainer(loaded), preds.texts[0], target, kind.explain_methods[1])
    assert attr.target and np.isfinite(np.asarray(getattr(attr, "scores", getattr(attr, "atom_scores", [])))).all()

    cols = api.colour_columns(task, preds, result.records)
    assert cols and all(len(v) == 3 for v in cols.values())
    assert api.project(preds.embeddings, "pca").coords.shape == (3, 2)

    store = ReviewStore(f"sqlite:///{tmp_path / 'review.db'}")
    batch = store.batch(api.send_to_review(store, task, preds, loaded.spec))
    item = store.queue(batch["id"], "ann", "input")[0]
    editor = kind.codec.editor(item.text, item.prediction, batch["labels"])
    value, error = kind.codec.from_editor(editor.rows, item.text)
    assert error is None
    store.decide(item.id, "ann", "correct", value)
    assert store.reviewed(batch["id"], "ann")[0][1] == value
    exported = store.export(batch["id"], kind.codec.train_export_format(), "ann").decode()
    assert item.text.split()[0] in exported

    config = {**testing.train_config(tmp_path, folder, encoder), "out": str(tmp_path / f"trained-{task}"),
              "epochs": 1, "batch_size": 4, "device": "cpu"}
    summary = api.train(task, config)
    assert "saved" in summary or "macro-F1" in summary
    trained = api.load(str(tmp_path / f"trained-{task}"), task, settings)
    assert trained.spec.task == task
    assert len(api.predict(task, result.records, model=trained, settings=settings).ids) == 3
