"""Fine-tune a token classifier (BIO tags) on CoNLL files; model selection on dev entity F1 (strict)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from biofm.inference import autocast
from biofm.io.conll import Sentence, tags_for_tokens
from biofm.models.load import LoadedModel, pick_device, pick_precision
from biofm.models.spec import ModelSpec, write_spec
from biofm.entities import entity_types
from biofm.train.common import (TrainConfig, TrainingDataError, build_trainable, fit_config, save_weights,
                                seed_everything, write_results)
from biofm.train.metrics import entity_prf


def bio_labels(sentences: Sequence[Sentence]) -> list[str]:
    """O first, then B-/I- for every entity type found (both prefixes always present)."""
    kinds = sorted({t[2:] for s in sentences for t in (s.tags or []) if t != "O"})
    return ["O"] + [f"{p}-{k}" for k in kinds for p in ("B", "I")]


def predict_sentence_tags(tagger, sentences: Sequence[Sentence], batch_size: int = 64,
                          progress=None) -> list[list[str]]:
    """Predicted BIO tags per token of CoNLL sentences (through the same path as free text)."""
    pairs = [s.to_record(i) for i, s in enumerate(sentences)]
    preds = tagger.predict([r for r, _ in pairs], batch_size=batch_size, progress=progress)
    return [tags_for_tokens(spans, ents) for (_, spans), ents in zip(pairs, preds.entities)]


def evaluate_ner(tagger, sentences: Sequence[Sentence]) -> dict:
    gold = [s.tags for s in sentences]
    scores = entity_prf(gold, predict_sentence_tags(tagger, sentences))
    o = scores["overall"]
    return {"entity_f1": o["f1"], "precision": o["precision"], "recall": o["recall"], "per_type": scores,
            "n": len(sentences)}


def _token_targets(tokenizer, train: Sequence[Sentence], label_id: dict, max_length: int):
    """Token ids and first-subword targets (-100 elsewhere) per sentence."""
    enc = tokenizer([s.tokens for s in train], is_split_into_words=True, truncation=True, max_length=max_length)
    ids_list, targets = [], []
    for k, s in enumerate(train):
        tgt, last = [], None
        for w in enc.word_ids(k):
            tgt.append(-100 if w is None or w == last else label_id[s.tags[w]])
            last = w
        ids_list.append(enc["input_ids"][k])
        targets.append(tgt)
    return ids_list, targets


def _check(train: Sequence[Sentence], dev: Sequence[Sentence]) -> list[str]:
    if not train or not dev:
        raise TrainingDataError("NER training needs tagged sentences (token<TAB>tag) in both train and dev")
    labels = bio_labels(train)
    if len(labels) < 3:
        raise TrainingDataError("the training file has no entities (only O tags)")
    unknown = sorted({t for s in dev for t in s.tags} - set(labels))
    if unknown:
        raise TrainingDataError(f"dev file has tags the training file lacks: {unknown}")
    return labels


def train_ner(kind, train: Sequence[Sentence], dev: Sequence[Sentence], out_dir: str | Path, *, name: str,
              cfg: TrainConfig | None = None, progress: Callable[[dict], None] | None = None,
              data_info: dict | None = None, should_stop: Callable[[], bool] | None = None) -> dict:
    """Fine-tune ``kind``'s token classifier; best epoch by dev entity F1 (strict)."""
    from transformers import DataCollatorForTokenClassification

    cfg = cfg or TrainConfig(epochs=6, batch_size=32, max_length=128)
    train, dev = [s for s in train if s.tags], [s for s in dev if s.tags]
    labels = _check(train, dev)
    seed_everything(cfg.seed)
    device = pick_device(cfg.device)
    precision = pick_precision(device, cfg.precision)
    tokenizer, model = build_trainable(cfg, kind.auto_class(), kind.peft_task, labels, device)
    ids_list, targets = _token_targets(tokenizer, train, {lab: i for i, lab in enumerate(labels)}, cfg.max_length)
    collate = DataCollatorForTokenClassification(tokenizer, return_tensors="pt")
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100)
    spec = ModelSpec(name=name, task=kind.name, labels=tuple(labels), input_kind=kind.input_kind,
                     max_length=cfg.max_length, source="local", location=str(out_dir))
    tagger = kind.adapter(LoadedModel(spec, tokenizer, model, device, precision))

    def batch_loss(idx: list[int]) -> torch.Tensor:
        b = collate([{"input_ids": ids_list[i], "labels": targets[i]} for i in idx])
        with autocast(device, precision):
            logits = model(input_ids=b["input_ids"].to(device), attention_mask=b["attention_mask"].to(device)).logits
        return loss_fn(logits.float().reshape(-1, len(labels)), b["labels"].to(device).reshape(-1))

    fitted = fit_config(model, cfg, len(train), batch_loss, lambda: evaluate_ner(tagger, dev), "entity_f1", out_dir,
                        progress, should_stop)
    out, best = Path(out_dir), fitted["dev"]
    save_weights(model, tokenizer, out, cfg.method, cfg.base)
    result = {"dev": best, "history": fitted["history"], "train_size": len(train), "dev_size": len(dev),
              "config": {**cfg.__dict__, "lr": cfg.learning_rate}, "precision": precision, "device": str(device),
              "data": data_info or {}, "entity_types": entity_types(labels)}
    write_spec(out, name=name, task=kind.name, labels=labels, input_kind=kind.input_kind, max_length=cfg.max_length,
               adapter=cfg.method == "lora", base=cfg.base, version=time.strftime("%Y%m%d"),
               metrics={"dev_entity_f1": round(best["entity_f1"], 4), "dev_precision": round(best["precision"], 4),
                        "dev_recall": round(best["recall"], 4)})
    write_results(out, result)
    return result
