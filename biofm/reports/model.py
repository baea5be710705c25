"""The ``chexpert-reports`` transformer: an encoder with 14 heads x 4 classes, its adapter, trainer and evaluation."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from biofm.inference import Progress, autocast, masked_mean, pad_batch, run_batched
from biofm.models.loading import LoadedModel, pick_device, pick_precision
from biofm.models.registry import SPEC_FILE, ModelSpec
from biofm.records import TextRecord
from biofm.reports.observations import LABELS, OBSERVATIONS, chexpert_value
from biofm.reports.rules import ReportLabels, label_report
from biofm.tasks.windows import window_ids
from biofm.train.common import TrainConfig, fit, seed_everything, write_json

HEAD_FILE = "report_head.safetensors"
N_OBS, N_CLS = len(OBSERVATIONS), len(LABELS)
MODEL_ONLY_THRESHOLD = 0.8


@dataclass
class _Output:
    logits: torch.Tensor
    hidden_states: tuple | None = None


class ReportModel(nn.Module):
    """Encoder + masked-mean pooling + one linear layer giving 14 x 4 logits."""

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.config = encoder.config
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(encoder.config.hidden_size, N_OBS * N_CLS)

    def get_input_embeddings(self) -> nn.Module:
        return self.encoder.get_input_embeddings()

    def forward(self, input_ids, attention_mask=None, output_hidden_states: bool = False, **_) -> _Output:
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        pooled = masked_mean(out.last_hidden_state, attention_mask)
        logits = self.head(self.dropout(pooled)).view(-1, N_OBS, N_CLS)
        return _Output(logits, out.hidden_states if output_hidden_states else None)


def build_report_model(spec: ModelSpec, device: torch.device):
    """Tokenizer and eval-mode ReportModel for a spec (LoRA adapter merged, head from safetensors)."""
    from safetensors.torch import load_file
    from transformers import AutoModel, AutoTokenizer

    from biofm.models.loading import _pretrained, resolve_base

    base = resolve_base(spec.base) if spec.base else spec.location
    tokenizer = _pretrained(AutoTokenizer.from_pretrained, base)
    encoder = _pretrained(AutoModel.from_pretrained, base, use_safetensors=True, add_pooling_layer=False)
    if spec.adapter:
        from peft import PeftModel

        encoder = PeftModel.from_pretrained(encoder, spec.location, is_trainable=False).merge_and_unload()
    model = ReportModel(encoder)
    model.head.load_state_dict({k.removeprefix("head."): v for k, v in load_file(Path(spec.location) / HEAD_FILE).items()})
    return tokenizer, model


@dataclass
class ReportPredictions:
    ids: list[str]
    texts: list[str]
    probs: np.ndarray  # [n, 14, 4] model probabilities
    rules: list[ReportLabels]
    embeddings: np.ndarray | None
    model: str
    windows: list[int] = field(default_factory=list)

    @property
    def model_labels(self) -> list[dict[str, str]]:
        idx = self.probs.argmax(-1)
        return [{o: LABELS[idx[i, j]] for j, o in enumerate(OBSERVATIONS)} for i in range(len(self.ids))]

    def final(self) -> list[dict[str, tuple[str, str]]]:
        """Per report and observation: (label, source). Rules where they found a mention (they carry evidence);
        else the model's label when it is at least MODEL_ONLY_THRESHOLD sure of a mention; else not mentioned."""
        out = []
        model = self.model_labels
        for i, rules in enumerate(self.rules):
            row = {}
            for j, obs in enumerate(OBSERVATIONS):
                r = rules.labels[obs].label
                m = model[i][obs]
                if r != "not mentioned":
                    row[obs] = (r, "rules")
                elif m != "not mentioned" and self.probs[i, j].max() >= MODEL_ONLY_THRESHOLD:
                    row[obs] = (m, "model")
                else:
                    row[obs] = ("not mentioned", "rules")
            out.append(row)
        return out

    def to_chexpert_frame(self) -> pd.DataFrame:
        """id, report, then one column per observation: 1 positive, 0 negative, -1 uncertain, empty not mentioned."""
        rows = []
        for rid, text, fin in zip(self.ids, self.texts, self.final()):
            rows.append({"id": rid, "report": text, **{o: chexpert_value(fin[o][0]) for o in OBSERVATIONS}})
        return pd.DataFrame(rows, columns=["id", "report", *OBSERVATIONS])

    def to_records(self) -> list[dict]:
        """JSONL: per observation the final label, its source, the model's label and probability, and evidence."""
        out = []
        model = self.model_labels
        for i, (rid, text, fin) in enumerate(zip(self.ids, self.texts, self.final())):
            obs_rows = {}
            for j, o in enumerate(OBSERVATIONS):
                ev = self.rules[i].labels[o]
                obs_rows[o] = {"label": fin[o][0], "source": fin[o][1], "rules": ev.label, "model": model[i][o],
                               "model_probability": round(float(self.probs[i, j].max()), 4),
                               "evidence": ev.evidence, "evidence_start": ev.start, "evidence_end": ev.end}
            out.append({"id": rid, "report": text, "observations": obs_rows})
        return out

    def prevalence(self) -> pd.DataFrame:
        """Counts of positive / uncertain / negative / not mentioned per observation (final labels)."""
        counts = {o: {lab: 0 for lab in LABELS} for o in OBSERVATIONS}
        for fin in self.final():
            for o in OBSERVATIONS:
                counts[o][fin[o][0]] += 1
        return pd.DataFrame(counts).T[list(LABELS)]


class ReportLabeler:
    """Adapter for ``reports`` models: windows, batched forward, mean of window logits, plus the rule labeler."""

    task = "reports"

    def __init__(self, loaded: LoadedModel, overlap: float = 0.25) -> None:
        self.loaded = loaded
        self.tokenizer = loaded.tokenizer
        self.model = loaded.model
        self.body = min(loaded.spec.max_length, 512) - 2
        self.stride = max(1, int(self.body * (1 - overlap)))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        out = self.model.encoder(input_ids=input_ids, attention_mask=attention_mask)
        pooled = masked_mean(out.last_hidden_state, attention_mask)
        return {"logits": self.model.head(pooled).view(-1, N_OBS, N_CLS), "pooled": pooled}

    def predict(self, records: Sequence[TextRecord], batch_size: int = 32, progress: Progress | None = None
                ) -> ReportPredictions:
        texts = [r.text for r in records]
        rules = [label_report(t) for t in texts]
        if not texts:
            return ReportPredictions([], [], np.zeros((0, N_OBS, N_CLS), np.float32), [], None, self.loaded.spec.name)
        enc = self.tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
        cls, sep = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        windows, owner = [], []
        for d, ids in enumerate(enc):
            for w in window_ids(ids, self.body, self.stride):
                windows.append([cls, *w, sep])
                owner.append(d)
        outs = run_batched(windows, self.forward, device=self.loaded.device, pad_id=self.tokenizer.pad_token_id or 0,
                           batch_size=batch_size, precision=self.loaded.precision, progress=progress)
        n = len(texts)
        logits = np.zeros((n, N_OBS, N_CLS))
        emb = np.zeros((n, outs[0]["pooled"].shape[0]), np.float32)
        counts = np.bincount(owner, minlength=n)
        for o, d in zip(outs, owner):
            logits[d] += o["logits"]
            emb[d] += o["pooled"]
        logits /= counts[:, None, None]
        emb /= counts[:, None]
        z = np.exp(logits - logits.max(-1, keepdims=True))
        probs = (z / z.sum(-1, keepdims=True)).astype(np.float32)
        return ReportPredictions([r.id for r in records], texts, probs, rules, emb, self.loaded.spec.name,
                                 counts.tolist())


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


def train_report_model(train: Sequence[tuple[str, dict]], dev: Sequence[tuple[str, dict]], out_dir: str | Path, *,
                       name: str, cfg: TrainConfig, progress: Callable[[dict], None] | None = None,
                       data_info: dict | None = None, should_stop: Callable[[], bool] | None = None) -> dict:
    """Fine-tune encoder (LoRA or full) + head on (report, labels) pairs; best epoch by dev macro-F1."""
    from transformers import AutoModel, AutoTokenizer

    from biofm.models.loading import resolve_base
    from biofm.train.common import LORA_TARGETS

    seed_everything(cfg.seed)
    device = pick_device(cfg.device)
    precision = pick_precision(device, cfg.precision)
    base = resolve_base(cfg.base)
    local = Path(base).is_dir()
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=local)
    encoder = AutoModel.from_pretrained(base, use_safetensors=True, local_files_only=local, add_pooling_layer=False)
    if cfg.method == "lora":
        from peft import LoraConfig, get_peft_model

        encoder = get_peft_model(encoder, LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=0.1,
                                                     target_modules=LORA_TARGETS))
    model = ReportModel(encoder).to(device)
    enc = tokenizer([t for t, _ in train], truncation=True, max_length=cfg.max_length)["input_ids"]
    y = torch.tensor(label_matrix([lab for _, lab in train]))
    loss_fn = nn.CrossEntropyLoss()
    spec = ModelSpec(name=name, task="reports", labels=LABELS, input_kind="report", max_length=cfg.max_length,
                     source="local", location=str(out_dir))
    labeler = ReportLabeler(LoadedModel(spec, tokenizer, model, device, precision))
    pad_id = tokenizer.pad_token_id or 0

    def batch_loss(idx: list[int]) -> torch.Tensor:
        ids, mask = pad_batch([enc[i] for i in idx], pad_id)
        with autocast(device, precision):
            logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
        return loss_fn(logits.float().reshape(-1, N_CLS), y[idx].to(device).reshape(-1))

    def evaluate() -> dict:
        preds = labeler.predict([TextRecord(str(i), t) for i, (t, _) in enumerate(dev)])
        return report_metrics([lab for _, lab in dev], preds.model_labels)

    fitted = fit(model, n_examples=len(train), batch=batch_loss, evaluate=evaluate, metric="macro_f1",
                 epochs=cfg.epochs, lr=cfg.learning_rate, batch_size=cfg.batch_size, seed=cfg.seed,
                 weight_decay=cfg.weight_decay, warmup_fraction=cfg.warmup_fraction, patience=cfg.patience,
                 progress=progress, should_stop=should_stop, checkpoint_dir=Path(out_dir) / "checkpoint",
                 resume=cfg.resume)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    from safetensors.torch import save_file

    if cfg.method == "lora":
        for peft_cfg in model.encoder.peft_config.values():
            peft_cfg.base_model_name_or_path = cfg.base
        model.encoder.save_pretrained(out, safe_serialization=True)
    else:
        model.encoder.to(torch.float16).save_pretrained(out, safe_serialization=True)
        model.encoder.float()
        tokenizer.save_pretrained(out)
    save_file({f"head.{k}": v.detach().contiguous().cpu() for k, v in model.head.state_dict().items()}, out / HEAD_FILE)
    write_json(out / SPEC_FILE, {
        "name": name, "task": "reports", "labels": list(LABELS), "input_kind": "report", "max_length": cfg.max_length,
        "adapter": cfg.method == "lora", "base": cfg.base if cfg.method == "lora" else None,
        "version": time.strftime("%Y%m%d"),
        "metrics": {"dev_macro_f1": round(fitted["dev"]["macro_f1"], 4),
                    "dev_accuracy": round(fitted["dev"]["accuracy"], 4)}})
    result = {"dev": fitted["dev"], "history": fitted["history"], "train_size": len(train), "dev_size": len(dev),
              "config": {**cfg.__dict__, "lr": cfg.learning_rate}, "precision": precision, "device": str(device),
              "data": data_info or {}}
    write_json(out / "metrics.json", result)
    (out / "train_log.jsonl").write_text("".join(json.dumps(h) + "\n" for h in fitted["history"]), encoding="utf-8")
    return result
