"""Seconds per epoch of biofm's training loop (``fit()``, on transformers' Trainer) against a bare PyTorch loop.

Run: .venv/bin/python bench/train_loop.py [--train assets/examples/reviewed_notes.csv] [--epochs 3] [--repeat 3]

Both contenders train the same text-classify model (the embedded encoder, LoRA and full fine-tuning) on the same
file with the same ``batch()`` loss and dev ``evaluate()``, on the CPU: the bare loop is AdamW, the linear schedule
and clipping at 1.0 with nothing else; ``fit()`` adds Trainer's bookkeeping, the job-panel events and, as
``biofm train`` runs it, a checkpoint every epoch (weights, optimizer, scheduler, RNG). The best of ``--repeat``
runs is reported (a shared machine's noise only ever adds time).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from biofm.inference import pad_batch  # noqa: E402
from biofm.models.load import LoadedModel  # noqa: E402
from biofm.models.spec import ModelSpec  # noqa: E402
from biofm.tasks import get_task  # noqa: E402
from biofm.train.common import TrainConfig, build_trainable, fit, linear_schedule  # noqa: E402
from biofm.train.text_classify import evaluate, split_records  # noqa: E402
from biofm.train.text_data import read_labelled  # noqa: E402


def setup(train_file: str, method: str):
    kind = get_task("text-classify")
    cfg = TrainConfig(method=method, base="embedded", device="cpu", precision="fp32")
    records = read_labelled(train_file, {"label_column": "label"}).records
    train, dev = split_records(records, None, 0.15, cfg.seed)
    labels = sorted({r.label for r in records})
    torch.manual_seed(cfg.seed)
    tokenizer, model = build_trainable(cfg, kind.auto_class(), kind.peft_task, labels, torch.device("cpu"))
    ids = tokenizer([r.text for r in train], truncation=True, max_length=cfg.max_length)["input_ids"]
    y = torch.tensor([labels.index(r.label) for r in train])
    spec = ModelSpec(name="bench", task=kind.name, labels=tuple(labels), input_kind=kind.input_kind,
                     max_length=cfg.max_length, source="local", location="")
    view = kind.adapter(LoadedModel(spec, tokenizer, model, torch.device("cpu"), "fp32"))

    def batch(idx):
        x, mask = pad_batch([ids[i] for i in idx], tokenizer.pad_token_id or 0)
        return torch.nn.functional.cross_entropy(model(input_ids=x, attention_mask=mask).logits, y[idx])

    return cfg, model, len(train), batch, lambda: evaluate(view, dev)


def bare_loop(cfg, model, n, batch, dev_eval, epochs: int) -> float:
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    steps = (n + cfg.batch_size - 1) // cfg.batch_size
    sched = linear_schedule(opt, int(steps * epochs * cfg.warmup_fraction), steps * epochs)
    gen = torch.Generator().manual_seed(cfg.seed)
    t = time.perf_counter()
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n, generator=gen).tolist()
        for b in range(steps):
            loss = batch(order[b * cfg.batch_size:(b + 1) * cfg.batch_size])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
        model.eval()
        dev_eval()
    return (time.perf_counter() - t) / epochs


def trainer_loop(cfg, model, n, batch, dev_eval, epochs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        fit(model, n_examples=n, batch=batch, evaluate=dev_eval, metric="macro_f1", epochs=epochs,
            lr=cfg.learning_rate, batch_size=cfg.batch_size, seed=cfg.seed, patience=epochs + 1,
            checkpoint_dir=Path(tmp) / "checkpoint")
        return (time.perf_counter() - t) / epochs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", default=str(Path(__file__).resolve().parents[1] / "assets/examples/reviewed_notes.csv"))
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    for method in ("lora", "full"):
        best = {"bare loop": float("inf"), "fit()": float("inf")}
        for _ in range(args.repeat):
            for name, loop in (("bare loop", bare_loop), ("fit()", trainer_loop)):
                best[name] = min(best[name], loop(*setup(args.train, method), epochs=args.epochs))
        n = setup(args.train, method)[2]
        steps = (n + 15) // 16
        print(f"{method}: {n} training rows, {steps} steps an epoch; best of {args.repeat}: "
              + "; ".join(f"{k} {v:.2f} s/epoch" for k, v in best.items())
              + f"; fit() overhead (bookkeeping + checkpoints) {best['fit()'] - best['bare loop']:+.2f} s/epoch")


if __name__ == "__main__":
    main()
