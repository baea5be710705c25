"""Training continues from a registered model (by default, the task's shipped one when the labels match) and the new
model is scored against the model it started from on the same dev rows: both numbers on the card and in the result,
and a warning (card, CLI, job panel) when the new model is worse."""

from __future__ import annotations

import csv
import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from biofm.cli import main
from biofm.tasks import get_task
from biofm.train.common import TrainConfig, TrainingDataError, start_model
from biofm.tasks.text_classify.train import dev_scores, split_records, train_text_classifier
from tests.conftest import TINY_LABELS, load_tiny
from tests.train.test_train_text_classifier import toy

KIND = get_task("text-classify")


def _tiny_cfg(base, **kw) -> TrainConfig:
    opts = dict(base=str(base), method="full", epochs=12, lr=3e-3, batch_size=8, max_length=16, seed=1, device="cpu",
                precision="fp32", patience=10)
    return TrainConfig(**{**opts, **kw})


@pytest.fixture(scope="module")
def good_model(tiny_model_dir, tmp_path_factory):
    """The random tiny classifier trained on the toy notes: (directory, result). It started from tiny-text."""
    out = tmp_path_factory.mktemp("compare") / "good"
    return out, train_text_classifier(KIND, toy(), out, name="good", cfg=_tiny_cfg(tiny_model_dir))


def test_training_from_a_model_scores_both_on_the_same_dev_rows(good_model, tiny_model_dir):
    out, result = good_model
    _, dev = split_records(toy(), None, 0.15, seed=1)
    start = dev_scores(dev, KIND.adapter(load_tiny(tiny_model_dir, "text-classify")).predict(dev).labels)
    new = dev_scores(dev, KIND.adapter(load_tiny(out, "text-classify")).predict(dev).labels)
    cmp = result["comparison"]
    assert cmp["dev_rows"] == len(dev) == result["dev_size"] == 9  # 3 a label: 12 x 0.15 rounds to 2
    assert cmp["reference"]["model"] == "tiny-text" and cmp["reference"]["relation"] == "started from"
    assert cmp["reference"]["macro_f1"] == pytest.approx(start["macro_f1"])
    assert cmp["reference"]["accuracy"] == pytest.approx(start["accuracy"])
    assert cmp["new"]["macro_f1"] == pytest.approx(new["macro_f1"])
    assert new["macro_f1"] > start["macro_f1"] and cmp["worse"] is False
    assert result["started_from"]["model"] == "tiny-text"
    assert json.loads((out / "metrics.json").read_text())["comparison"] == cmp
    assert json.loads((out / "biofm.json").read_text())["labels"] == TINY_LABELS


def _write_toy(path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text", "label"])
        w.writerows((r.id, r.text, r.label) for r in toy())
    return path


def test_a_worse_model_is_flagged_on_the_card_the_cli_and_the_job_panel(good_model, tmp_path, monkeypatch, capsys):
    good, _ = good_model
    monkeypatch.setenv("BIOFM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BIOFM_PHI_GATE", "off")
    out = tmp_path / "data" / "models" / "ruined"
    # a deliberately bad run: one epoch at a learning rate that wrecks the weights
    code = main(["train", "text-classify", "--train", str(_write_toy(tmp_path / "toy.csv")), "--out", str(out),
                 "--base", str(good), "--method", "full", "--epochs", "1", "--lr", "0.5", "--batch-size", "8",
                 "--max-length", "16", "--device", "cpu", "-q"])
    err = capsys.readouterr().err
    assert code == 0, err
    result = json.loads((out / "metrics.json").read_text())
    cmp = result["comparison"]
    assert cmp["reference"]["model"] == "good" and cmp["new"]["model"] == "ruined"
    assert cmp["new"]["macro_f1"] < cmp["reference"]["macro_f1"] and cmp["worse"] is True
    assert "(adapted from good)" in err
    assert f"WARNING: ruined is worse than good (the model it started from) on the same {cmp['dev_rows']} dev rows" \
        in err
    card = (out / "README.md").read_text()
    assert "**Warning: ruined is worse than good on these rows.**" in card
    assert f"| ruined (new) | {cmp['new']['macro_f1']:.4f} |" in card
    assert f"| good | {cmp['reference']['macro_f1']:.4f} |" in card

    job_dir = tmp_path / "data" / "jobs" / "job-1"  # the Models page's panel of that run, finished
    job_dir.mkdir(parents=True)
    (job_dir / "job.json").write_text(json.dumps({"id": "job-1", "task": "text-classify", "out": str(out), "pid": 0,
                                                  "started": time.time(), "description": "toy"}))
    (job_dir / "exit_code").write_text("0")
    at = AppTest.from_function(_panel, args=(str(job_dir),), default_timeout=30).run()
    assert not at.error and not at.exception
    assert any("ruined is worse than good" in w.value for w in at.warning)
    assert not at.get("progress")  # the run is over: its bar is gone


def _panel(folder: str) -> None:
    from pathlib import Path

    from biofm.train.jobs import Job
    from webui.training import job_panel

    job_panel(Job(Path(folder).name, Path(folder)))


def test_auto_adapts_the_shipped_model_only_when_it_knows_the_labels():
    shipped = start_model("auto", "text-classify", "disease-category", ["neoplasms", "nervous system diseases"])
    assert shipped is not None and shipped.name == "disease-category" and shipped.adapter
    assert start_model("auto", "text-classify", "disease-category", ["neoplasms", "fracture"]) is None
    assert start_model("embedded:all-MiniLM-L6-v2", "text-classify", "disease-category", ["neoplasms"]) is None
    with pytest.raises(TrainingDataError, match="no output for the label"):
        start_model("disease-category", "text-classify", None, ["neoplasms", "fracture"])
    with pytest.raises(TrainingDataError, match="not text-classify"):
        start_model("bc5cdr-ner", "text-classify", None, ["neoplasms"])
