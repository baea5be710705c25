"""fit() on transformers' Trainer: the best epoch's weights come back (also when it is not the last, also for modules
that are not transformers models, tied weights included), early stopping stops and says so, a cancelled run resumed
from its checkpoint ends where an uninterrupted run ends, and the checkpoints go once training succeeds."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from biofm.train import loop
from biofm.train.common import fit

N, BATCH = 24, 8  # 3 steps an epoch


class Tied(nn.Module):
    """Not a transformers model: an embedding whose output layer shares its weight, plus dropout (RNG on resume)."""

    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(6, 4)
        self.hidden = nn.Linear(4, 4)
        self.drop = nn.Dropout(0.2)
        self.out = nn.Linear(4, 6, bias=False)
        self.out.weight = self.emb.weight

    def forward(self, ids):
        return self.out(self.drop(torch.tanh(self.hidden(self.emb(ids)))))


def toy():
    torch.manual_seed(0)
    model = Tied()
    ids = torch.randint(0, 6, (N,))
    targets = (ids + 1) % 6
    dev_ids = torch.arange(6)

    def batch(idx):
        return nn.functional.cross_entropy(model(ids[idx]), targets[idx])

    def evaluate():
        with torch.no_grad():
            loss = nn.functional.cross_entropy(model(dev_ids), (dev_ids + 1) % 6).item()
        return {"score": -loss, "loss": loss, "per_label": {"a": 1}}

    return model, batch, evaluate


def snapshot(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def same(a, b):
    return all(torch.equal(a[k], b[k]) for k in a)


def scripted(model, scores):
    """An evaluate() that returns the given scores in turn and keeps the weights each was given for."""
    seen, it = [], iter(scores)

    def evaluate():
        seen.append(snapshot(model))
        return {"score": next(it), "other": 0.5}

    return evaluate, seen


@pytest.mark.parametrize("with_checkpoints", [True, False])
def test_the_best_epoch_is_restored_when_it_is_not_the_last(tmp_path, with_checkpoints):
    model, batch, _ = toy()
    evaluate, seen = scripted(model, [0.2, 0.9, 0.5, 0.4])  # epoch 2 is best; 3 and 4 are worse
    result = fit(model, n_examples=N, batch=batch, evaluate=evaluate, metric="score", epochs=4, lr=0.05,
                 batch_size=BATCH, seed=0, patience=5, checkpoint_dir=tmp_path / "ck" if with_checkpoints else None)
    assert result["dev"]["epoch"] == 2 and result["dev"]["score"] == 0.9
    assert [h["epoch"] for h in result["history"]] == [1, 2, 3, 4]
    assert same(snapshot(model), seen[1]) and not same(seen[1], seen[3])
    assert model.out.weight is model.emb.weight  # the tie survives the restore
    assert not (tmp_path / "ck").exists()  # checkpoints removed on success
    assert not model.training


def test_early_stopping_stops_after_patience_bad_epochs_and_says_so():
    model, batch, _ = toy()
    evaluate, seen = scripted(model, [0.5, 0.6, 0.6, 0.3, 0.9, 0.9, 0.9, 0.9])  # a tie is no improvement
    events = []
    result = fit(model, n_examples=N, batch=batch, evaluate=evaluate, metric="score", epochs=8, lr=0.05,
                 batch_size=BATCH, seed=0, patience=2, progress=events.append)
    assert [h["epoch"] for h in result["history"]] == [1, 2, 3, 4] and len(seen) == 4
    stop = [e for e in events if e.get("event") == "early_stop"]
    assert stop == [{"event": "early_stop", "epoch": 4, "epochs": 8, "patience": 2, "best_epoch": 2, "step": 12,
                     "total_steps": 24}]
    assert result["dev"]["epoch"] == 2 and same(snapshot(model), seen[1])
    epochs = [e for e in events if e.get("event") == "epoch"]
    assert [e["dev_score"] for e in epochs] == [0.5, 0.6, 0.6, 0.3] and epochs[0]["dev_other"] == 0.5
    steps = [e for e in events if e.get("event") is None]
    assert [e["step"] for e in steps] == list(range(1, 13)) and steps[3]["epoch"] == 2
    assert all(set(e) == {"epoch", "epochs", "step", "total_steps", "loss", "elapsed_s", "eta_s"} for e in steps)


def test_a_cancelled_run_resumed_ends_like_an_uninterrupted_one(tmp_path):
    model, batch, evaluate = toy()
    whole = fit(model, n_examples=N, batch=batch, evaluate=evaluate, metric="score", epochs=5, lr=0.05,
                batch_size=BATCH, seed=3, checkpoint_dir=tmp_path / "a")
    weights = snapshot(model)

    model, batch, evaluate = toy()
    steps = []
    kw = dict(n_examples=N, batch=batch, evaluate=evaluate, metric="score", epochs=5, lr=0.05, batch_size=BATCH,
              seed=3, checkpoint_dir=tmp_path / "b")
    with pytest.raises(KeyboardInterrupt, match="training cancelled"):
        fit(model, **kw, progress=lambda e: steps.append(e.get("step")),
            should_stop=lambda: len(steps) > 2 * 3 + 4)  # a cancel inside epoch 3
    folder = tmp_path / "b"
    assert (folder / "checkpoint-6" / "model.safetensors").is_file()  # weights in safetensors
    assert not list(folder.rglob("*.bin"))  # no pickled TrainingArguments
    assert [h["epoch"] for h in json.loads((folder / loop.HISTORY_FILE).read_text())["history"]] == [1, 2]

    model, batch, evaluate = toy()  # a new process: fresh weights, resumed from the checkpoint
    events = []
    resumed = fit(model, **{**kw, "batch": batch, "evaluate": evaluate}, resume=True, progress=events.append)
    assert min(e["step"] for e in events if e.get("event") is None) == 7  # it went on from epoch 3
    assert len(resumed["history"]) == len(whole["history"]) == 5
    assert resumed["dev"]["epoch"] == whole["dev"]["epoch"]
    assert resumed["dev"]["score"] == pytest.approx(whole["dev"]["score"], rel=1e-6)
    assert [h["dev_score"] for h in resumed["history"]] == pytest.approx([h["dev_score"] for h in whole["history"]],
                                                                        rel=1e-6)
    assert all(torch.allclose(v, weights[k], atol=1e-6) for k, v in snapshot(model).items())
    assert model.out.weight is model.emb.weight and not folder.exists()


def test_a_run_that_had_stopped_early_trains_no_further_on_resume(tmp_path, monkeypatch):
    model, batch, _ = toy()
    evaluate, seen = scripted(model, [0.5, 0.4, 0.3, 0.2])
    kw = dict(n_examples=N, batch=batch, metric="score", epochs=6, lr=0.05, batch_size=BATCH, seed=0, patience=2,
              checkpoint_dir=tmp_path / "ck")
    events = []

    def killed(self):
        raise SystemExit("killed")

    with monkeypatch.context() as m:  # the process dies after the last checkpoint, as it loads the best weights
        m.setattr(loop.IndexTrainer, "_load_best_model", killed)
        with pytest.raises(SystemExit):
            fit(model, evaluate=evaluate, progress=events.append, **kw)
    first = [e for e in events if e.get("event") == "epoch"]
    assert [e["epoch"] for e in first] == [1, 2, 3] and any(e.get("event") == "early_stop" for e in events)

    model, batch, _ = toy()
    events, calls = [], []
    resumed = fit(model, **{**kw, "batch": batch}, evaluate=lambda: calls.append(1) or {"score": 0.0},
                  resume=True, progress=events.append)
    assert events == [] and calls == []  # no step, no evaluation
    assert [h["dev_score"] for h in resumed["history"]] == [0.5, 0.4, 0.3]
    assert resumed["dev"] == {"score": 0.5, "other": 0.5, "epoch": 1} and same(snapshot(model), seen[0])
    assert not (tmp_path / "ck").exists()


def test_a_fresh_run_ignores_an_older_runs_checkpoints(tmp_path):
    model, batch, evaluate = toy()
    folder = tmp_path / "ck"
    kw = dict(n_examples=N, batch=batch, evaluate=evaluate, metric="score", epochs=3, lr=0.05, batch_size=BATCH,
              seed=0, checkpoint_dir=folder)
    with pytest.raises(KeyboardInterrupt):
        fit(model, **kw, should_stop=lambda: True)
    assert not folder.exists()  # cancelled before its first checkpoint: no empty folder left
    stale = folder / "checkpoint-99"
    stale.mkdir(parents=True)
    (stale / "trainer_state.json").write_text("{}")
    result = fit(model, **kw)  # resume not asked for: the stale checkpoint is neither resumed nor kept
    assert len(result["history"]) == 3 and not folder.exists()


def test_a_report_head_module_round_trips_through_its_checkpoint(tmp_path):
    from transformers import BertConfig, BertModel

    from biofm.nets.report_head import MultiHeadClassifier

    torch.manual_seed(0)
    enc = BertModel(BertConfig(vocab_size=30, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                               intermediate_size=32, max_position_embeddings=16), add_pooling_layer=False)
    model = MultiHeadClassifier(enc, 3, 4)
    ids, y = torch.randint(1, 30, (N, 8)), torch.randint(0, 4, (N, 3))

    def batch(idx):
        return nn.functional.cross_entropy(model(ids[idx]).logits.reshape(-1, 4), y[idx].reshape(-1))

    evaluate, seen = scripted(model, [0.3, 0.8, 0.1])
    result = fit(model, n_examples=N, batch=batch, evaluate=evaluate, metric="score", epochs=3, lr=0.01,
                 batch_size=BATCH, seed=0, checkpoint_dir=tmp_path / "ck")
    assert result["dev"]["epoch"] == 2 and same(snapshot(model), seen[1]) and not same(seen[1], seen[2])


def test_a_lora_model_gets_its_best_epochs_adapter_back(tiny_model_dir, tmp_path):
    from biofm.tasks import get_task
    from biofm.train.common import TrainConfig, build_trainable

    kind = get_task("text-classify")
    cfg = TrainConfig(base=str(tiny_model_dir), method="lora", device="cpu", seed=0)
    _, model = build_trainable(cfg, kind.auto_class(), kind.peft_task, ["a", "b", "c"], torch.device("cpu"))
    ids, y = torch.randint(5, 100, (N, 6)), torch.randint(0, 3, (N,))

    def batch(idx):
        return nn.functional.cross_entropy(model(input_ids=ids[idx]).logits, y[idx])

    trained = [k for k, p in model.named_parameters() if p.requires_grad]
    assert any("lora_" in k for k in trained) and any("classifier" in k for k in trained)
    evaluate, seen = scripted(model, [0.7, 0.2, 0.3])
    result = fit(model, n_examples=N, batch=batch, evaluate=evaluate, metric="score", epochs=3, lr=0.05,
                 batch_size=BATCH, seed=0, checkpoint_dir=tmp_path / "ck")
    assert result["dev"]["epoch"] == 1
    now = snapshot(model)
    assert all(torch.equal(now[k], seen[0][k]) for k in now if any(t in k for t in ("lora_", "classifier")))
    assert not all(torch.equal(seen[0][k], seen[2][k]) for k in now if "lora_" in k)
    assert not (tmp_path / "ck").exists()


def test_distinct_tensors_stores_shared_memory_once_per_name(tmp_path):
    from safetensors.torch import load_file, save_file

    model = Tied()
    state = loop.distinct_tensors(model.state_dict())
    assert set(state) == set(model.state_dict())
    assert state["out.weight"].data_ptr() != state["emb.weight"].data_ptr()
    save_file(state, tmp_path / "m.safetensors")  # safetensors refuses the tied state dict as it is
    fresh = Tied()
    fresh.load_state_dict(load_file(tmp_path / "m.safetensors"))
    assert fresh.out.weight is fresh.emb.weight and torch.equal(fresh.emb.weight, model.emb.weight)
