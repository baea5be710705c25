"""Training the report labeler: CheXpert-convention files or the generated corpus, metrics, and evaluation on
same-phrasing and held-out-phrasing generated reports."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from biofm.inference import autocast, pad_batch
from biofm.models.load import LoadedModel, pick_device, pick_precision
from biofm.models.spec import ModelSpec, write_spec
from biofm.nets.report_head import HEAD_FILE, MultiHeadClassifier
from biofm.records import TextRecord
from biofm.reports.generator import generate_reports
from biofm.reports.observations import LABELS, OBSERVATIONS
from biofm.train.common import (LORA_TARGETS, TrainConfig, TrainingDataError, fit_config, seed_everything,
                                seeded_split, write_results)

CHEXPERT_VALUES = {"1": "positive", "1.0": "positive", "0": "negative", "0.0": "negative", "-1": "uncertain",
                   "-1.0": "uncertain", "": "not mentioned"}


def label_matrix(labels: Sequence[dict[str, str]]) -> np.ndarray:
    return np.array([[LABELS.index(lab[o]) for o in OBSERVATIONS] for lab in labels])


def report_metrics(gold: Sequence[dict[str, str]], pred: Sequence[dict[str, str]]) -> dict:
    """Per-observation accuracy and 4-class macro-F1, and their means."""
    from sklearn.metrics import f1_score

    g, p = label_matrix(gold), label_matrix(pred)
    per = {}
    for j, o in enumerate(OBSERVATIONS):
        present = sorted(set(g[:, j]) | set(p[:, j]))
        per[o] = {"accuracy": float((g[:, j] == p[:, j]).mean()),
                  "macro_f1": float(f1_score(g[:, j], p[:, j], labels=present, average="macro", zero_division=0))}
    return {"accuracy": float(np.mean([v["accuracy"] for v in per.values()])),
            "macro_f1": float(np.mean([v["macro_f1"] for v in per.values()])), "per_observation": per}


def read_chexpert_pairs(path: str) -> list[tuple[str, dict]]:
    """(report, labels) from a CSV in the CheXpert convention (id, report, one column per observation)."""
    from biofm.io.decoding import read_csv_file

    delimiter, text, hint_lines = read_csv_file(path)  # an Excel "sep=;" first line is dropped
    with io.StringIO(text, newline="") as fh:
        reader = csv.DictReader(fh, delimiter=delimiter)
        missing = [o for o in OBSERVATIONS if o not in (reader.fieldnames or [])]
        text_col = next((c for c in ("report", "text", "report_text") if c in (reader.fieldnames or [])), None)
        if missing or text_col is None:
            raise TrainingDataError(f"{path}: needs a 'report' column and one column per observation; missing: "
                                    f"{', '.join(missing + ([] if text_col else ['report']))}")
        out = []
        for row_no, row in enumerate(reader, start=2 + hint_lines):
            bad = [o for o in OBSERVATIONS if (row[o] or "").strip() not in CHEXPERT_VALUES]
            if bad:
                raise TrainingDataError(f"{path} line {row_no}: {bad[0]} must be 1, 0, -1 or empty, got {row[bad[0]]!r}")
            if (row[text_col] or "").strip():
                out.append((row[text_col], {o: CHEXPERT_VALUES[(row[o] or "").strip()] for o in OBSERVATIONS}))
    if len(out) < 4:
        raise TrainingDataError(f"{path}: too few labelled reports ({len(out)})")
    return out


def _trainable(cfg: TrainConfig, device):
    """Tokenizer and the encoder (LoRA-wrapped for lora) under a new multi-head classifier, loaded quietly: the
    encoder's own pooler is not used, so its weights are expected to go unused (any other load problem is shown)."""
    import warnings

    from transformers import AutoModel, AutoTokenizer

    from biofm.models.sources import pretrained, pretrained_weights, resolve_base

    base = resolve_base(cfg.base)
    tokenizer = pretrained(AutoTokenizer.from_pretrained, base)
    encoder = pretrained_weights(AutoModel.from_pretrained, base, use_safetensors=True, add_pooling_layer=False)
    if cfg.method == "lora":
        from peft import LoraConfig, get_peft_model

        with warnings.catch_warnings():  # peft asks transformers a deprecated question
            warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.* is deprecated",
                                    category=FutureWarning)
            encoder = get_peft_model(encoder, LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=0.1,
                                                         target_modules=LORA_TARGETS))
    return tokenizer, MultiHeadClassifier(encoder, len(OBSERVATIONS), len(LABELS)).to(device)


def _save(model, tokenizer, cfg: TrainConfig, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    if cfg.method == "lora":
        for peft_cfg in model.encoder.peft_config.values():
            peft_cfg.base_model_name_or_path = cfg.base
        model.encoder.save_pretrained(out, safe_serialization=True)
    else:
        model.encoder.to(torch.float16).save_pretrained(out, safe_serialization=True)
        model.encoder.float()
        tokenizer.save_pretrained(out)
    model.save_head(out / HEAD_FILE)


def train_report_model(kind, train: Sequence[tuple[str, dict]], dev: Sequence[tuple[str, dict]], out_dir, *,
                       name: str, cfg: TrainConfig, progress: Callable[[dict], None] | None = None,
                       data_info: dict | None = None, should_stop: Callable[[], bool] | None = None) -> dict:
    """Fine-tune encoder (LoRA or full) + head on (report, labels) pairs; best epoch by dev macro-F1."""
    seed_everything(cfg.seed)
    device = pick_device(cfg.device)
    precision = pick_precision(device, cfg.precision)
    tokenizer, model = _trainable(cfg, device)
    enc = tokenizer([t for t, _ in train], truncation=True, max_length=cfg.max_length)["input_ids"]
    y = torch.tensor(label_matrix([lab for _, lab in train]))
    loss_fn = nn.CrossEntropyLoss()
    spec = ModelSpec(name=name, task=kind.name, labels=LABELS, input_kind=kind.input_kind, max_length=cfg.max_length,
                     source="local", location=str(out_dir))
    labeler = kind.adapter(LoadedModel(spec, tokenizer, model, device, precision))

    def batch_loss(idx: list[int]) -> torch.Tensor:
        ids, mask = pad_batch([enc[i] for i in idx], tokenizer.pad_token_id or 0)
        with autocast(device, precision):
            logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
        return loss_fn(logits.float().reshape(-1, len(LABELS)), y[idx].to(device).reshape(-1))

    def evaluate() -> dict:
        preds = labeler.predict([TextRecord(str(i), t) for i, (t, _) in enumerate(dev)])
        return report_metrics([lab for _, lab in dev], preds.model_labels)

    fitted = fit_config(model, cfg, len(train), batch_loss, evaluate, "macro_f1", out_dir, progress, should_stop)
    out = Path(out_dir)
    _save(model, tokenizer, cfg, out)
    write_spec(out, name=name, task=kind.name, labels=LABELS, input_kind=kind.input_kind, max_length=cfg.max_length,
               adapter=cfg.method == "lora", base=cfg.base, version=time.strftime("%Y%m%d"),
               metrics={"dev_macro_f1": round(fitted["dev"]["macro_f1"], 4),
                        "dev_accuracy": round(fitted["dev"]["accuracy"], 4)})
    result = {"dev": fitted["dev"], "history": fitted["history"], "train_size": len(train), "dev_size": len(dev),
              "config": {**cfg.__dict__, "lr": cfg.learning_rate}, "precision": precision, "device": str(device),
              "data": data_info or {}}
    write_results(out, result)
    return result


def _pairs(n: int, seed: int, style: str) -> list[tuple[str, dict]]:
    return [(r.text, r.labels) for r in generate_reports(n, seed=seed, style=style)]


def evaluate_generated(kind, out: Path, config: dict) -> dict:
    """Model, rules and ensemble macro-F1 on same-phrasing and held-out-phrasing generated reports."""
    from biofm.models.registry import spec_from_dir
    from biofm.models.load import load_model

    labeler = kind.adapter(load_model(spec_from_dir(out), kind.build, device=config["device"]))
    evaluation = {}
    for set_name, style, seed in (("same phrasings", "train", config["seed"] + 2),
                                  ("held-out phrasings", "heldout", config["seed"] + 3)):
        data = _pairs(config["n_test"], seed, style)
        preds = labeler.predict([TextRecord(str(i), t) for i, (t, _) in enumerate(data)])
        gold = [lab for _, lab in data]
        evaluation[set_name] = {
            "model": report_metrics(gold, preds.model_labels),
            "rules": report_metrics(gold, [r.as_row() for r in preds.rules]),
            "ensemble": report_metrics(gold, [{o: v[0] for o, v in f.items()} for f in preds.final()])}
    return evaluation


def train_reports_task(kind, config: dict, progress=None, should_stop=None) -> str:
    """Train on a CheXpert CSV (dev: a file or 15%) or the generated corpus, evaluate, write the card."""
    from biofm.train.cards import report_card, write_card

    out, seed = Path(config["out"]), config["seed"]
    if config.get("train"):
        train = read_chexpert_pairs(config["train"])
        dev = read_chexpert_pairs(config["dev"]) if config.get("dev") else None
        if dev is None:
            train, dev = seeded_split(train, 0.15, seed)
        data_info = {"train_file": Path(config["train"]).name, "dev": config.get("dev") or "15% random split"}
    else:
        train, dev = _pairs(config["n_train"], seed, "train"), _pairs(config["n_dev"], seed + 1, "train")
        data_info = {"generator": "biofm.reports.generator", "train": f"{config['n_train']} 'train' phrasings"}
    name = config.get("name") or out.name
    result = train_report_model(kind, train, dev, out, name=name, cfg=TrainConfig.from_options(config, patience=2),
                                progress=progress, data_info=data_info, should_stop=should_stop)
    evaluation = evaluate_generated(kind, out, config)
    metrics = json.loads((out / "metrics.json").read_text())
    (out / "metrics.json").write_text(json.dumps({**metrics, "evaluation": evaluation}, indent=2))
    if not config.get("train"):  # generated reports: the headline is the phrasings training never saw (dev shares them)
        spec = json.loads((out / "biofm.json").read_text())
        spec["metrics"] = {"heldout_phrasing_macro_f1": round(evaluation["held-out phrasings"]["model"]["macro_f1"], 4),
                           **spec["metrics"]}
        (out / "biofm.json").write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")
    write_card(out, report_card(name, result, evaluation, kind.command_line(config), synthetic=not config.get("train")))
    return "; ".join(f"{s}: " + ", ".join(f"{k} macro-F1 {v['macro_f1']:.4f}" for k, v in ev.items())
                     for s, ev in evaluation.items())
