"""The SMILES encoder (pre-trained by masked-language modelling), property heads, and their predictor.

Encoder: a small BERT (4 layers, hidden 256) over the regex SMILES vocabulary. Heads: one linear layer on the
masked-mean pooled encoding; regression (standardised targets), binary, or multi-label with missing labels masked.
Uncertainty: Monte-Carlo dropout (a private copy of the model with dropout on, T passes). Applicability domain: the
nearest training molecule by Tanimoto similarity of Morgan fingerprints (radius 2, 2048 bits).
"""

from __future__ import annotations

import copy
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from biofm.chem.features import morgan_matrix, nearest_tanimoto
from biofm.chem.smiles import SPECIAL, SmilesTokenizer
from biofm.inference import Progress, masked_mean, pad_batch, run_batched
from biofm.models.loading import LoadedModel, pick_device
from biofm.models.registry import SPEC_FILE, ModelSpec
from biofm.train.common import fit, seed_everything, write_json

HEAD_FILE = "head.safetensors"
ENCODER_FILE = "encoder.safetensors"
TRAIN_FPS = "train_fingerprints.safetensors"
KINDS = ("regression", "binary", "multilabel")
AD_THRESHOLD = 0.3
MC_PASSES = 20


def encoder_config(vocab_size: int, hidden: int = 256, layers: int = 4, max_len: int = 128):
    from transformers import BertConfig

    return BertConfig(vocab_size=vocab_size, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=4,
                      intermediate_size=hidden * 2, max_position_embeddings=max_len, pad_token_id=0,
                      hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)


@dataclass
class _Output:
    logits: torch.Tensor


class MoleculeModel(nn.Module):
    def __init__(self, encoder: nn.Module, n_out: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.config = encoder.config
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(encoder.config.hidden_size, n_out)

    def get_input_embeddings(self) -> nn.Module:
        return self.encoder.get_input_embeddings()

    def encode(self, input_ids, attention_mask) -> torch.Tensor:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        return masked_mean(out.last_hidden_state, attention_mask)

    def forward(self, input_ids, attention_mask=None, **_) -> _Output:
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        return _Output(self.head(self.dropout(self.encode(input_ids, attention_mask))))


def _save(module: nn.Module, path: Path, half: bool = True) -> None:
    from safetensors.torch import save_file

    save_file({k: (v.half() if half and v.is_floating_point() else v).detach().contiguous().cpu()
               for k, v in module.state_dict().items()}, path)


def _load_state(module: nn.Module, path: Path) -> None:
    from safetensors.torch import load_file

    module.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in load_file(path).items()})


def load_encoder(folder: str | Path):
    """Tokenizer and BertModel of a pre-trained SMILES encoder directory."""
    from transformers import BertConfig, BertModel

    folder = Path(folder)
    tok = SmilesTokenizer.load(folder)
    encoder = BertModel(BertConfig.from_dict(json.loads((folder / "encoder_config.json").read_text())),
                        add_pooling_layer=False)
    _load_state(encoder, folder / ENCODER_FILE)
    return tok, encoder


def build_molecule_model(spec: ModelSpec):
    tok, encoder = load_encoder(spec.location)
    model = MoleculeModel(encoder, len(spec.labels))
    _load_state(model.head, Path(spec.location) / HEAD_FILE)
    return tok, model


# --------------------------------------------------------------------------------------------------- pre-training
def pretrain_encoder(smiles: Sequence[str], out_dir: str | Path, *, epochs: int = 3, batch_size: int = 128,
                     lr: float = 5e-4, max_len: int = 128, seed: int = 13, hidden: int = 256, layers: int = 4,
                     progress: Callable[[dict], None] | None = None, device: str = "auto") -> dict:
    """Masked-language-model pre-training (15% of tokens: 80% [MASK], 10% random, 10% kept)."""
    from transformers import BertForMaskedLM

    from biofm.train.common import linear_schedule

    seed_everything(seed)
    dev = pick_device(device)
    tok = SmilesTokenizer.build(smiles)
    seqs = []
    for s in smiles:
        try:
            seqs.append(tok.encode(s, max_length=max_len).ids)
        except ValueError:
            continue
    cfg = encoder_config(len(tok), hidden, layers, max_len)
    model = BertForMaskedLM(cfg).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    steps = epochs * math.ceil(len(seqs) / batch_size)
    sched = linear_schedule(opt, int(0.05 * steps), steps)
    gen = torch.Generator().manual_seed(seed)
    special = torch.tensor([tok.pad_token_id, tok.cls_token_id, tok.sep_token_id])
    losses, step, t0 = [], 0, time.time()
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(len(seqs), generator=gen).tolist()
        for b in range(0, len(order), batch_size):
            ids, mask = pad_batch([seqs[i] for i in order[b:b + batch_size]], tok.pad_token_id)
            labels = ids.clone()
            choose = (torch.rand(ids.shape, generator=gen) < 0.15) & ~torch.isin(ids, special)
            labels[~choose] = -100
            roll = torch.rand(ids.shape, generator=gen)
            inputs = ids.clone()
            inputs[choose & (roll < 0.8)] = tok.mask_token_id
            rand_ids = torch.randint(len(SPECIAL), len(tok), ids.shape, generator=gen)
            swap = choose & (roll >= 0.8) & (roll < 0.9)
            inputs[swap] = rand_ids[swap]
            loss = model(input_ids=inputs.to(dev), attention_mask=mask.to(dev), labels=labels.to(dev)).loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            losses.append(loss.item())
            if progress:
                progress({"epoch": epoch + 1, "step": step, "total_steps": steps, "loss": loss.item()})
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok.save(out)
    (out / "encoder_config.json").write_text(json.dumps(cfg.to_dict(), indent=1))
    _save(model.bert, out / ENCODER_FILE)
    final = float(np.mean(losses[-50:]))
    result = {"corpus_size": len(seqs), "vocab_size": len(tok), "steps": step, "epochs": epochs,
              "final_mlm_loss": final, "first_mlm_loss": float(np.mean(losses[:50])), "seconds": round(time.time() - t0),
              "config": {"hidden": hidden, "layers": layers, "max_len": max_len, "batch_size": batch_size, "lr": lr,
                         "seed": seed}}
    write_json(out / "pretraining.json", result)
    return result


# ----------------------------------------------------------------------------------------------------- predicting
@dataclass
class MoleculePredictions:
    ids: list[str]
    smiles: list[str]  # canonical SMILES the model read
    targets: list[str]
    kind: str
    values: np.ndarray  # regression: value in target units; classification: probability
    std: np.ndarray  # MC-dropout standard deviation, same units
    embeddings: np.ndarray | None
    nearest_similarity: np.ndarray
    nearest_smiles: list[str]
    model: str
    names: list[str] = field(default_factory=list)

    @property
    def in_domain(self) -> np.ndarray:
        return self.nearest_similarity >= AD_THRESHOLD

    def to_frame(self, inputs: Sequence[str] | None = None) -> pd.DataFrame:
        """id,input_smiles,canonical_smiles,valid,error,<predictions>,uncertainty,nearest_train_similarity."""
        frame = pd.DataFrame({"id": self.ids, "input_smiles": list(inputs) if inputs is not None else self.smiles,
                              "canonical_smiles": self.smiles, "valid": True, "error": ""})
        for j, t in enumerate(self.targets):
            frame[t] = np.round(self.values[:, j], 4)
        frame["uncertainty"] = np.round(self.std.mean(1), 4)
        frame["nearest_train_similarity"] = np.round(self.nearest_similarity, 4)
        frame["nearest_train_smiles"] = self.nearest_smiles
        return frame


class MoleculePredictor:
    """Adapter for ``molecules`` models."""

    task = "molecules"

    def __init__(self, loaded: LoadedModel, mc_passes: int = MC_PASSES) -> None:
        self.loaded = loaded
        self.tokenizer: SmilesTokenizer = loaded.tokenizer
        self.model: MoleculeModel = loaded.model
        self.spec = loaded.spec
        self.kind = self.spec.extra.get("kind", "regression")
        self.mean = np.asarray(self.spec.extra.get("mean", [0.0] * len(self.spec.labels)), dtype=np.float32)
        self.scale = np.asarray(self.spec.extra.get("std", [1.0] * len(self.spec.labels)), dtype=np.float32)
        self.mc_passes = mc_passes
        self.max_length = self.spec.max_length

    def _transform(self, raw: np.ndarray) -> np.ndarray:
        if self.kind == "regression":
            return raw * self.scale + self.mean
        return 1.0 / (1.0 + np.exp(-raw))

    def forward(self, input_ids, attention_mask):
        pooled = self.model.encode(input_ids, attention_mask)
        return {"out": self.model.head(pooled), "pooled": pooled}

    def predict(self, records: Sequence, batch_size: int = 64, progress: Progress | None = None
                ) -> MoleculePredictions:
        smiles = [r.canonical for r in records]
        ids_list = [self.tokenizer.encode(s, max_length=self.max_length).ids for s in smiles]
        dev, pad = self.loaded.device, self.tokenizer.pad_token_id
        outs = run_batched(ids_list, self.forward, device=dev, pad_id=pad, batch_size=batch_size,
                           precision="fp32", progress=progress)
        raw = np.stack([o["out"] for o in outs]) if outs else np.zeros((0, len(self.spec.labels)))
        emb = np.stack([o["pooled"] for o in outs]) if outs else None
        values = self._transform(raw)
        std = np.zeros_like(values)
        if self.mc_passes > 1 and len(smiles):
            mc = copy.deepcopy(self.model).train()  # a private copy: the cached model stays in eval mode
            torch.manual_seed(0)
            samples = []
            for _ in range(self.mc_passes):
                o = run_batched(ids_list, lambda i, m: {"out": mc(i, m).logits}, device=dev, pad_id=pad,
                                batch_size=batch_size, precision="fp32")
                samples.append(self._transform(np.stack([x["out"] for x in o])))
            std = np.std(np.stack(samples), axis=0)
        sim, near = self._nearest(smiles)
        return MoleculePredictions([r.id for r in records], smiles, list(self.spec.labels), self.kind, values, std,
                                   emb, sim, near, self.spec.name, [getattr(r, "name", "") for r in records])

    def _nearest(self, smiles: Sequence[str]) -> tuple[np.ndarray, list[str]]:
        path = Path(self.spec.location) / TRAIN_FPS
        if not path.is_file() or not smiles:
            return np.zeros(len(smiles)), [""] * len(smiles)
        from safetensors.numpy import load_file

        ref = np.unpackbits(load_file(path)["fps"], axis=1)[:, :2048]
        ref_smiles = json.loads((Path(self.spec.location) / "train_smiles.json").read_text())
        sim, idx = nearest_tanimoto(morgan_matrix(smiles), ref)
        return sim, [ref_smiles[i] for i in idx]


# ------------------------------------------------------------------------------------------------------ training
def _masked_loss(kind: str, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    mask = ~torch.isnan(y)
    target = torch.nan_to_num(y)
    if kind == "regression":
        err = (out - target) ** 2
    else:
        err = nn.functional.binary_cross_entropy_with_logits(out, target, reduction="none")
    return (err * mask).sum() / mask.sum().clamp(min=1)


def molecule_metrics(kind: str, targets: Sequence[str], y: np.ndarray, pred: np.ndarray) -> dict:
    """RMSE/MAE/R2 for regression; ROC-AUC per target (missing labels masked) and their mean otherwise."""
    from sklearn.metrics import mean_absolute_error, r2_score, roc_auc_score

    if kind == "regression":
        rmse = float(np.sqrt(np.mean((y[:, 0] - pred[:, 0]) ** 2)))
        return {"rmse": rmse, "mae": float(mean_absolute_error(y[:, 0], pred[:, 0])),
                "r2": float(r2_score(y[:, 0], pred[:, 0])), "score": -rmse}
    aucs = {}
    for j, t in enumerate(targets):
        m = ~np.isnan(y[:, j])
        if m.sum() > 1 and len(set(y[m, j])) == 2:
            aucs[t] = float(roc_auc_score(y[m, j], pred[m, j]))
    mean = float(np.mean(list(aucs.values()))) if aucs else float("nan")
    if aucs:
        return {"roc_auc": mean, "roc_auc_per_target": aucs, "score": mean}
    # every target has one class only in this set (small scaffold dev sets do): select on log loss instead
    m = ~np.isnan(y)
    p = np.clip(pred[m], 1e-6, 1 - 1e-6)
    log_loss = float(-np.mean(y[m] * np.log(p) + (1 - y[m]) * np.log(1 - p)))
    return {"roc_auc": mean, "roc_auc_per_target": aucs, "log_loss": log_loss, "score": -log_loss}


def train_molecule_model(encoder_dir: str | Path, smiles: Sequence[str], y: np.ndarray, split: tuple, out_dir,
                         *, name: str, targets: Sequence[str], kind: str, epochs: int = 30, lr: float = 3e-4,
                         batch_size: int = 32, seed: int = 13, patience: int = 6, device: str = "auto",
                         progress: Callable[[dict], None] | None = None,
                         should_stop: Callable[[], bool] | None = None, extra_info: dict | None = None) -> dict:
    """Fine-tune encoder + head on ``split = (train_idx, dev_idx, test_idx)``; best epoch by dev metric."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    seed_everything(seed)
    dev = pick_device(device)
    tok, encoder = load_encoder(encoder_dir)
    model = MoleculeModel(encoder, len(targets)).to(dev)
    tr, dv, te = split
    y = np.asarray(y, dtype=np.float32)
    mean = np.nanmean(y[tr], axis=0) if kind == "regression" else np.zeros(len(targets), np.float32)
    std = np.nanstd(y[tr], axis=0) if kind == "regression" else np.ones(len(targets), np.float32)
    std = np.where(std > 0, std, 1.0)
    y_scaled = torch.tensor((y - mean) / std if kind == "regression" else y)
    ids = [tok.encode(s, max_length=128).ids for s in smiles]
    spec = ModelSpec(name=name, task="molecules", labels=tuple(targets), input_kind="smiles", max_length=128,
                     source="local", location=str(out_dir), extra={"kind": kind, "mean": mean.tolist(),
                                                                   "std": std.tolist()})
    predictor = MoleculePredictor(LoadedModel(spec, tok, model, dev, "fp32"), mc_passes=0)

    class _R:  # records as the predictor reads them
        def __init__(self, i):
            self.id, self.canonical = str(i), smiles[i]

    def predict(idx):
        return predictor.predict([_R(i) for i in idx]).values

    def batch_loss(idx: list[int]) -> torch.Tensor:
        b = [tr[i] for i in idx]
        x, m = pad_batch([ids[i] for i in b], tok.pad_token_id)
        return _masked_loss(kind, model(x.to(dev), m.to(dev)).logits.float(), y_scaled[b].to(dev))

    fitted = fit(model, n_examples=len(tr), batch=batch_loss, metric="score", epochs=epochs, lr=lr,
                 batch_size=batch_size, seed=seed, patience=patience, progress=progress, should_stop=should_stop,
                 evaluate=lambda: molecule_metrics(kind, targets, y[dv], predict(dv)))
    test = molecule_metrics(kind, targets, y[te], predict(te)) if te else {}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok.save(out)
    (out / "encoder_config.json").write_text(json.dumps(model.encoder.config.to_dict(), indent=1))
    _save(model.encoder, out / ENCODER_FILE)
    _save(model.head, out / HEAD_FILE, half=False)
    from safetensors.numpy import save_file

    train_smiles = [smiles[i] for i in tr]
    save_file({"fps": np.packbits(morgan_matrix(train_smiles), axis=1)}, out / TRAIN_FPS)
    (out / "train_smiles.json").write_text(json.dumps(train_smiles))
    metric_name = "rmse" if kind == "regression" else "roc_auc"
    write_json(out / SPEC_FILE, {
        "name": name, "task": "molecules", "labels": list(targets), "input_kind": "smiles", "max_length": 128,
        "version": time.strftime("%Y%m%d"), "extra": {"kind": kind, "mean": [float(v) for v in mean],
                                                     "std": [float(v) for v in std]},
        "metrics": {f"test_{metric_name}": round(test.get(metric_name, float("nan")), 4) if test else None,
                    f"dev_{metric_name}": round(fitted["dev"][metric_name], 4)}})
    result = {"dev": fitted["dev"], "test": test, "history": fitted["history"], "sizes": [len(tr), len(dv), len(te)],
              "kind": kind, "targets": list(targets), "info": extra_info or {}}
    write_json(out / "metrics.json", result)
    return result


def rf_baseline(smiles: Sequence[str], y: np.ndarray, split: tuple, kind: str, targets: Sequence[str],
                seed: int = 13) -> dict:
    """Random forest on Morgan fingerprints (radius 2, 2048 bits) on the same split."""
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    tr, _, te = split
    x = morgan_matrix(smiles)
    y = np.asarray(y, dtype=np.float32)
    pred = np.full((len(te), len(targets)), np.nan, dtype=np.float32)
    for j in range(len(targets)):
        m = ~np.isnan(y[tr, j])
        rows = np.asarray(tr)[m]
        if kind == "regression":
            rf = RandomForestRegressor(n_estimators=300, n_jobs=2, random_state=seed).fit(x[rows], y[rows, j])
            pred[:, j] = rf.predict(x[te])
        elif len(set(y[rows, j])) == 2:
            rf = RandomForestClassifier(n_estimators=300, n_jobs=2, random_state=seed, class_weight="balanced")
            pred[:, j] = rf.fit(x[rows], y[rows, j]).predict_proba(x[te])[:, 1]
    return molecule_metrics(kind, targets, y[te], np.nan_to_num(pred, nan=0.5))
