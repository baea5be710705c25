"""Training a :class:`~biofm.tasks.text_head.TextHeadKind`: one trainer for every field type's objective.

The field gives the loss (cross-entropy for one label per item, binary cross-entropy per label for multi-label,
mean squared error for values), the targets and the dev metrics; the loop is :func:`biofm.train.common.fit`
(early stopping on dev macro-F1, best epoch restored, resumable). Splits: scikit-learn's stratified split for one
label per item, iterative stratification for multi-label (:func:`biofm.train.splits.held_split`). A multi-label
model's per-label thresholds are chosen on the dev part (:func:`biofm.train.splits.choose_thresholds`) and kept in
its ``biofm.json``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from biofm.train.common import (TrainConfig, TrainingDataError, build_trainable, encoder_base, file_sha256,
                                fit_config, save_weights, seed_everything, stratified_split, write_results)


@dataclass
class HeadRun:
    """A sequence head being trained: tokenizer, model (LoRA-wrapped or whole), where it runs, and ``view``, the
    task's adapter over it (dev predictions go through the same path as ``biofm predict``)."""

    tokenizer: object
    model: object
    device: object
    precision: str
    view: object


def prepare_head(kind, names: list[str], cfg: TrainConfig, out: Path, name: str, start=None) -> HeadRun:
    """Seeded, on its device: a trainable head of ``len(names)`` outputs over ``cfg.base`` (or continuing the
    registered model ``start``, :func:`biofm.train.common.build_trainable`) and ``kind``'s adapter over it."""
    from biofm.models.load import LoadedModel, pick_device, pick_precision
    from biofm.models.spec import ModelSpec

    seed_everything(cfg.seed)
    device = pick_device(cfg.device)
    precision = pick_precision(device, cfg.precision)
    tokenizer, model = build_trainable(cfg, kind.auto_class(), kind.peft_task, names, device, start=start)
    spec = ModelSpec(name=name, task=kind.name, labels=tuple(names), input_kind=kind.input_kind,
                     max_length=cfg.max_length, source="local", location=str(out))
    return HeadRun(tokenizer, model, device, precision, kind.adapter(LoadedModel(spec, tokenizer, model, device,
                                                                                  precision)))


def fit_head(run: HeadRun, texts: Sequence[str], y, loss_fn, evaluate: Callable[[], dict], cfg: TrainConfig,
             out: Path, metric: str = "macro_f1", progress=None, should_stop=None) -> dict:
    """Train the head on ``texts`` with targets ``y`` (a tensor, one row per text) under ``loss_fn(logits, y)``:
    :func:`biofm.train.common.fit` (early stopping on the dev ``metric`` of ``evaluate()``, the best epoch
    restored, checkpoints under ``out/checkpoint``). Returns fit's ``{"dev", "history"}``."""
    import torch

    from biofm.inference import autocast, pad_batch

    tok, model, device, precision = run.tokenizer, run.model, run.device, run.precision
    enc = tok(list(texts), truncation=True, max_length=cfg.max_length)["input_ids"]

    def batch_loss(idx: list[int]) -> torch.Tensor:
        ids, mask = pad_batch([enc[i] for i in idx], tok.pad_token_id or 0)
        with autocast(device, precision):
            logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
        return loss_fn(logits.float(), y[idx].to(device))

    return fit_config(model, cfg, len(enc), batch_loss, evaluate, metric, out, progress, should_stop)


def read_head_file(kind, path, config: dict, names: list[str] | None = None):
    """``(label names, records, gold values)`` of a labelled CSV/JSONL file for ``kind``'s field.

    One label per item: every row needs a label. Multi-label: the cell holds names joined by ``;`` and an empty
    cell is an item with no label. Raises TrainingDataError naming the file and the first bad row."""
    from biofm.io import read_text_file
    from biofm.tasks.fields import MultiLabelProbs, split_labels

    multi = isinstance(kind.output, MultiLabelProbs)
    column = config.get("label_column") or ("labels" if multi else "label")
    res = read_text_file(path, text_column=config.get("text_column"), label_column=column, max_rows=None)
    if res.errors:
        e = res.errors[0]
        raise TrainingDataError(f"{path}: {len(res.errors)} unreadable row(s); first: row {e.row} ({e.field}): "
                                f"{e.message}")
    records = res.records
    if not multi:
        missing = [r.meta.get("row") for r in records if r.label is None or not str(r.label).strip()]
        if missing:
            raise TrainingDataError(f"{path}: {len(missing)} row(s) have no {column!r} (first rows: {missing[:5]})")
    if names is None:
        found = {n for r in records for n in split_labels(r.label)} if multi else {str(r.label).strip() for r in records}
        names = sorted(found)
    if len(names) < 2:
        raise TrainingDataError(f"{path}: needs at least two labels in {column!r}, found {names}")
    try:
        gold = kind.gold_values(names, records)
    except ValueError as exc:
        raise TrainingDataError(f"{path}: {exc}") from None
    return names, records, gold


def _split(kind, gold, names, fraction: float, seed: int):
    from biofm.tasks.fields import MultiLabelProbs
    from biofm.train.splits import held_split

    if isinstance(kind.output, MultiLabelProbs):
        fit_idx, dev_idx = held_split(kind.output.indicator(names, gold), True, fraction, seed)
        return list(fit_idx), list(dev_idx)
    return stratified_split([g["label"] for g in gold], fraction, seed, min_dev_per_class=2)


def train_text_head(kind, config: dict, progress: Callable[[dict], None] | None = None,
                    should_stop: Callable[[], bool] | None = None) -> str:
    """Train ``kind``'s head (LoRA or full) on ``config["train"]``; writes weights, ``biofm.json``, metrics and
    the card under ``config["out"]``; a one-line summary. Dev: ``config["dev"]`` or ``dev_fraction`` of train."""
    from biofm.models.spec import write_spec
    from biofm.tasks.fields import MultiLabelProbs
    from biofm.train.cards import write_card
    from biofm.train.splits import choose_thresholds

    cfg, out = TrainConfig.from_options(config), Path(config["out"])
    names, records, gold = read_head_file(kind, config["train"], config)
    if config.get("dev"):
        _, dev, dev_gold = read_head_file(kind, config["dev"], config, names)
        train, train_gold = records, gold
    else:
        tr, dv = _split(kind, gold, names, config.get("dev_fraction", 0.2), cfg.seed)
        if not dv:
            raise TrainingDataError(f"{config['train']}: too few rows for a dev split; give a dev file")
        train, train_gold = [records[i] for i in tr], [gold[i] for i in tr]
        dev, dev_gold = [records[i] for i in dv], [gold[i] for i in dv]
    output, name = kind.output, config.get("name") or out.name
    run = prepare_head(kind, names, cfg, out, name)
    t0 = time.time()
    fitted = fit_head(run, [r.text for r in train], output.targets_tensor(names, train_gold), output.loss(),
                      lambda: output.metrics(names, dev_gold, run.view.predict(dev).values), cfg, out,
                      progress=progress, should_stop=should_stop)
    view, model, tokenizer, device, precision = run.view, run.model, run.tokenizer, run.device, run.precision
    extra, tuned = {}, None
    if isinstance(output, MultiLabelProbs):
        dev_p = view.predict(dev).values
        thresholds = choose_thresholds(output.indicator(names, dev_gold), dev_p)
        extra["thresholds"] = [round(t, 4) for t in thresholds]
        tuned = MultiLabelProbs(output.name, extra["thresholds"]).metrics(names, dev_gold, dev_p)
    base = encoder_base(cfg.base)
    save_weights(model, tokenizer, out, cfg.method, base)
    best = fitted["dev"]
    write_spec(out, name=name, task=kind.name, labels=names, input_kind=kind.input_kind, max_length=cfg.max_length,
               adapter=cfg.method == "lora", base=base, version=time.strftime("%Y%m%d"),
               metrics={"dev_macro_f1": round(best["macro_f1"], 4)}, extra=extra or None)
    result = {"dev": best, "dev_thresholds_tuned": tuned, "history": fitted["history"], "train_size": len(train),
              "dev_size": len(dev), "labels": names, "field": output.type_name,
              "config": {**cfg.__dict__, "lr": cfg.learning_rate, "base": base}, "precision": precision,
              "device": str(device), "seconds": round(time.time() - t0, 1),
              "data": {"train_file": Path(config["train"]).name, "train_sha256": file_sha256(config["train"]),
                       "dev": Path(config["dev"]).name if config.get("dev") else
                       f"{config.get('dev_fraction', 0.2):.0%} of the train file (stratified)"}}
    write_results(out, result)
    write_card(out, head_card(kind, name, result, kind.command_line(config), config.get("description") or "",
                              config.get("licence") or ""))
    line = f"saved {out}: dev macro-F1 {best['macro_f1']:.4f}"
    if tuned is not None:
        line += f" (with per-label thresholds chosen on dev: {tuned['macro_f1']:.4f})"
    return line


def head_card(kind, name: str, result: dict, command: str, description: str = "", licence: str = "") -> str:
    """The model card of a trained head: training, data, dev metrics per label, the curve, use and limits."""
    from biofm.train.cards import METHOD_TITLES

    cfg, dev, data = result["config"], result["dev"], result["data"]
    lines = [f"# {name}", "", description or f"{kind.title}: {result['field']} on the encoder, trained by biofm.", "",
             "## Training", "",
             f"- Task: `{kind.name}`; output: {result['field']} over {', '.join(result['labels'])}",
             f"- Base encoder: `{cfg['base']}`; method: **{METHOD_TITLES.get(cfg['method'], cfg['method'])}**",
             f"- Epochs run: {len(result['history'])} (best epoch {dev.get('epoch')}, early stopping on dev macro-F1), "
             f"lr {cfg['lr']}, batch {cfg['batch_size']}, max length {cfg['max_length']} tokens, seed {cfg['seed']}",
             f"- Train / dev items: {result['train_size']} / {result['dev_size']}; data: {data['train_file']} "
             f"(sha256 `{data['train_sha256'][:16]}…`); dev: {data['dev']}",
             *([f"- Data licence: {licence}"] if licence else []), "", "Reproduce:", "", "```", command, "```", "",
             "## Dev metrics", "", f"- macro-F1 {dev['macro_f1']:.4f}"
             + (f", micro-F1 {dev['micro_f1']:.4f}" if "micro_f1" in dev else "")
             + (f", accuracy {dev['accuracy']:.4f}" if "accuracy" in dev else "")]
    tuned = result.get("dev_thresholds_tuned")
    if tuned:
        lines.append(f"- With per-label thresholds chosen on the same dev items: macro-F1 {tuned['macro_f1']:.4f} "
                     "(optimistic: the thresholds were fitted there)")
    lines += ["", "| label | dev F1 |", "|---|---|"]
    lines += [f"| {n} | {v['f1']:.4f} |" for n, v in dev.get("per_label", {}).items()]
    lines += ["", "## Use and limits", "", "Research and decision-support use only: predictions are not a diagnosis.",
              ""]
    return "\n".join(lines)

