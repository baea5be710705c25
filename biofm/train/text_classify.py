"""Fine-tune a document classifier (full or LoRA) from the embedded MiniLM or any encoder directory."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import accuracy_score, classification_report, f1_score

from biofm.inference import autocast
from biofm.models.loading import LoadedModel, pick_device, pick_precision, resolve_base
from biofm.models.registry import EMBEDDED_BASE, SPEC_FILE, ModelSpec
from biofm.records import TextRecord
from biofm.tasks.text_classify import TextClassifier
from biofm.train.common import (
    TrainingDataError,
    check_labels,
    linear_schedule,
    seed_everything,
    stratified_split,
    write_json,
)

LORA_TARGETS = ["query", "key", "value", "dense"]


@dataclass
class TrainConfig:
    base: str = EMBEDDED_BASE
    method: str = "lora"  # lora | full
    epochs: int = 8
    lr: float | None = None  # default: 5e-4 for LoRA, 5e-5 for full
    batch_size: int = 16
    max_length: int = 256
    seed: int = 13
    weight_decay: float = 0.01
    warmup_fraction: float = 0.1
    patience: int = 3
    lora_r: int = 16
    lora_alpha: int = 32
    class_weights: bool = False
    device: str = "auto"
    precision: str = "auto"

    @property
    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else (5e-4 if self.method == "lora" else 5e-5)


def evaluate(clf: TextClassifier, records: Sequence[TextRecord], batch_size: int = 32) -> dict:
    preds = clf.predict(records, batch_size=batch_size)
    y_true = [r.label for r in records]
    y_pred = preds.labels
    return {
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", labels=preds.label_names, zero_division=0)),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "per_label": classification_report(y_true, y_pred, labels=preds.label_names, output_dict=True,
                                           zero_division=0),
        "n": len(records),
    }


def tfidf_baseline(train: Sequence[TextRecord], dev: Sequence[TextRecord], seed: int) -> dict:
    """TF-IDF (word 1-2 grams) + logistic regression on the same split: the bar a model must clear."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipe = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                         LogisticRegression(C=10.0, max_iter=3000, random_state=seed))
    pipe.fit([r.text for r in train], [r.label for r in train])
    pred = pipe.predict([r.text for r in dev])
    y = [r.label for r in dev]
    return {"macro_f1": float(f1_score(y, pred, average="macro", zero_division=0)),
            "accuracy": float(accuracy_score(y, pred))}


def split_records(records: Sequence[TextRecord], dev: Sequence[TextRecord] | None, dev_fraction: float,
                  seed: int) -> tuple[list[TextRecord], list[TextRecord]]:
    if dev:
        return list(records), list(dev)
    train_idx, dev_idx = stratified_split([r.label for r in records], dev_fraction, seed)
    return [records[i] for i in train_idx], [records[i] for i in dev_idx]


def _build(cfg: TrainConfig, labels: list[str], device: torch.device):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    base = resolve_base(cfg.base)
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=Path(base).is_dir())
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)},
        use_safetensors=True, local_files_only=Path(base).is_dir())
    if cfg.method == "lora":
        from peft import LoraConfig, TaskType, get_peft_model

        model = get_peft_model(model, LoraConfig(task_type=TaskType.SEQ_CLS, r=cfg.lora_r, lora_alpha=cfg.lora_alpha,
                                                 lora_dropout=0.1, target_modules=LORA_TARGETS))
    elif cfg.method != "full":
        raise ValueError(f"method must be 'lora' or 'full', got {cfg.method!r}")
    return tokenizer, model.to(device)


def train_text_classifier(
    train_records: Sequence[TextRecord],
    out_dir: str | Path,
    *,
    name: str,
    dev_records: Sequence[TextRecord] | None = None,
    cfg: TrainConfig | None = None,
    dev_fraction: float = 0.15,
    progress: Callable[[dict], None] | None = None,
    data_info: dict | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict:
    """Train, keep the best epoch by dev macro-F1, save weights + spec + metrics. Returns the metrics."""
    cfg = cfg or TrainConfig()
    labels = check_labels([r.label for r in train_records])
    train, dev = split_records(train_records, dev_records, dev_fraction, cfg.seed)
    if not dev:
        raise TrainingDataError("the dev split is empty: give --dev or more rows")
    unknown = sorted({r.label for r in dev} - set(labels))
    if unknown:
        raise TrainingDataError(f"dev file has labels the training file lacks: {unknown}")
    seed_everything(cfg.seed)
    device = pick_device(cfg.device)
    precision = pick_precision(device, cfg.precision)
    tokenizer, model = _build(cfg, labels, device)
    label_ids = {l: i for i, l in enumerate(labels)}

    enc = tokenizer([r.text for r in train], truncation=True, max_length=cfg.max_length)["input_ids"]
    y = torch.tensor([label_ids[r.label] for r in train])
    weights = None
    if cfg.class_weights:
        counts = np.bincount(y.numpy(), minlength=len(labels)).astype(np.float32)
        weights = torch.tensor(counts.sum() / (len(labels) * np.maximum(counts, 1)), device=device)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    steps_per_epoch = (len(train) + cfg.batch_size - 1) // cfg.batch_size
    total = steps_per_epoch * cfg.epochs
    scheduler = linear_schedule(optimizer, int(total * cfg.warmup_fraction), total)
    spec = ModelSpec(name=name, task="text-classify", labels=tuple(labels), input_kind="text",
                     max_length=cfg.max_length, source="local", location=str(out_dir))
    clf_view = TextClassifier(LoadedModel(spec, tokenizer, model, device, precision))
    gen = torch.Generator().manual_seed(cfg.seed)
    from biofm.inference import pad_batch

    history, best, best_state, bad_epochs, step = [], -1.0, None, 0, 0
    t0 = time.time()
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        order = torch.randperm(len(train), generator=gen).tolist()
        running = []
        for b in range(steps_per_epoch):
            idx = order[b * cfg.batch_size:(b + 1) * cfg.batch_size]
            ids, mask = pad_batch([enc[i] for i in idx], tokenizer.pad_token_id or 0)
            with autocast(device, precision):
                logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
            loss = loss_fn(logits.float(), y[idx].to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            running.append(loss.item())
            if progress:
                progress({"epoch": epoch, "step": step, "total_steps": total, "loss": loss.item()})
            if should_stop and should_stop():
                raise KeyboardInterrupt("training cancelled")
        model.eval()
        metrics = evaluate(clf_view, dev)
        entry = {"epoch": epoch, "step": step, "train_loss": float(np.mean(running)), "dev_macro_f1": metrics["macro_f1"],
                 "dev_accuracy": metrics["accuracy"], "seconds": round(time.time() - t0, 1)}
        history.append(entry)
        if progress:
            progress({**entry, "total_steps": total, "event": "epoch"})
        if metrics["macro_f1"] > best:
            best, bad_epochs = metrics["macro_f1"], 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            best_metrics = {**metrics, "epoch": epoch}
        else:
            bad_epochs += 1
            if bad_epochs >= cfg.patience:
                break
    model.load_state_dict(best_state)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    if cfg.method == "full":
        tokenizer.save_pretrained(out)
    baseline = tfidf_baseline(train, dev, cfg.seed)
    result = {
        "dev": best_metrics, "baseline_tfidf_logreg": baseline, "history": history,
        "train_size": len(train), "dev_size": len(dev), "config": {**cfg.__dict__, "lr": cfg.learning_rate},
        "precision": precision, "device": str(device), "data": data_info or {},
    }
    spec_json = {"name": name, "task": "text-classify", "labels": labels, "input_kind": "text",
                 "max_length": cfg.max_length, "adapter": cfg.method == "lora",
                 "base": cfg.base if cfg.method == "lora" else None, "version": time.strftime("%Y%m%d"),
                 "metrics": {"dev_macro_f1": round(best_metrics["macro_f1"], 4),
                             "dev_accuracy": round(best_metrics["accuracy"], 4)}}
    write_json(out / SPEC_FILE, spec_json)
    write_json(out / "metrics.json", result)
    (out / "train_log.jsonl").write_text("".join(json.dumps(h) + "\n" for h in history), encoding="utf-8")
    return result
