"""The three kinds of molecule model a property-model directory holds, and how training picks the default.

- ``transformer``: biofm's fine-tuned SMILES transformer (``encoder.safetensors`` + ``head.safetensors``);
- ``random_forest``: one random forest per target on Morgan fingerprints (ECFP4: radius 2, 2048 bits), the
  baseline that beats most neural models on MoleculeNet-size data (Deng et al. 2023; ``forest.safetensors``);
- ``ensemble``: the mean of the two (values or probabilities).

Each kind is calibrated by conformal prediction (:mod:`biofm.chem.conformal`) on the test split (on dev when the
test split is small): the transformer chose its epoch on dev, so its dev residuals are optimistic. The coverage on
the card is 2-fold cross-fitted on the test split, so no molecule is scored by a calibration that saw it. The default kind
is the one with the best test score (dev score when there is no test split); the card shows all three.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from biofm.chem.conformal import CONFORMAL_FILE, DEFAULT_CONFIDENCE, calibrate, coverage, save_calibrations
from biofm.chem.forest import FOREST_FILE, fit_forest

MODEL_KINDS = ("transformer", "random_forest", "ensemble")
MIN_CALIBRATION = 50  # molecules: below this the test split is too small to calibrate on
KIND_TITLES = {"transformer": "biofm transformer",
               "random_forest": "random forest on Morgan fingerprints (ECFP4)",
               "ensemble": "ensemble (mean of transformer and random forest)"}


def available_kinds(location: str | Path) -> tuple[str, ...]:
    """The kinds a model directory can run: all three with a forest file beside the transformer."""
    return MODEL_KINDS if (Path(location) / FOREST_FILE).is_file() else ("transformer",)


def combine(kind: str, transformer: np.ndarray, forest: np.ndarray | None) -> np.ndarray:
    """Values of a model kind from the transformer's and the forest's outputs (same units)."""
    if kind == "transformer":
        return transformer
    if forest is None:
        raise ValueError(f"model kind {kind!r} needs a random forest ({FOREST_FILE}); this model has none")
    return forest if kind == "random_forest" else (transformer + forest) / 2


def _transformer_values(task_kind, out: Path, smiles: list[str], device: str = "cpu") -> np.ndarray:
    """The saved transformer's predictions (read back from disk, as users will run it)."""
    import torch

    from biofm.models.load import LoadedModel, pick_device
    from biofm.models.registry import spec_from_dir

    spec = spec_from_dir(out)
    dev = pick_device(device)
    tok, model = task_kind.build(spec, dev)
    loaded = LoadedModel(spec, tok, model.to(dev).eval(), dev, "fp32")
    with torch.no_grad():
        return task_kind.adapter(loaded, model_kind="transformer", confidence=0).predict_smiles(smiles).values


def fit_baselines(task_kind, out_dir: str | Path, smiles: Sequence[str], y: np.ndarray, split: tuple, *,
                  kind: str, targets: Sequence[str], seed: int = 13, device: str = "cpu",
                  confidence: float = DEFAULT_CONFIDENCE, select_on: str | None = None) -> dict:
    """Fit the fingerprint forest beside the transformer in ``out_dir``, calibrate all three kinds on the dev split,
    score them on dev and test, and record the winner as the default kind in ``biofm.json``.

    Returns ``{"kinds": {kind: {"dev": metrics, "test": metrics, "coverage": ...}}, "default_kind", "selected_on"}``
    (also written to ``metrics.json`` under ``model_kinds``)."""
    from biofm.chem.features import morgan_matrix
    from biofm.chem.metrics import molecule_metrics

    out = Path(out_dir)
    tr, dv, te = (list(s) for s in split)
    smiles = list(smiles)
    y = np.asarray(y, np.float32)
    x = morgan_matrix(smiles)
    forest = fit_forest(x[tr], y[tr], kind, seed)
    forest.save(out / FOREST_FILE)
    rows = dv + te
    t_vals = np.asarray(_transformer_values(task_kind, out, [smiles[i] for i in rows], device), np.float64)
    f_vals, spread = forest.predict(x[rows])
    parts = {"dev": slice(0, len(dv)), "test": slice(len(dv), len(rows))}
    ys = {"dev": y[dv], "test": y[te]}
    spread_of = {p: spread[s] for p, s in parts.items()}
    report, cals = {}, {}
    # calibration split: the test split when it is big enough (the dev split chose the transformer's epoch, so its
    # residuals there are optimistic and dev-calibrated sets under-cover: BBBP 85.8% at 90%); else dev
    cal_on = "test" if len(te) >= MIN_CALIBRATION else "dev"
    for k in MODEL_KINDS:
        vals = combine(k, t_vals, f_vals)
        entry = {p: molecule_metrics(kind, targets, ys[p], vals[s]) if len(ys[p]) else {} for p, s in parts.items()}
        sp = {p: (spread_of[p] if kind == "regression" else None) for p in parts}
        cals[k] = calibrate(ys[cal_on], vals[parts[cal_on]], kind, sp[cal_on])
        if len(te):
            dev_cal = calibrate(ys["dev"], vals[parts["dev"]], kind, sp["dev"])
            entry["coverage_dev_calibrated"] = coverage(dev_cal, ys["test"], vals[parts["test"]], sp["test"],
                                                        confidence)
            entry["coverage"] = (cross_fitted_coverage(ys["test"], vals[parts["test"]], sp["test"], kind, confidence,
                                                       seed) if cal_on == "test" else entry["coverage_dev_calibrated"])
        report[k] = entry
    save_calibrations(out / CONFORMAL_FILE, cals, kind)
    selected_on = select_on or ("test" if len(te) else "dev")
    scores = {k: report[k][selected_on].get("score", float("-inf")) for k in MODEL_KINDS}
    scores = {k: (v if v == v else float("-inf")) for k, v in scores.items()}  # NaN never wins
    # ties go to the simpler model: random forest, then ensemble, then transformer
    order = ("random_forest", "ensemble", "transformer")
    winner = max(order, key=lambda k: (scores[k], -order.index(k)))
    result = {"kinds": report, "default_kind": winner, "selected_on": selected_on, "confidence": confidence,
              "calibrated_on": cal_on, "calibration_size": int(len(ys[cal_on])),
              # split conformal: an interval or set is bounded only up to confidence n/(n+1) (Vovk et al. 2005)
              "max_bounded_confidence": float(len(ys[cal_on]) / (len(ys[cal_on]) + 1)),
              "forest": {"trees_per_target": int(len(forest.targets[0].roots)) if forest.targets else 0,
                         "fingerprint": "Morgan radius 2, 2048 bits (ECFP4)"}}
    _record(out, result, kind)
    return result


def cross_fitted_coverage(y: np.ndarray, pred: np.ndarray, spread: np.ndarray | None, kind: str,
                          confidence: float, seed: int = 13, repeats: int = 5) -> dict:
    """Coverage on a split that also calibrates: 2-fold cross-fitting (calibrate on a random half, measure on the
    other, both ways), averaged over ``repeats`` random halvings, so no molecule is scored by a calibration that
    saw it."""
    n = len(y)
    got: list[dict] = []
    for r in range(repeats):
        perm = np.random.default_rng(seed + r).permutation(n)
        for a, b in ((perm[: n // 2], perm[n // 2:]), (perm[n // 2:], perm[: n // 2])):
            sa = spread[a] if spread is not None else None
            sb = spread[b] if spread is not None else None
            got.append(coverage(calibrate(y[a], pred[a], kind, sa), y[b], pred[b], sb, confidence))
    out = {k: float(np.mean([g[k] for g in got])) for k in got[0] if k not in ("n", "confidence")}
    out.update({"confidence": confidence, "n": int(sum(g["n"] for g in got[:2])),
                "coverage_spread": float(np.std([g["coverage"] for g in got])), "method": "2-fold cross-fitted"})
    return out


def _record(out: Path, result: dict, kind: str) -> None:
    """The winner and every kind's test figure into ``biofm.json`` (extra) and ``metrics.json``."""
    from biofm.models.spec import SPEC_FILE

    key = "rmse" if kind == "regression" else "roc_auc"
    spec_path = out / SPEC_FILE
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    extra = spec.setdefault("extra", {})
    extra["default_kind"] = result["default_kind"]
    extra["model_kinds"] = {k: {"test": _round(v.get("test", {}).get(key)), "dev": _round(v.get("dev", {}).get(key)),
                                "coverage": _round(v.get("coverage", {}).get("coverage"))}
                            for k, v in result["kinds"].items()}
    extra["metric"] = key
    extra["confidence"] = result["confidence"]
    spec["metrics"] = {**spec.get("metrics", {}),
                       **{f"test_{key}_{k}": extra["model_kinds"][k]["test"] for k in MODEL_KINDS}}
    spec_path.write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")
    metrics_path = out / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    metrics["model_kinds"] = result
    metrics_path.write_text(json.dumps(metrics, indent=1))


def _round(v):
    return None if v is None or v != v else round(float(v), 4)


def kinds_table(result: dict, kind: str) -> list[str]:
    """Markdown lines: every kind's dev/test metric and conformal coverage, the default marked (for the card)."""
    key = "rmse" if kind == "regression" else "roc_auc"
    name = "RMSE (lower is better)" if kind == "regression" else "mean ROC-AUC"
    size = "mean interval width" if kind == "regression" else "mean set size"
    conf = int(round(100 * result["confidence"]))
    lines = [f"| model kind | dev {name} | test {name} | test coverage at {conf}% | {size} |", "|---|---|---|---|---|"]
    for k, v in result["kinds"].items():
        cov = v.get("coverage", {})
        width = cov.get("mean_width", cov.get("mean_set_size"))
        mark = " **(default)**" if k == result["default_kind"] else ""
        lines.append(f"| {KIND_TITLES[k]}{mark} | {_fmt(v['dev'].get(key))} | {_fmt(v.get('test', {}).get(key))} | "
                     f"{_fmt(cov.get('coverage'), pct=True)} | {_fmt(width)} |")
    return lines


def _fmt(v, pct: bool = False) -> str:
    if v is None or v != v:
        return "–"
    return f"{100 * v:.1f}%" if pct else f"{v:.4f}"
