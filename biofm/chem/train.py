"""Training molecular property models: data tables, scaffold/random splits, the fine-tuning loop, metrics and the
random-forest baseline on the same split."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from biofm.chem.conformal import DEFAULT_CONFIDENCE
from biofm.chem.features import morgan_matrix, random_split, scaffold_split
from biofm.chem.metrics import molecule_metrics
from biofm.inference import pad_batch
from biofm.models.load import LoadedModel, pick_device
from biofm.models.spec import ModelSpec, write_spec
from biofm.nets.smiles_encoder import ENCODER_FILE, HEAD_FILE, MoleculeModel, load_encoder, save_module
from biofm.train.common import TrainingDataError, fit, seed_everything, write_json

KINDS = ("regression", "binary", "multilabel")
TRAIN_FPS = "train_fingerprints.safetensors"


def _masked_loss(kind: str, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    mask = ~torch.isnan(y)
    target = torch.nan_to_num(y)
    if kind == "regression":
        err = (out - target) ** 2
    else:
        err = nn.functional.binary_cross_entropy_with_logits(out, target, reduction="none")
    return (err * mask).sum() / mask.sum().clamp(min=1)


def _scaling(kind: str, y: np.ndarray, tr: Sequence[int], n: int) -> tuple[np.ndarray, np.ndarray]:
    if kind != "regression":
        return np.zeros(n, np.float32), np.ones(n, np.float32)
    std = np.nanstd(y[tr], axis=0)
    return np.nanmean(y[tr], axis=0), np.where(std > 0, std, 1.0)


def _save_model(out: Path, tok, model: MoleculeModel, train_smiles: list[str]) -> None:
    from safetensors.numpy import save_file

    out.mkdir(parents=True, exist_ok=True)
    tok.save(out)
    (out / "encoder_config.json").write_text(json.dumps(model.encoder.config.to_dict(), indent=1))
    save_module(model.encoder, out / ENCODER_FILE)
    save_module(model.head, out / HEAD_FILE, half=False)
    save_file({"fps": np.packbits(morgan_matrix(train_smiles), axis=1)}, out / TRAIN_FPS)
    (out / "train_smiles.json").write_text(json.dumps(train_smiles))


def train_molecule_model(task_kind, encoder_dir: str | Path, smiles: Sequence[str], y: np.ndarray, split: tuple,
                         out_dir, *, name: str, targets: Sequence[str], kind: str, epochs: int = 30, lr: float = 3e-4,
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
    mean, std = _scaling(kind, y, tr, len(targets))
    y_scaled = torch.tensor((y - mean) / std if kind == "regression" else y)
    ids = [tok.encode(s, max_length=128).ids for s in smiles]
    extra = {"kind": kind, "mean": [float(v) for v in mean], "std": [float(v) for v in std]}
    spec = ModelSpec(name=name, task=task_kind.name, labels=tuple(targets), input_kind=task_kind.input_kind,
                     max_length=128, source="local", location=str(out_dir), extra=extra)
    predictor = task_kind.adapter(LoadedModel(spec, tok, model, dev, "fp32"), model_kind="transformer", confidence=0)

    def predict(idx):
        return predictor.predict_smiles([smiles[i] for i in idx]).values

    def batch_loss(idx: list[int]) -> torch.Tensor:
        b = [tr[i] for i in idx]
        x, m = pad_batch([ids[i] for i in b], tok.pad_token_id)
        return _masked_loss(kind, model(x.to(dev), m.to(dev)).logits.float(), y_scaled[b].to(dev))

    fitted = fit(model, n_examples=len(tr), batch=batch_loss, metric="score", epochs=epochs, lr=lr,
                 batch_size=batch_size, seed=seed, patience=patience, progress=progress, should_stop=should_stop,
                 evaluate=lambda: molecule_metrics(kind, targets, y[dv], predict(dv)))
    test = molecule_metrics(kind, targets, y[te], predict(te)) if te else {}
    out = Path(out_dir)
    _save_model(out, tok, model, [smiles[i] for i in tr])
    key = "rmse" if kind == "regression" else "roc_auc"
    write_spec(out, name=name, task=task_kind.name, labels=targets, input_kind=task_kind.input_kind, max_length=128,
               version=time.strftime("%Y%m%d"), extra=extra,
               metrics={f"test_{key}": round(test.get(key, float("nan")), 4) if test else None,
                        f"dev_{key}": round(fitted["dev"][key], 4)})
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


def molecule_table(path: str, smiles_column: str | None, targets: list[str], skip_invalid: bool):
    """Canonical SMILES and a float target matrix (NaN = missing) from a CSV or SDF, checked before training."""
    from biofm.io.molecules import read_molecule_file

    res = read_molecule_file(path, smiles_column=smiles_column, max_rows=None)
    bad = [e for e in res.errors if e.row > 0]
    listing = "; ".join(f"row {e.row}: {e.message}" for e in bad[:5]) + (f"; … {len(bad) - 5} more" if len(bad) > 5
                                                                          else "")
    if bad and not skip_invalid:
        raise TrainingDataError(f"{path}: {len(bad)} molecule(s) do not parse ({listing}); fix them or pass "
                                "--skip-invalid")
    if bad:
        print(f"skipping {len(bad)} invalid molecule(s) in {path}: {listing}", file=sys.stderr)
    smiles, rows = [], []
    for r in res.records:
        values = {**r.meta.get("columns", {}), **r.meta.get("props", {})}
        missing = [t for t in targets if t not in values]
        if missing:
            raise TrainingDataError(f"{path}: target column(s) {missing} not found; available: {sorted(values)}")
        row = []
        for t in targets:
            v = str(values[t]).strip()
            try:
                row.append(float(v) if v != "" else float("nan"))
            except ValueError:
                raise TrainingDataError(f"{path} row {r.row}: {t} is not a number: {v!r}") from None
        smiles.append(r.canonical)
        rows.append(row)
    if len(smiles) < 10:
        raise TrainingDataError(f"{path}: too few molecules ({len(smiles)})")
    return smiles, np.array(rows, dtype=np.float32)


def _split(config: dict, smiles: list[str], y: np.ndarray):
    """(smiles, y, (train, dev, test) indices, description): a scaffold or random 80/10/10 split, or 90/10 of the
    train file for train/dev with a separate test file."""
    seed, scaffold = config["seed"], config["split"] == "scaffold"
    if not config.get("test"):
        split = scaffold_split(smiles) if scaffold else random_split(len(smiles), seed)
        return smiles, y, split, f"{'Bemis-Murcko scaffold' if scaffold else 'random'} 80/10/10"
    t_smiles, t_y = molecule_table(config["test"], config.get("smiles_column"), config["targets"],
                                   config["skip_invalid"])
    n = len(smiles)
    tr, dv, _ = scaffold_split(smiles, (0.9, 0.1, 0.0)) if scaffold else random_split(n, seed, (0.9, 0.1, 0.0))
    desc = f"{config['split']} 90/10 of {Path(config['train']).name} for train/dev; test {Path(config['test']).name}"
    return smiles + t_smiles, np.concatenate([y, t_y]), (tr, dv, list(range(n, n + len(t_smiles)))), desc


def read_training_table(config: dict) -> tuple[list[str], np.ndarray]:
    smiles, y = molecule_table(config["train"], config.get("smiles_column"), config["targets"], config["skip_invalid"])
    if config["kind"] != "regression":
        bad = sorted({float(v) for v in y[~np.isnan(y)]} - {0.0, 1.0})
        if bad:
            raise TrainingDataError(f"{config['kind']} targets must be 0, 1 or empty; found {bad[:5]}")
    return smiles, y


def train_molecules_task(task_kind, config: dict, progress=None, should_stop=None) -> str:
    """Split, fine-tune the transformer (or keep the one in ``--out`` with ``--reuse-transformer``), fit the
    fingerprint random forest and the ensemble on the same split, calibrate all three (conformal, on dev), save the
    winner as the default kind, write the card."""
    from biofm.chem.model_kinds import KIND_TITLES, fit_baselines
    from biofm.train.cards import molecule_card, write_card

    smiles, y = read_training_table(config)
    smiles, y, split, split_name = _split(config, smiles, y)
    names = config.get("target_names") or config["targets"]
    out, seed = Path(config["out"]), config["seed"]
    name = config.get("name") or out.name
    info = {"split": split_name, "licence": config.get("licence") or "",
            "data": Path(config["train"]).name + (f" + {Path(config['test']).name}" if config.get("test") else "")}
    common = dict(targets=names, kind=config["kind"], epochs=config["epochs"], lr=config["lr"] or 3e-4,
                  batch_size=config["batch_size"], seed=seed, device=config["device"])
    old = json.loads((out / "metrics.json").read_text()) if (out / "metrics.json").is_file() else {}
    if config.get("reuse_transformer"):
        if not (out / "head.safetensors").is_file() or old.get("sizes") != [len(s) for s in split]:
            raise TrainingDataError(f"--reuse-transformer: {out} holds no transformer trained on this split "
                                    f"(sizes {old.get('sizes')} vs {[len(s) for s in split]})")
        result = {k: old[k] for k in ("dev", "test", "history", "sizes", "kind", "targets", "info")}
        rnd, rnd_base = old.get("random_split"), old.get("random_split_baseline")
    else:
        result = train_molecule_model(task_kind, config["encoder"], smiles, y, split, out, name=name,
                                      progress=progress, should_stop=should_stop, extra_info=info, **common)
        rnd = rnd_base = None
        if config.get("also_random") and not config.get("test"):
            rsplit = random_split(len(smiles), seed)
            with tempfile.TemporaryDirectory() as tmp:
                rnd = train_molecule_model(task_kind, config["encoder"], smiles, y, rsplit, tmp, name="random-split",
                                           **common)["test"]
            rnd_base = rf_baseline(smiles, y, rsplit, config["kind"], names, seed=seed)
    if progress:
        progress({"event": "baselines", "message": "random forest, ensemble and conformal calibration"})
    forced = config.get("model_kind") if config.get("model_kind") not in (None, "auto") else None
    kinds = fit_baselines(task_kind, out, smiles, y, split, kind=config["kind"], targets=names, seed=seed,
                          device=config["device"])
    if forced:
        _set_default_kind(out, forced)
        kinds["default_kind"], kinds["chosen_by"] = forced, "--model-kind"
    baseline = kinds["kinds"]["random_forest"]["test" if split[2] else "dev"]
    pre_path = Path(config["encoder"]) / "pretraining.json"
    pre = json.loads(pre_path.read_text()) if pre_path.is_file() else {}
    (out / "pretraining.json").write_text(json.dumps(pre, indent=1))
    metrics = json.loads((out / "metrics.json").read_text())
    metrics.update({"baseline_random_forest": baseline, "random_split": rnd, "random_split_baseline": rnd_base})
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1))
    command = task_kind.command_line({**config, "reuse_transformer": False})  # what trains it all from scratch
    write_card(out, molecule_card(name, result, baseline, command, pre,
                                  config.get("description") or "", rnd, rnd_base, kinds))
    key = "rmse" if config["kind"] == "regression" else "roc_auc"
    part = kinds["selected_on"]
    scores = ", ".join(f"{k} {v[part].get(key, float('nan')):.4f}" for k, v in kinds["kinds"].items())
    return (f"saved {out} ({name}): {part} {key} {scores}; default model kind: {kinds['default_kind']} "
            f"({KIND_TITLES[kinds['default_kind']]}"
            + (", chosen by --model-kind)" if forced else f", best on {part})") + _calibration_warning(kinds))


def _calibration_warning(kinds: dict) -> str:
    """A warning line when the conformal calibration split is too small for the default confidence: its intervals
    (regression) or sets (classification) are then unbounded (every value, or both classes) for every molecule."""
    n, top = kinds.get("calibration_size"), kinds.get("max_bounded_confidence")
    if n is None or top is None or kinds.get("confidence", DEFAULT_CONFIDENCE) <= top:
        return ""
    return (f"\nWARNING: conformal calibration used only {n} molecule(s) (the {kinds['calibrated_on']} split): "
            f"intervals and prediction sets are unbounded above {100 * top:.1f}% confidence, the default "
            f"{100 * kinds.get('confidence', DEFAULT_CONFIDENCE):.0f}% included; train on more molecules (a bigger "
            "dev or test split), or predict with a lower --confidence")


def _set_default_kind(out: Path, kind: str) -> None:
    from biofm.models.spec import SPEC_FILE

    spec = json.loads((out / SPEC_FILE).read_text(encoding="utf-8"))
    spec.setdefault("extra", {})["default_kind"] = kind
    (out / SPEC_FILE).write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")
