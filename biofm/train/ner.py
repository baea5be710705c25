"""Fine-tune a token classifier (BIO tags) on CoNLL files; model selection on dev entity F1 (strict)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from biofm.inference import autocast, pad_batch
from biofm.io.conll import Sentence, tags_for_tokens
from biofm.models.loading import LoadedModel, pick_device, pick_precision
from biofm.models.registry import SPEC_FILE, ModelSpec
from biofm.tasks.ner import NerTagger, entity_types
from biofm.train.common import TrainConfig, TrainingDataError, build_trainable, save_weights, fit, seed_everything, write_json
from biofm.train.metrics import entity_prf


def bio_labels(sentences: Sequence[Sentence]) -> list[str]:
    """O first, then B-/I- for every entity type found (both prefixes always present)."""
    kinds = sorted({t[2:] for s in sentences for t in (s.tags or []) if t != "O"})
    return ["O"] + [f"{p}-{k}" for k in kinds for p in ("B", "I")]


def predict_sentence_tags(tagger: NerTagger, sentences: Sequence[Sentence], batch_size: int = 64,
                          progress=None) -> list[list[str]]:
    """Predicted BIO tags per token of CoNLL sentences (through the same path as free text)."""
    pairs = [s.to_record(i) for i, s in enumerate(sentences)]
    preds = tagger.predict([r for r, _ in pairs], batch_size=batch_size, progress=progress)
    return [tags_for_tokens(spans, ents) for (_, spans), ents in zip(pairs, preds.entities)]


def evaluate_ner(tagger: NerTagger, sentences: Sequence[Sentence]) -> dict:
    gold = [s.tags for s in sentences]
    scores = entity_prf(gold, predict_sentence_tags(tagger, sentences))
    o = scores["overall"]
    return {"entity_f1": o["f1"], "precision": o["precision"], "recall": o["recall"], "per_type": scores,
            "n": len(sentences)}


def train_ner(train: Sequence[Sentence], dev: Sequence[Sentence], out_dir: str | Path, *, name: str,
              cfg: TrainConfig | None = None, progress: Callable[[dict], None] | None = None,
              data_info: dict | None = None, should_stop: Callable[[], bool] | None = None) -> dict:
    cfg = cfg or TrainConfig(epochs=6, batch_size=32, max_length=128)
    train = [s for s in train if s.tags]
    dev = [s for s in dev if s.tags]
    if not train or not dev:
        raise TrainingDataError("NER training needs tagged sentences (token<TAB>tag) in both train and dev")
    labels = bio_labels(train)
    if len(labels) < 3:
        raise TrainingDataError("the training file has no entities (only O tags)")
    unknown = sorted({t for s in dev for t in s.tags} - set(labels))
    if unknown:
        raise TrainingDataError(f"dev file has tags the training file lacks: {unknown}")
    seed_everything(cfg.seed)
    device = pick_device(cfg.device)
    precision = pick_precision(device, cfg.precision)
    tokenizer, model = build_trainable(cfg, "ner", labels, device)
    label_id = {l: i for i, l in enumerate(labels)}
    enc = tokenizer([s.tokens for s in train], is_split_into_words=True, truncation=True, max_length=cfg.max_length)
    ids_list, targets = [], []
    for k, s in enumerate(train):
        word_ids = enc.word_ids(k)
        tgt, last = [], None
        for w in word_ids:
            tgt.append(-100 if w is None or w == last else label_id[s.tags[w]])
            last = w
        ids_list.append(enc["input_ids"][k])
        targets.append(tgt)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100)
    spec = ModelSpec(name=name, task="ner", labels=tuple(labels), input_kind="text", max_length=cfg.max_length,
                     source="local", location=str(out_dir))
    tagger = NerTagger(LoadedModel(spec, tokenizer, model, device, precision))
    pad_id = tokenizer.pad_token_id or 0

    def batch_loss(idx: list[int]) -> torch.Tensor:
        ids, mask = pad_batch([ids_list[i] for i in idx], pad_id)
        tgt = torch.full(ids.shape, -100, dtype=torch.long)
        for row, i in enumerate(idx):
            tgt[row, : len(targets[i])] = torch.tensor(targets[i])
        with autocast(device, precision):
            logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
        return loss_fn(logits.float().reshape(-1, len(labels)), tgt.to(device).reshape(-1))

    fitted = fit(model, n_examples=len(train), batch=batch_loss, evaluate=lambda: evaluate_ner(tagger, dev),
                 metric="entity_f1", epochs=cfg.epochs, lr=cfg.learning_rate, batch_size=cfg.batch_size,
                 seed=cfg.seed, weight_decay=cfg.weight_decay, warmup_fraction=cfg.warmup_fraction,
                 patience=cfg.patience, progress=progress, should_stop=should_stop,
                 checkpoint_dir=Path(out_dir) / "checkpoint", resume=cfg.resume)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    save_weights(model, tokenizer, out, cfg.method, cfg.base)
    result = {"dev": fitted["dev"], "history": fitted["history"], "train_size": len(train), "dev_size": len(dev),
              "config": {**cfg.__dict__, "lr": cfg.learning_rate}, "precision": precision, "device": str(device),
              "data": data_info or {}, "entity_types": entity_types(labels)}
    best = fitted["dev"]
    write_json(out / SPEC_FILE, {
        "name": name, "task": "ner", "labels": labels, "input_kind": "text", "max_length": cfg.max_length,
        "adapter": cfg.method == "lora", "base": cfg.base if cfg.method == "lora" else None,
        "version": time.strftime("%Y%m%d"),
        "metrics": {"dev_entity_f1": round(best["entity_f1"], 4), "dev_precision": round(best["precision"], 4),
                    "dev_recall": round(best["recall"], 4)}})
    write_json(out / "metrics.json", result)
    (out / "train_log.jsonl").write_text("".join(json.dumps(h) + "\n" for h in fitted["history"]), encoding="utf-8")
    return result
