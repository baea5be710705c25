"""Fine-tune a document classifier (full or LoRA) from the embedded MiniLM or any encoder directory."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import accuracy_score, classification_report, f1_score

from biofm.models.spec import EMBEDDED_BASE, write_spec
from biofm.records import TextRecord
from biofm.train.common import (TrainConfig, TrainingDataError, check_labels, compare_with, encoder_base,
                                save_weights, start_model, stratified_split, write_results)
from biofm.tasks.train_head import fit_head, prepare_head


def evaluate(clf, records: Sequence[TextRecord], batch_size: int = 32) -> dict:
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


MIN_DEV_PER_LABEL = 3  # a dev score on 2 examples a label says little


def split_records(records: Sequence[TextRecord], dev: Sequence[TextRecord] | None, dev_fraction: float,
                  seed: int) -> tuple[list[TextRecord], list[TextRecord]]:
    if dev:
        return list(records), list(dev)
    train_idx, dev_idx = stratified_split([r.label for r in records], dev_fraction, seed, MIN_DEV_PER_LABEL)
    return [records[i] for i in train_idx], [records[i] for i in dev_idx]


def train_text_classifier(kind, train_records: Sequence[TextRecord], out_dir: str | Path, *, name: str,
                          dev_records: Sequence[TextRecord] | None = None, cfg: TrainConfig | None = None,
                          dev_fraction: float = 0.15, progress: Callable[[dict], None] | None = None,
                          data_info: dict | None = None, should_stop: Callable[[], bool] | None = None) -> dict:
    """Train ``kind``'s classifier, keep the best epoch by dev macro-F1, save weights + spec + metrics."""
    cfg = cfg or TrainConfig()
    labels = check_labels([r.label for r in train_records], rows=[r.meta.get("row") for r in train_records])
    train, dev = split_records(train_records, dev_records, dev_fraction, cfg.seed)
    if not dev:
        raise TrainingDataError("the dev split is empty: give --dev or more rows")
    unknown = sorted({r.label for r in dev} - set(labels))
    if unknown:
        raise TrainingDataError(f"dev file has labels the training file lacks: {unknown}")
    start = start_model(cfg.base, kind.name, kind.default_model, labels)
    if start is not None:
        labels = list(start.labels)  # its classifier's outputs, in its order (the file may use fewer)
    run = prepare_head(kind, labels, cfg, Path(out_dir), name, start=start)
    tokenizer, model, device, precision, clf_view = run.tokenizer, run.model, run.device, run.precision, run.view
    label_ids = {lab: i for i, lab in enumerate(labels)}
    y = torch.tensor([label_ids[r.label] for r in train])
    weights = None
    if cfg.class_weights:
        counts = np.bincount(y.numpy(), minlength=len(labels)).astype(np.float32)
        weights = torch.tensor(counts.sum() / (len(labels) * np.maximum(counts, 1)), device=device)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights)

    if start is not None:  # the model it starts from, on the dev rows, before any step
        model.eval()
        reference = {"model": start.name, "relation": "started from", "version": start.version,
                     **dev_scores(dev, clf_view.predict(dev).labels)}
    else:
        reference = shipped_reference(kind, dev, cfg)
    fitted = fit_head(run, [r.text for r in train], y, loss_fn, lambda: evaluate(clf_view, dev), cfg, Path(out_dir),
                      progress=progress, should_stop=should_stop)
    best, out = fitted["dev"], Path(out_dir)
    comparison = compare_with(reference, {"model": name, **dev_scores(dev, clf_view.predict(dev).labels)}, len(dev))
    saved_base = (start.base or EMBEDDED_BASE if start.adapter else start.location) if start else encoder_base(cfg.base)
    save_weights(model, tokenizer, out, cfg.method, saved_base)
    result = {"dev": best, "baseline_tfidf_logreg": tfidf_baseline(train, dev, cfg.seed), "history": fitted["history"],
              "train_size": len(train), "dev_size": len(dev),
              "config": {**cfg.__dict__, "lr": cfg.learning_rate, "base": saved_base},
              "started_from": None if start is None else {"model": start.name, "version": start.version,
                                                          "location": start.location},
              "comparison": comparison, "precision": precision, "device": str(device), "data": data_info or {}}
    write_spec(out, name=name, task=kind.name, labels=labels, input_kind=kind.input_kind, max_length=cfg.max_length,
               adapter=cfg.method == "lora", base=saved_base, version=time.strftime("%Y%m%d"),
               metrics={"dev_macro_f1": round(best["macro_f1"], 4), "dev_accuracy": round(best["accuracy"], 4)})
    write_results(out, result)
    return result


def dev_scores(dev: Sequence[TextRecord], predicted: Sequence[str]) -> dict:
    """Accuracy and macro-F1 over the labels the dev rows hold, so models with other label sets compare fairly."""
    y = [r.label for r in dev]
    present = sorted(set(y))
    return {"accuracy": float(accuracy_score(y, predicted)),
            "macro_f1": float(f1_score(y, predicted, average="macro", labels=present, zero_division=0))}


def shipped_reference(kind, dev: Sequence[TextRecord], cfg: TrainConfig) -> dict | None:
    """The task's shipped model on the dev rows, when it knows every dev label (the bar a new head must clear)."""
    from biofm.config import load_settings
    from biofm.models.load import load_model
    from biofm.models.registry import default_registry

    reg = default_registry(load_settings())
    if not kind.default_model or kind.default_model not in reg.names():
        return None
    spec = reg.get(kind.default_model)
    if spec.task != kind.name or not {r.label for r in dev} <= set(spec.labels):
        return None
    loaded = load_model(spec, kind.build, device=cfg.device, precision=cfg.precision)
    return {"model": spec.name, "relation": "shipped model for this task", "version": spec.version,
            **dev_scores(dev, kind.adapter(loaded).predict(dev).labels)}
