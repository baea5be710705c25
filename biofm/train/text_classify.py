"""Fine-tune a document classifier (full or LoRA) from the embedded MiniLM or any encoder directory."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import accuracy_score, classification_report, f1_score

from biofm.inference import autocast, pad_batch
from biofm.models.loading import LoadedModel, pick_device, pick_precision
from biofm.models.registry import SPEC_FILE, ModelSpec
from biofm.records import TextRecord
from biofm.tasks.text_classify import TextClassifier
from biofm.train.common import (
    TrainConfig,
    TrainingDataError,
    build_trainable,
    save_weights,
    check_labels,
    fit,
    seed_everything,
    stratified_split,
    write_json,
)

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
    tokenizer, model = build_trainable(cfg, "text-classify", labels, device)
    label_ids = {l: i for i, l in enumerate(labels)}

    enc = tokenizer([r.text for r in train], truncation=True, max_length=cfg.max_length)["input_ids"]
    y = torch.tensor([label_ids[r.label] for r in train])
    weights = None
    if cfg.class_weights:
        counts = np.bincount(y.numpy(), minlength=len(labels)).astype(np.float32)
        weights = torch.tensor(counts.sum() / (len(labels) * np.maximum(counts, 1)), device=device)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights)
    spec = ModelSpec(name=name, task="text-classify", labels=tuple(labels), input_kind="text",
                     max_length=cfg.max_length, source="local", location=str(out_dir))
    clf_view = TextClassifier(LoadedModel(spec, tokenizer, model, device, precision))
    pad_id = tokenizer.pad_token_id or 0

    def batch_loss(idx: list[int]) -> torch.Tensor:
        ids, mask = pad_batch([enc[i] for i in idx], pad_id)
        with autocast(device, precision):
            logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
        return loss_fn(logits.float(), y[idx].to(device))

    fitted = fit(model, n_examples=len(train), batch=batch_loss, evaluate=lambda: evaluate(clf_view, dev),
                 metric="macro_f1", epochs=cfg.epochs, lr=cfg.learning_rate, batch_size=cfg.batch_size, seed=cfg.seed,
                 weight_decay=cfg.weight_decay, warmup_fraction=cfg.warmup_fraction, patience=cfg.patience,
                 progress=progress, should_stop=should_stop, checkpoint_dir=Path(out_dir) / "checkpoint",
                 resume=cfg.resume)
    best_metrics, history = fitted["dev"], fitted["history"]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    save_weights(model, tokenizer, out, cfg.method, cfg.base)
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
