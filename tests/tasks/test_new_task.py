"""A new task is one module: a TaskKind defined here, registered, is accepted by api, the CLI and the review store
with no edit anywhere else."""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass, field

import numpy as np
import pytest
import torch

from biofm import api
from biofm.cli import main
from biofm.review import ReviewStore
from biofm.review.codec import ReviewCodec
from biofm.tasks import TASKS, Adapter, Predictions, TaskKind, register, task_names
from biofm.tasks.base import Prepared


@dataclass
class UrgencyPredictions(Predictions):
    urgent: list[float] = field(default_factory=list)

    def rows(self, detail: bool = False) -> list[dict]:
        return [{"id": i, "urgent": round(p, 4)} for i, p in zip(self.ids, self.urgent)]


class UrgencyAdapter(Adapter):
    """First 16 tokens -> probability of the classifier's first label, read as 'urgent'."""

    def preprocess(self, records) -> Prepared:
        return Prepared([self.tokenizer(r.text, truncation=True, max_length=16)["input_ids"] for r in records])

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        return {"p": out.logits.softmax(-1)[:, 0], "pooled": out.hidden_states[-1][:, 0]}

    def postprocess(self, records, prepared, outputs) -> UrgencyPredictions:
        return UrgencyPredictions([r.id for r in records], [r.text for r in records],
                                  outputs["pooled"], self.spec.name, [1] * len(records),
                                  outputs["p"].tolist())


class UrgencyCodec(ReviewCodec):
    def items(self, preds) -> list[dict]:
        return [{"external_id": i, "text": t, "confidence": max(p, 1 - p),
                 "prediction": {"label": "urgent" if p >= 0.5 else "routine"}}
                for i, t, p in zip(preds.ids, preds.texts, preds.urgent)]


class UrgencyKind(TaskKind):
    name = "urgency"
    title = "Note urgency"
    default_model = "tiny-urgency"
    adapter_class = UrgencyAdapter
    verbs = ("predict", "embed", "review")
    codec = UrgencyCodec()

    def build(self, spec, device):
        from transformers import AutoModelForSequenceClassification

        from biofm.models.load import build_hf

        return build_hf(spec, AutoModelForSequenceClassification)

    def colour_columns(self, preds, records):
        return {"urgent": preds.urgent}


@pytest.fixture
def urgency(tiny_model_dir, tmp_path, monkeypatch):
    model = tmp_path / "models" / "tiny-urgency"
    shutil.copytree(tiny_model_dir, model)
    spec = json.loads((model / "biofm.json").read_text())
    (model / "biofm.json").write_text(json.dumps({**spec, "name": "tiny-urgency", "task": "urgency"}))
    monkeypatch.setenv("BIOFM_MODEL_DIRS", str(model.parent))
    monkeypatch.setenv("BIOFM_DEVICE", "cpu")
    register(UrgencyKind())
    yield model
    TASKS.pop("urgency")


def test_a_task_defined_here_runs_through_api_cli_and_review(urgency, tmp_path):
    assert "urgency" in task_names("predict") and "urgency" not in task_names("train")
    notes = tmp_path / "notes.csv"
    notes.write_text("id,text\na,bleeding heavily now\nb,\nc,routine follow-up in a year\n")

    assert main(["predict", "urgency", str(notes), "-o", str(tmp_path / "out.csv"), "-q"]) == 0
    rows = list(csv.DictReader(open(tmp_path / "out.csv")))
    assert [r["id"] for r in rows] == ["a", "c"] and all(0 <= float(r["urgent"]) <= 1 for r in rows)
    assert "row" in (tmp_path / "out.errors.csv").read_text()  # the empty note, named

    records = api.read("urgency", notes).records
    preds = api.predict("urgency", records)  # the default model comes from the kind
    assert [r["urgent"] for r in preds.rows()] == [float(r["urgent"]) for r in rows]
    assert main(["embed", str(notes), "--task", "urgency", "-o", str(tmp_path / "map.csv"), "--method", "pca"]) == 2
    more = tmp_path / "more.csv"  # the embed verb on the new task: one point per readable row, with its colour column
    more.write_text("id,text\na,bleeding heavily now\nb,\nc,routine follow-up in a year\nd,chest pain since noon\n")
    urgent = {r["id"]: r["urgent"] for r in api.predict("urgency", api.read("urgency", more).records).rows()}
    for method in ("pca", "tsne"):
        out = tmp_path / f"map-{method}.csv"
        assert main(["embed", str(more), "--task", "urgency", "-o", str(out), "--method", method, "-q"]) == 0
        points = list(csv.DictReader(open(out)))
        assert [p["id"] for p in points] == ["a", "c", "d"]  # the empty row b is a row error, not a point
        xy = {(float(p["x"]), float(p["y"])) for p in points}
        assert len(xy) == 3 and np.isfinite(list(xy)).all()  # three notes, three places
        assert all(float(p["urgent"]) == pytest.approx(urgent[p["id"]], abs=1e-4) for p in points)

    store = ReviewStore(f"sqlite:///{tmp_path / 'r.db'}")
    batch = api.send_to_review(store, "urgency", preds, api.resolve_spec(None, "urgency"))
    item = store.queue(batch, "ann", "input")[0]
    store.decide(item.id, "ann", "correct", {"label": "urgent"})
    assert store.export(batch, "csv", "ann").decode().splitlines()[1].endswith(",urgent")
    assert set(store.model_metrics(batch, "ann")) == {"urgent"}
