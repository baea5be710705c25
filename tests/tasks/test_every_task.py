"""One table-driven test: every registered task through read -> predict -> rows -> explain -> map -> review round
trip -> export -> one training step, on tiny models."""

from __future__ import annotations

import json

import numpy as np
import pytest

from biofm import api
from biofm.config import load_settings
from biofm.review import ReviewStore
from biofm.tasks import get_task, task_names
from tests.conftest import TOY_SMILES, load_tiny

INPUTS = {
    "text-classify": ("notes.csv", "id,text,label\n1,chest pain and troponin,cardiac\n2,,neuro\n"
                                   "3,seizure at night,neuro\n4,a mass in the liver,onco\n"),
    "ner": ("notes.csv", "id,text\n1,Aspirin relieved the headache.\n2,\n3,Cisplatin caused nephrotoxicity.\n"
                         "4,No fever today.\n"),
    "reports": ("reports.csv", "id,report\n1,Small left pleural effusion. No pneumothorax.\n2,\n"
                               "3,Heart size is enlarged.\n4,Lungs are clear.\n"),
    "molecules": ("mols.smi", "CCO ethanol\nC1CC broken\nc1ccccc1O phenol\nCC(=O)O acid\n"),
    "phi": ("notes.csv", "id,text\n1,John Smith seen 03/14/2021.\n2,\n3,Call 617-555-0142.\n4,MRN 4829174 on file.\n"),
}
SPAN_TARGETS = {"ner": ("Chemical", "0-7"), "phi": ("NAME", "0-10")}  # an entity target even where the random tagger finds none


def _task_inputs(task):
    """A task kept as one folder brings its own test inputs (``biofm/tasks/<task>/testing.py``)."""
    import importlib

    try:
        return importlib.import_module(f"biofm.tasks.{task.replace('-', '_')}.testing")
    except ModuleNotFoundError:
        return None


def _train_config(task, tmp_path, dirs) -> dict:
    own = _task_inputs(task)
    if own is not None:
        return own.train_config(tmp_path, dirs[task])

    if task == "text-classify":
        rows = [f"heart note {i},cardiac" for i in range(6)] + [f"brain note {i},neuro" for i in range(6)]
        (tmp_path / "train.csv").write_text("text,label\n" + "\n".join(rows) + "\n")
        return {"train": str(tmp_path / "train.csv"), "base": str(dirs[task]), "method": "full", "max_length": 16}
    if task == "ner":
        sent = "Aspirin\tB-Chemical\nhelps\tO\nfever\tB-Disease\n\n"
        (tmp_path / "train.conll").write_text(sent * 12)
        return {"train": str(tmp_path / "train.conll"), "base": str(dirs["ner"]), "max_length": 16}
    if task == "phi":
        sent = "John\tB-NAME\nSmith\tI-NAME\nseen\tO\ntoday\tB-DATE\n\n"
        (tmp_path / "train.conll").write_text(sent * 12)
        return {"train": str(tmp_path / "train.conll"), "base": str(dirs["phi"]), "max_length": 16, "method": "full"}
    if task == "reports":
        return {"base": str(dirs["text-classify"]), "method": "full", "n_train": 16, "n_dev": 8, "n_test": 8,
                "max_length": 32}
    y = [s.count("C") + s.count("c") for s in TOY_SMILES]
    (tmp_path / "mols.csv").write_text("smiles,carbons\n" + "\n".join(f"{s},{v}" for s, v in zip(TOY_SMILES, y)))
    return {"train": str(tmp_path / "mols.csv"), "targets": ["carbons"], "split": "random",
            "encoder": str(dirs["molecules"].parent / "enc")}


@pytest.fixture
def model_dirs(tiny_model_dir, tiny_tagger_dir, tiny_report, tiny_molecule_dir, tiny_phi_dir, tmp_path_factory):
    dirs = {"text-classify": tiny_model_dir, "ner": tiny_tagger_dir, "reports": tiny_report[0],
            "molecules": tiny_molecule_dir, "phi": tiny_phi_dir}
    for task in task_names():
        own = _task_inputs(task)
        if task not in dirs and own is not None:  # its model: a folder over the tiny encoder
            dirs[task] = own.model_dir(tmp_path_factory.mktemp(task), tiny_model_dir)
    return dirs


@pytest.mark.parametrize("task", task_names())
def test_every_task_end_to_end(task, model_dirs, tmp_path):
    kind = get_task(task)
    name, content = INPUTS[task] if task in INPUTS else _task_inputs(task).INPUT
    (tmp_path / name).write_text(content)
    result = api.read(task, tmp_path / name)
    assert len(result.records) == 3 and [e.row for e in result.errors] == [2], result.errors  # the bad row, named

    loaded = load_tiny(model_dirs[task], task)
    settings = load_settings(device="cpu", precision="fp32", batch_size=2)
    preds = api.predict(task, result.records, model=loaded, settings=settings)
    rows = preds.rows()
    assert [r["id"] for r in rows] == [r.id for r in result.records]
    assert preds.embeddings.shape[0] == 3 and np.isfinite(preds.embeddings).all()
    json.dumps(preds.rows(detail=True))  # detail rows are JSON-serialisable

    label, span = SPAN_TARGETS.get(task, (None, None))
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

    config = {**_train_config(task, tmp_path, model_dirs), "out": str(tmp_path / f"trained-{task}"), "epochs": 1,
              "batch_size": 4, "device": "cpu"}
    summary = api.train(task, config)
    assert "saved" in summary or "macro-F1" in summary
    trained = api.load(str(tmp_path / f"trained-{task}"), task, settings)
    assert trained.spec.task == task
    assert len(api.predict(task, result.records, model=trained, settings=settings).ids) == 3
