"""Few-shot training of a custom model with SetFit (Tunstall et al. 2022, "Efficient Few-Shot Learning Without
Prompts"): contrastive fine-tuning of the sentence encoder on pairs of reviewed notes (same label: similar,
different: dissimilar; ``CosineSimilarityLoss``), then a logistic-regression head on the tuned embeddings
(one-vs-rest for multi-label). The ``setfit`` package does both phases; biofm saves the result its own way
(encoder safetensors + head arrays, no pickle) as one new version ``vN`` of the model folder, keeps every
earlier version, and records the version's metrics on the fixed dev part (the learning curve).

Splits: the dev part is fixed per item (:func:`biofm.tasks.custom.teach.is_dev`); multi-label thresholds are
chosen per label on a held-out part of the remaining items, split by iterative stratification (Sechidis et al.
2011; the ``iterative-stratification`` package); single-label needs no thresholds (argmax) and trains on all of it.
"""

from __future__ import annotations

import ast
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from biofm.records import TextRecord
from biofm.tasks.custom.labelset import LABEL_SEPARATOR, LabelSet
from biofm.tasks.custom.model import TASK, read_versions
from biofm.tasks.custom.teach import DEV_PERCENT, is_dev
from biofm.train.common import TrainingDataError
from biofm.train.splits import choose_thresholds, held_split

MIN_PER_LABEL = 8
HELD_FRACTION = 0.25
DEFAULTS = {"epochs": 1, "num_iterations": 20, "max_steps": 120, "batch_size": 16, "lr": 2e-5, "max_length": 128,
            "seed": 13, "dev_percent": DEV_PERCENT, "min_per_label": MIN_PER_LABEL, "device": "auto", "threads": 0}


def parse_value(raw, ls: LabelSet, row: int | str = "?") -> str | list[str]:
    """A reviewed value from a file cell: a label name (single-label), or ``a;b`` / a JSON-style list / empty
    (multi-label: the labels the item has). TrainingDataError names the row and the unknown label."""
    names = ls.names
    if ls.multi_label:
        if raw is None:
            return []
        if isinstance(raw, (list, tuple)):
            parts = [str(x).strip() for x in raw]
        else:
            text = str(raw).strip()
            if text.startswith("["):
                try:
                    parts = [str(x).strip() for x in ast.literal_eval(text)]
                except (ValueError, SyntaxError):
                    raise TrainingDataError(f"row {row}: cannot read the label list {text[:80]!r}") from None
            else:
                parts = [p.strip() for p in text.split(LABEL_SEPARATOR)]
        parts = [p for p in parts if p]
        unknown = [p for p in parts if p not in names]
        if unknown:
            raise TrainingDataError(f"row {row}: label(s) {unknown} are not in the label set {names}")
        return sorted(set(parts), key=names.index)
    if raw is None or str(raw).strip() == "":
        raise TrainingDataError(f"row {row}: no label (a single-label item needs exactly one of {names})")
    value = str(raw).strip()
    if value not in names:
        raise TrainingDataError(f"row {row}: label {value!r} is not in the label set {names}")
    return value


def read_reviewed(path: str | Path, ls: LabelSet, text_column: str | None = None,
                  label_column: str | None = None) -> list[TextRecord]:
    """Reviewed items of a CSV/JSONL file (``id,text,label`` as Review exports; multi-label: ``label`` or
    ``labels`` holding ``a;b``). Records carry the parsed value in ``meta["value"]``. Any unreadable row or
    unknown label refuses the file (TrainingDataError naming the row): a training set is not silently cut."""
    from biofm.io import read_text_file
    from biofm.io.text import peek_columns

    path = Path(path)
    if label_column is None:
        cols = peek_columns(path.read_bytes()[:65536], path.name) if path.is_file() else []
        label_column = "labels" if "labels" in cols and "label" not in cols else "label"
    res = read_text_file(path, text_column=text_column, label_column=label_column, max_rows=None)
    if res.errors:
        e = res.errors[0]
        raise TrainingDataError(f"{path}: {len(res.errors)} unreadable row(s); first: row {e.row} ({e.field}): "
                                f"{e.message}")
    for r in res.records:
        r.meta["value"] = parse_value(r.label, ls, r.meta.get("row", "?"))
    if not res.records:
        raise TrainingDataError(f"{path}: no reviewed items")
    return res.records


def targets(values: Sequence, ls: LabelSet) -> np.ndarray:
    """Class indices ``[n]`` (single-label) or a 0/1 matrix ``[n, L]`` (multi-label) for reviewed values."""
    names = ls.names
    if ls.multi_label:
        y = np.zeros((len(values), len(names)), dtype=int)
        for i, v in enumerate(values):
            for name in v:
                y[i, names.index(name)] = 1
        return y
    return np.array([names.index(v) for v in values], dtype=int)


def check_counts(y: np.ndarray, ls: LabelSet, min_per_label: int) -> None:
    """Refuse training below ``min_per_label`` reviewed examples of a label (and, multi-label, a label that every
    item has: nothing to contrast it with)."""
    n_pos = y.sum(0) if ls.multi_label else np.bincount(y, minlength=len(ls.names))
    short = {n: int(c) for n, c in zip(ls.names, n_pos) if c < min_per_label}
    if short:
        raise TrainingDataError(f"few-shot training needs at least {min_per_label} reviewed examples per label; "
                                f"too few for {short}. Review more items (or train with a lower --min-per-label).")
    if ls.multi_label:
        full = [n for n, c in zip(ls.names, n_pos) if c == len(y)]
        if full:
            raise TrainingDataError(f"every reviewed item has the label(s) {full}: review some items without them")


def metrics(y_true: np.ndarray, probs: np.ndarray, ls: LabelSet, thresholds: Sequence[float] | None = None) -> dict:
    """Macro- and micro-F1 and per-label precision/recall/F1 of probabilities ``[n, L]`` against targets."""
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    from biofm.tasks.custom.teach import decisions

    if len(y_true) == 0:
        return {}
    pred = decisions(probs, ls.multi_label, thresholds)
    every = list(range(len(ls.names)))
    p, r, f, s = precision_recall_fscore_support(y_true, pred, zero_division=0, labels=every)
    # macro-F1 over the labels the part has or the model gives: a label absent from both scores nothing
    if ls.multi_label:
        seen = [j for j in every if y_true[:, j].any() or pred[:, j].any()]
    else:
        seen = sorted(set(np.asarray(y_true).tolist()) | set(np.asarray(pred).tolist()))
    out = {"macro_f1": float(f1_score(y_true, pred, average="macro", zero_division=0, labels=seen)),
           "micro_f1": float(f1_score(y_true, pred, average="micro", zero_division=0, labels=every)),
           "n": int(len(y_true)), "labels_scored": [ls.names[j] for j in seen],
           "per_label": {n: {"precision": round(float(a), 4), "recall": round(float(b), 4), "f1": round(float(c), 4),
                             "support": int(d)} for n, a, b, c, d in zip(ls.names, p, r, f, s)}}
    if not ls.multi_label:
        out["accuracy"] = float((pred == y_true).mean())
    return out


def _progress_callback(progress, should_stop, total: int):
    from transformers import TrainerCallback

    class Progress(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if progress:
                progress({"step": int(state.global_step), "total_steps": total, "phase": "contrastive"})
            if should_stop and should_stop():
                control.should_training_stop = True

        def on_log(self, args, state, control, logs=None, **kwargs):
            if progress and logs and "embedding_loss" in logs:
                progress({"step": int(state.global_step), "total_steps": total,
                          "loss": float(logs["embedding_loss"])})

    return Progress()


def setfit_body(encoder: str, texts: list[str], y: np.ndarray, ls: LabelSet, cfg: dict, progress=None,
                should_stop=None):
    """SetFit's embedding phase on ``texts``/``y``: the contrastively tuned SentenceTransformer body, and the number
    of steps run. (SetFit's head phase is replaced by :func:`fit_head` on the embeddings biofm's inference
    computes, windows and all, so the head sees at training what it sees at prediction.)"""
    import torch
    from datasets import Dataset
    from setfit import SetFitModel, Trainer, TrainingArguments

    from biofm.models.load import pick_device
    from biofm.models.sources import resolve_base

    base = resolve_base(encoder) if encoder.startswith(("embedded:", "hub:")) else encoder
    device = pick_device(cfg.get("device") or "auto")
    torch.manual_seed(cfg["seed"])
    model = SetFitModel.from_pretrained(base, multi_target_strategy="one-vs-rest" if ls.multi_label else None,
                                        device=str(device), local_files_only=True)
    model.model_body.max_seq_length = int(cfg["max_length"])
    labels = y.tolist()
    n_pairs = len(texts) * 2 * int(cfg["num_iterations"])
    steps = max(1, int(np.ceil(n_pairs / cfg["batch_size"])) * int(cfg["epochs"]))
    if cfg.get("max_steps") and cfg["max_steps"] > 0:
        steps = min(steps, int(cfg["max_steps"]))
    with tempfile.TemporaryDirectory(prefix="biofm-setfit-") as tmp:
        args = TrainingArguments(output_dir=tmp, batch_size=int(cfg["batch_size"]), num_epochs=int(cfg["epochs"]),
                                 max_steps=steps, num_iterations=int(cfg["num_iterations"]),
                                 body_learning_rate=float(cfg["lr"]), max_length=int(cfg["max_length"]),
                                 seed=int(cfg["seed"]), save_strategy="no", report_to="none",
                                 show_progress_bar=False, logging_steps=10)
        trainer = Trainer(model=model, args=args, train_dataset=Dataset.from_dict({"text": texts, "label": labels}),
                          callbacks=[_progress_callback(progress, should_stop, steps)])
        with warnings.catch_warnings():  # sentence-transformers' loader asks for pinned memory even on a CPU
            warnings.filterwarnings("ignore", message="'pin_memory' argument is set as true", category=UserWarning)
            trainer.train_embeddings(texts, labels, args=args)
    model.model_body.max_seq_length = 256
    return model.model_body, steps


def fit_head(emb: np.ndarray, y: np.ndarray, ls: LabelSet, seed: int = 13) -> tuple[np.ndarray, np.ndarray]:
    """The logistic-regression head SetFit fits (scikit-learn's defaults, C=1), as arrays ``(W [L, d], b [L])``:
    multinomial for single-label (a label absent from ``y`` gets bias -1e4: never predicted), one binary model per
    label for multi-label (one-vs-rest)."""
    from sklearn.linear_model import LogisticRegression

    L, d = len(ls.names), emb.shape[1]
    W, b = np.zeros((L, d), np.float32), np.zeros(L, np.float32)
    if ls.multi_label:
        for j, n in enumerate(ls.names):
            if y[:, j].min() == y[:, j].max():
                raise TrainingDataError(f"label {n!r}: the training part has only "
                                        f"{'positive' if y[0, j] else 'negative'} items; review items of both kinds")
            lr = LogisticRegression(max_iter=1000, random_state=seed).fit(emb, y[:, j])
            W[j], b[j] = lr.coef_[0], lr.intercept_[0]
        return W, b
    lr = LogisticRegression(max_iter=1000, random_state=seed).fit(emb, y)
    coef, intercept = lr.coef_, lr.intercept_
    if coef.shape[0] == 1:  # two classes: p(class 1) = sigmoid(z) = softmax([0, z])[1]
        coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.concatenate([[0.0], intercept])
    b[:] = -1e4
    for k, c in enumerate(lr.classes_):
        W[int(c)], b[int(c)] = coef[k], intercept[k]
    return W, b


def head_probs(emb: np.ndarray, W: np.ndarray, b: np.ndarray, multi_label: bool) -> np.ndarray:
    """Probabilities ``[n, L]`` of the head on document embeddings (the adapter's arithmetic, without a pass)."""
    z = emb.astype(np.float64) @ W.T.astype(np.float64) + b
    if multi_label:
        return (1 / (1 + np.exp(-z))).astype(np.float32)
    z = np.exp(z - z.max(-1, keepdims=True))
    return (z / z.sum(-1, keepdims=True)).astype(np.float32)


def _same_label_set(folder: Path, ls: LabelSet, history: list[dict]) -> None:
    """Refuse to add a version for other labels to a folder whose versions were trained on its own label set
    (the learning curve and the versions would mix two questions). Raises TrainingDataError naming both sets."""
    current = folder / "labels.json"
    if not history or not current.is_file():
        return
    from biofm.tasks.custom.labelset import load_label_set

    old = load_label_set(current)
    if (old.names, old.multi_label) != (ls.names, ls.multi_label):
        kind = lambda x: "multi-label" if x.multi_label else "single-label"  # noqa: E731
        raise TrainingDataError(
            f"{folder} holds label set {old.name!r} ({kind(old)}: {', '.join(old.names)}) with {len(history)} trained "
            f"version(s); label set {ls.name!r} ({kind(ls)}: {', '.join(ls.names)}) differs. Train it into a new "
            "folder (--out), or use that folder's own labels.json")


def train_version(ls: LabelSet, records: Sequence[TextRecord], folder: str | Path, *, name: str | None = None,
                  config: dict | None = None, progress: Callable[[dict], None] | None = None,
                  should_stop: Callable[[], bool] | None = None, data_info: dict | None = None) -> dict:
    """Train version N+1 of the custom model in ``folder`` from reviewed ``records`` (each with
    ``meta["value"]``: a label name, or a list of names for multi-label) and make it the version in use.

    Returns the version's entry in ``versions.json`` (``version``, ``n_train``, ``n_dev``, ``dev`` metrics,
    ``zero_shot_dev`` metrics, ``thresholds``, ``seconds``...). Progress events: ``{"event": "phase", ...}``,
    ``{"step", "total_steps", "loss"}`` while the encoder trains. Raises TrainingDataError before any training
    when a label has fewer than ``min_per_label`` reviewed examples. Measured: 83 s on this project's 2-core CPU (one
    torch thread, busy machine) for 3 labels x 32 short notes with the defaults (120 contrastive steps of 16
    pairs at 128 tokens)."""
    from biofm.models.spec import write_spec
    from biofm.tasks.custom.model import (HEAD_FILE, VERSIONS_FILE, save_head, write_zero_shot, zero_shot_spec)
    from biofm.train.common import seed_everything, write_json

    cfg = {**DEFAULTS, **{k: v for k, v in (config or {}).items() if v is not None}}
    for key, low, high in (("dev_percent", 0, 50), ("min_per_label", 1, None), ("num_iterations", 1, None),
                           ("max_steps", 0, None), ("batch_size", 2, None), ("max_length", 8, 512),
                           ("threads", 0, None)):
        if not isinstance(cfg[key], int) or cfg[key] < low or (high is not None and cfg[key] > high):
            raise ValueError(f"--{key.replace('_', '-')} must be a whole number from {low}"
                             f"{f' to {high}' if high is not None else ''}, got {cfg[key]!r}")
    folder = Path(folder).expanduser().resolve()
    name = name or folder.name
    report = progress or (lambda ev: None)
    t0 = time.time()
    values = [r.meta["value"] for r in records]
    y_all = targets(values, ls)
    check_counts(y_all, ls, int(cfg["min_per_label"]))
    dev_mask = np.array([is_dev(r.id, int(cfg["dev_percent"])) for r in records], bool)
    train_idx, dev_idx = np.flatnonzero(~dev_mask), np.flatnonzero(dev_mask)
    y_train = y_all[train_idx]
    present = y_train.sum(0) if ls.multi_label else np.bincount(y_train, minlength=len(ls.names))
    missing = [n for n, c in zip(ls.names, present) if c == 0]
    if missing:
        raise TrainingDataError(f"no training example of {missing} outside the dev part; review more items")
    fit_rel, held_rel = held_split(y_train, ls.multi_label, HELD_FRACTION if ls.multi_label else 0.0, cfg["seed"])
    fit_idx, held_idx = train_idx[fit_rel], train_idx[held_rel]
    seed_everything(int(cfg["seed"]))
    if cfg["threads"]:
        import torch

        torch.set_num_threads(int(cfg["threads"]))
    history = read_versions(folder)
    _same_label_set(folder, ls, history)
    write_zero_shot(folder, ls, name)  # labels.json (and zero-shot state when this is the first version)
    version = max((v["version"] for v in history), default=0) + 1
    report({"event": "phase", "phase": "contrastive fine-tuning (SetFit)", "version": version,
            "n_fit": len(fit_idx), "n_held": len(held_idx), "n_dev": len(dev_idx)})
    body, steps = setfit_body(ls.encoder, [records[i].text for i in fit_idx], y_all[fit_idx], ls, cfg, progress,
                              should_stop)
    if should_stop and should_stop():
        raise InterruptedError("training was cancelled; no version was saved")
    vdir = folder / f"v{version}"
    tmp = folder / f".v{version}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    body.save(str(tmp), safe_serialization=True)
    for stale in ("README.md", "config_setfit.json"):
        (tmp / stale).unlink(missing_ok=True)
    report({"event": "phase", "phase": "head, thresholds and dev metrics"})
    d = int(body[0].auto_model.config.hidden_size)
    save_head(tmp, np.zeros((len(ls.names), d)), np.zeros(len(ls.names)), {})  # a blank head: embeddings only
    extra = {"mode": "few-shot", "multi_label": ls.multi_label, "encoder": ls.encoder, "descriptions":
             ls.descriptions, "label_set": ls.name, "weights": ".", "thresholds": [0.5] * len(ls.names)}
    blank = zero_shot_spec(ls, tmp, name)  # only its fields; the mode below makes it load tmp's weights
    from dataclasses import replace

    blank = replace(blank, extra=extra, version=f"embed-{time.time_ns()}")
    order = np.concatenate([fit_idx, held_idx, dev_idx])
    emb = embeddings(blank, [records[i] for i in order])
    e_fit, e_held, e_dev = np.split(emb, [len(fit_idx), len(fit_idx) + len(held_idx)])
    W, b = fit_head(e_fit, y_all[fit_idx], ls, int(cfg["seed"]))
    save_head(tmp, W, b, {"labels": ls.names, "multi_label": ls.multi_label, "file": HEAD_FILE,
                          "kind": "logistic regression " + ("(one-vs-rest)" if ls.multi_label else "(multinomial)")})
    held_p, dev_p = head_probs(e_held, W, b, ls.multi_label), head_probs(e_dev, W, b, ls.multi_label)
    thresholds = choose_thresholds(y_all[held_idx], held_p) if ls.multi_label and len(held_idx) else \
        [0.5] * len(ls.names)
    dev_m = metrics(y_all[dev_idx], dev_p, ls, thresholds)
    zs_m = {}
    if len(dev_idx):
        zs = zero_shot_spec(ls, folder, name)
        zs_m = metrics(y_all[dev_idx], predict_probs(zs, [records[i] for i in dev_idx]), ls)
    prev_m = _previous_on_dev(folder, history, ls, [records[i] for i in dev_idx], y_all[dev_idx])
    from biofm.train.common import file_sha256

    tag = f"{version}-{file_sha256(tmp / HEAD_FILE)[:8]}"  # a retrained folder never meets a stale cached model
    entry = {"version": version, "dir": vdir.name, "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
             "seconds": round(time.time() - t0, 1), "n_reviewed": len(records), "n_train": int(len(train_idx)),
             "n_fit": int(len(fit_idx)), "n_held": int(len(held_idx)), "n_dev": int(len(dev_idx)),
             "dev_ids": [records[i].id for i in dev_idx], "dev": dev_m, "zero_shot_dev": zs_m,
             "previous_dev": prev_m,
             "thresholds": [round(t, 4) for t in thresholds], "contrastive_steps": steps,
             "config": {k: cfg[k] for k in DEFAULTS}, "data": data_info or {}}
    extra["thresholds"] = entry["thresholds"]
    head_metrics = {f"dev_{k}": round(v, 4) for k, v in dev_m.items() if isinstance(v, float)}
    write_spec(tmp, name=name, task=TASK, labels=ls.names, input_kind="text", max_length=256, version=tag,
               metrics=head_metrics, extra=extra)
    write_json(tmp / "metrics.json", entry)
    history.append(entry)
    from biofm.tasks.custom.card import version_card

    card = version_card(name, ls, entry, history)
    (tmp / "README.md").write_text(card, encoding="utf-8")
    tmp.rename(vdir)
    write_spec(folder, name=name, task=TASK, labels=ls.names, input_kind="text", max_length=256,
               version=tag, metrics=head_metrics, extra={**extra, "weights": vdir.name})
    (folder / "README.md").write_text(card, encoding="utf-8")
    write_json(folder / VERSIONS_FILE, history)
    report({"event": "saved", "version": version, "dev_macro_f1": dev_m.get("macro_f1"),
            "seconds": entry["seconds"]})
    return entry


def embeddings(spec, records: Sequence[TextRecord]) -> np.ndarray:
    """Document embeddings ``[n, d]`` (mean of unit-length window embeddings) of a custom model, CPU fp32."""
    from biofm.models.load import LoadedModel
    from biofm.tasks.custom.adapter import CustomAdapter
    from biofm.tasks.custom.model import build_custom

    tok, model = build_custom(spec)
    loaded = LoadedModel(spec, tok, model.float().eval(), __import__("torch").device("cpu"), "fp32")
    return CustomAdapter(loaded).predict(list(records)).embeddings


def predict_probs(model, records: Sequence[TextRecord]) -> np.ndarray:
    """Probabilities ``[n, L]`` of a custom model (a folder, or a spec) on records, on the CPU in fp32."""
    from biofm.models.load import load_model
    from biofm.models.spec import ModelSpec
    from biofm.tasks.custom.adapter import CustomAdapter
    from biofm.tasks.custom.model import build_custom, spec_for

    spec = model if isinstance(model, ModelSpec) else spec_for(model)
    if not records:
        return np.zeros((0, len(spec.labels)), np.float32)
    loaded = load_model(spec, build_custom, device="cpu", precision="fp32")
    return CustomAdapter(loaded).predict(list(records)).probs


def compare_versions(folder: str | Path, records: Sequence[TextRecord], ls: LabelSet) -> list[dict]:
    """Every version of a model folder (and zero-shot, version 0) scored on the same reviewed records (each with
    ``meta["value"]``): one row per version with macro-/micro-F1 — versions compared on equal terms."""
    from biofm.tasks.custom.model import spec_for, zero_shot_spec

    folder = Path(folder)
    y = targets([r.meta["value"] for r in records], ls)
    rows = [{"version": 0, "mode": "zero-shot",
             **_headline(metrics(y, predict_probs(zero_shot_spec(ls, folder), records), ls))}]
    for v in read_versions(folder):
        spec = spec_for(folder / v["dir"])
        if list(spec.labels) != ls.names:  # trained before the label set changed: not comparable on these items
            rows.append({"version": v["version"], "mode": "few-shot", "n_train": v["n_train"],
                         "note": f"other labels: {list(spec.labels)}"})
            continue
        m = metrics(y, predict_probs(spec, records), ls, spec.extra.get("thresholds"))
        rows.append({"version": v["version"], "mode": "few-shot", "n_train": v["n_train"], **_headline(m)})
    return rows


def calibrate_zero_shot(folder: str | Path, records: Sequence[TextRecord], name: str | None = None) -> dict:
    """Platt-scale a model folder's zero-shot suggestions on reviewed ``records`` (each with ``meta["value"]``),
    for the stretch before few-shot training (fewer than 8 reviewed per label): per label, a logistic regression
    of "has the label" on the note's cosine similarity to the description (:func:`~.zeroshot.fit_platt`).

    While the folder has no trained version its ``biofm.json`` is rewritten to use the fit; returns the fit
    (``{"method": "platt", "a": [...], "b": [...]}``). ValueError when a label has no reviewed item with and
    without it."""
    from biofm.models.load import load_model
    from biofm.tasks.custom.adapter import CustomAdapter
    from biofm.tasks.custom.labelset import load_label_set
    from biofm.tasks.custom.model import build_custom, write_zero_shot, zero_shot_spec
    from biofm.tasks.custom.zeroshot import fit_platt

    folder = Path(folder)
    ls = load_label_set(folder)
    loaded = load_model(zero_shot_spec(ls, folder, name or folder.name), build_custom, device="cpu",
                        precision="fp32")
    preds = CustomAdapter(loaded).predict(list(records))
    desc = loaded.model.head.weight.detach().float().cpu().numpy()
    sims = preds.embeddings.astype(np.float64) @ desc.T.astype(np.float64)  # = the mean of window cosines
    y = targets([r.meta["value"] for r in records], ls)
    if not ls.multi_label:
        y = np.eye(len(ls.names), dtype=int)[y]
    fit = fit_platt(sims, y, ls.names).to_json()
    write_zero_shot(folder, ls, name, calibration=fit)
    return fit


def _previous_on_dev(folder: Path, history: list[dict], ls: LabelSet, dev: Sequence[TextRecord],
                     y_dev: np.ndarray) -> dict | None:
    """The version in use before this one, scored on this version's dev items (``{"version", "macro_f1", ...}``),
    so the two compare on the same items; None without such a version (or dev items, or with other labels)."""
    from biofm.tasks.custom.model import spec_for

    if not history or not len(dev):
        return None
    prev = history[-1]
    spec = spec_for(folder / prev["dir"])
    if list(spec.labels) != ls.names:
        return None
    return {"version": prev["version"],
            **_headline(metrics(y_dev, predict_probs(spec, dev), ls, spec.extra.get("thresholds")))}


def version_warnings(entry: dict) -> list[str]:
    """``WARNING:`` lines when a new version scores below the version it replaces, or below zero-shot, on the same
    dev items (it is still the version in use: every version is kept, and the comparison names the better one)."""
    dev, out = entry.get("dev") or {}, []
    if "macro_f1" not in dev:
        return out
    new = dev["macro_f1"]
    prev, zs = entry.get("previous_dev") or {}, entry.get("zero_shot_dev") or {}
    if "macro_f1" in prev and new < prev["macro_f1"] - 1e-9:
        out.append(f"WARNING: version {entry['version']} scores below version {prev['version']} on the same "
                   f"{entry['n_dev']} dev item(s) (macro-F1 {new:.4f} against {prev['macro_f1']:.4f}): review more "
                   f"items and retrain, or compare the versions before relying on it")
    if "macro_f1" in zs and new < zs["macro_f1"] - 1e-9:
        out.append(f"WARNING: version {entry['version']} scores below the zero-shot suggestions on the same dev "
                   f"item(s) (macro-F1 {new:.4f} against {zs['macro_f1']:.4f}): review more items per label")
    return out


def _headline(m: dict) -> dict:
    return {k: m[k] for k in ("macro_f1", "micro_f1", "n") if k in m}


def train_from_file(config: dict, progress=None, should_stop=None) -> str:
    """``biofm train custom``: read the label set and the reviewed file, train a version; a one-line summary."""
    from biofm.tasks.custom.labelset import load_label_set
    from biofm.train.common import file_sha256

    ls = load_label_set(config["labels"])
    out = config.get("out") or (config["labels"] if Path(config["labels"]).is_dir() else None)
    if not out:
        raise ValueError("training custom needs --out (or --labels naming a model folder)")
    records = read_reviewed(config["train"], ls, config.get("text_column"), config.get("label_column"))
    info = {"train_file": Path(config["train"]).name, "train_sha256": file_sha256(config["train"]),
            "description": config.get("description") or "", "licence": config.get("licence") or ""}
    entry = train_version(ls, records, out, name=config.get("name"), config=config, progress=progress,
                          should_stop=should_stop, data_info=info)
    dev = entry["dev"]
    score = (f"dev macro-F1 {dev['macro_f1']:.4f} on {entry['n_dev']} item(s) (zero-shot "
             f"{entry['zero_shot_dev'].get('macro_f1', float('nan')):.4f})") if dev else "no dev part (too few items)"
    if entry.get("previous_dev"):
        score += f"; version {entry['previous_dev']['version']} on the same items {entry['previous_dev']['macro_f1']:.4f}"
    return "\n".join([f"saved {Path(out)} version {entry['version']} ({entry['n_train']} training items): {score}",
                      *version_warnings(entry)])
