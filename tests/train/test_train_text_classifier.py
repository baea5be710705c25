import json

import pytest

from biofm.tasks import get_task
from biofm.models import spec_from_dir
from tests.conftest import load_tiny
from biofm.records import TextRecord
from biofm.tasks.text_classify.kind import TextClassifier
from biofm.train.common import TrainingDataError, stratified_split
from biofm.tasks.text_classify.train import TrainConfig, train_text_classifier

WORDS = {"cardiac": "heart", "neuro": "brain", "onco": "tumour"}


def toy(n_per_class=12):
    fillers = ["patient", "seen", "today", "with", "a", "history", "of", "the", "and", "note"]
    recs = []
    for k, (label, word) in enumerate(WORDS.items()):
        for i in range(n_per_class):
            words = [fillers[(i + j) % len(fillers)] for j in range(5)]
            words.insert(i % 5, word)
            recs.append(TextRecord(f"{label}{i}", " ".join(words), label=label))
    return recs


@pytest.mark.parametrize("method", ["full", "lora"])
def test_training_lowers_the_loss_and_the_saved_model_predicts(tiny_model_dir, tmp_path, method):
    events = []
    out = tmp_path / method
    # LoRA on a random tiny encoder leaves its plateau at ln 3 after a few epochs at 1e-2 (seeds 1-3 all end below 0.55
    # on Trainer's shuffling); 2e-2 is unstable on the 27-row split
    cfg = TrainConfig(base=str(tiny_model_dir), method=method, epochs=12, lr=3e-3 if method == "full" else 1e-2,
                      batch_size=8, max_length=16, seed=1, device="cpu", precision="fp32", patience=10)
    result = train_text_classifier(get_task("text-classify"), toy(), out, name=f"toy-{method}", cfg=cfg, progress=events.append)
    losses = [h["train_loss"] for h in result["history"]]
    assert losses[-1] < losses[0] * 0.8
    assert set(result["dev"]) >= {"macro_f1", "accuracy", "per_label", "epoch"}
    assert result["train_size"] + result["dev_size"] == 36
    spec = spec_from_dir(out)
    assert spec.name == f"toy-{method}" and spec.adapter == (method == "lora")
    assert json.loads((out / "biofm.json").read_text())["labels"] == ["cardiac", "neuro", "onco"]
    assert list(out.glob("*.safetensors")) and not list(out.glob("*.bin"))
    assert any(e.get("event") == "epoch" for e in events)
    preds = TextClassifier(load_tiny(spec.location, "text-classify")).predict([TextRecord("q", "tumour seen today")])
    assert preds.probs.shape == (1, 3)


def test_stratified_split_keeps_every_class_in_train():
    labels = ["a"] * 20 + ["b"] * 3 + ["c"]
    train, dev = stratified_split(labels, 0.15, seed=0)
    assert sorted(train + dev) == list(range(24))
    assert {labels[i] for i in train} == {"a", "b", "c"}
    assert sum(labels[i] == "a" for i in dev) == 3
    assert stratified_split(labels, 0.15, seed=0) == (train, dev)


def test_missing_labels_are_refused(tiny_model_dir, tmp_path):
    recs = toy(3) + [TextRecord("x", "no label")]
    with pytest.raises(TrainingDataError, match="1 rows have no label"):
        train_text_classifier(get_task("text-classify"), recs, tmp_path / "m", name="m", cfg=TrainConfig(base=str(tiny_model_dir)))


def test_cancelled_training_resumes_from_its_checkpoint(tiny_model_dir, tmp_path):
    out = tmp_path / "resumable"
    cfg = TrainConfig(base=str(tiny_model_dir), method="full", epochs=4, lr=3e-3, batch_size=8, max_length=16, seed=1,
                      device="cpu", precision="fp32", patience=10)
    steps = []
    with pytest.raises(KeyboardInterrupt):
        train_text_classifier(get_task("text-classify"), toy(), out, name="r", cfg=cfg,
                              progress=lambda e: steps.append(e.get("step")),
                              should_stop=lambda: len(steps) > 2 * 4 + 3)  # 4 steps an epoch: stop inside epoch 3
    saved = json.loads((out / "checkpoint" / "fit_history.json").read_text())
    assert [h["epoch"] for h in saved["history"]] == [1, 2]
    assert (out / "checkpoint" / "checkpoint-8" / "model.safetensors").is_file()  # the last whole epoch's
    assert not (out / "biofm.json").exists()
    cfg.resume = True
    events = []
    result = train_text_classifier(get_task("text-classify"), toy(), out, name="r", cfg=cfg, progress=events.append)
    assert [h["epoch"] for h in result["history"]] == [1, 2, 3, 4]
    assert result["history"][:2] == saved["history"]
    assert min(e["step"] for e in events if "step" in e) == 2 * 4 + 1  # it went on from step 9
    assert (out / "biofm.json").exists() and not (out / "checkpoint").exists()


def test_model_card_holds_command_data_and_metrics(tiny_model_dir, tmp_path):
    from biofm.train.cards import text_classifier_card

    cfg = TrainConfig(base=str(tiny_model_dir), method="full", epochs=1, lr=3e-3, batch_size=8, max_length=16,
                      device="cpu", precision="fp32")
    result = train_text_classifier(get_task("text-classify"), toy(), tmp_path / "c", name="card", cfg=cfg,
                                   data_info={"train_file": "toy.csv", "train_sha256": "ab" * 32, "dev": "split"})
    card = text_classifier_card("card", result, "biofm train text-classify --train toy.csv", licence="CC0")
    for needle in ("biofm train text-classify --train toy.csv", "toy.csv", "abababab", "CC0", "macro-F1",
                   "TF-IDF", "| cardiac |", "Training curve"):
        assert needle in card
