"""Calibrated uncertainty for molecule models: inductive conformal prediction with ``crepes``.

Each model kind (transformer, random forest, ensemble) is calibrated on held-out molecules no model was fitted on
(see :func:`biofm.chem.model_kinds.fit_baselines` for which split):

- regression: normalised conformal regression (Papadopoulos et al. 2011; crepes ``ConformalRegressor`` with
  ``sigmas``): non-conformity ``|y - y_hat| / (s + beta)``, where ``s`` is the spread of the random forest's trees
  for the molecule (a difficulty estimate) and ``beta`` a fixed floor, so the interval is wide where the trees
  disagree. Intervals hold the true value with probability >= the confidence (exchangeable data).
- classification: class-conditional (Mondrian) conformal classification (Vovk et al. 2005; crepes
  ``ConformalClassifier`` with the true class as the Mondrian category) with the hinge score ``1 - P(class)``:
  a p-value per class, the prediction set ``{classes with p >= 1 - confidence}`` and, per target, a
  coverage guarantee within each class. Calibrated probabilities of activity: isotonic regression of the label on
  the model's probability over the same calibration molecules (Zadrozny & Elkan 2002; scikit-learn).

p-values are not smoothed (no random tie-breaking), so a molecule's interval or set depends only on that molecule,
never on the rest of the batch. Calibration scores are stored as safetensors beside the model
(``conformal.safetensors``): per kind, ``alphas`` [n_cal, n_targets] (NaN where the label is missing) and, for
classifiers, the ``labels``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

CONFORMAL_FILE = "conformal.safetensors"
DEFAULT_CONFIDENCE = 0.9
CLASSES = ("inactive", "active")


def difficulty(spread: np.ndarray | None, beta: np.ndarray, shape) -> np.ndarray:
    """sigma = forest spread + beta ([n, targets]); 1 everywhere (plain conformal) without a forest."""
    if spread is None:
        return np.ones(shape)
    return np.asarray(spread, np.float64) + np.asarray(beta, np.float64)[None, :]


@dataclass
class Calibration:
    """Calibration scores of one model kind; regression when ``labels`` is None."""

    alphas: np.ndarray  # [n_cal, targets] non-conformity scores, NaN = label missing
    labels: np.ndarray | None = None  # [n_cal, targets] 0/1, NaN = missing (classifiers)
    beta: np.ndarray | None = None  # [targets] difficulty floor (normalised regression)
    normalized: bool = False
    _iso: dict = field(default_factory=dict, repr=False, compare=False)

    # regression ------------------------------------------------------------------------------------------
    def intervals(self, y_hat: np.ndarray, spread: np.ndarray | None, confidence: float = DEFAULT_CONFIDENCE
                  ) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds [n, targets] of the conformal interval at ``confidence`` (in (0, 1)); infinite
        when the calibration set is too small for that confidence."""
        from crepes import ConformalRegressor

        y_hat = np.asarray(y_hat, np.float64)
        sig = difficulty(spread if self.normalized else None, self.beta if self.beta is not None else
                         np.zeros(y_hat.shape[1]), y_hat.shape)
        low, high = np.empty_like(y_hat), np.empty_like(y_hat)
        for j in range(y_hat.shape[1]):
            a = self.alphas[:, j][~np.isnan(self.alphas[:, j])]
            cr = ConformalRegressor().fit(a, sigmas=np.ones_like(a))  # stored alphas are already normalised
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # too few calibration examples: infinite intervals, said in docs
                iv = cr.predict_int(y_hat[:, j], sigmas=sig[:, j], confidence=confidence)
            low[:, j], high[:, j] = iv[:, 0], iv[:, 1]
        return low, high

    # classification --------------------------------------------------------------------------------------
    def p_values(self, prob: np.ndarray) -> np.ndarray:
        """[n, targets, 2] class-conditional conformal p-values of (inactive, active) for P(active) ``prob``."""
        from crepes import ConformalClassifier

        prob = np.asarray(prob, np.float64)
        out = np.ones(prob.shape + (2,))
        for j in range(prob.shape[1]):
            known = ~np.isnan(self.labels[:, j])
            cc = ConformalClassifier().fit(self.alphas[known, j], bins=self.labels[known, j].astype(int))
            scores = np.stack([prob[:, j], 1 - prob[:, j]], 1)  # hinge: 1 - P(class) for class 0, 1
            for c in (0, 1):
                out[:, j, c] = cc.predict_p(scores[:, c], bins=np.full(len(prob), c), smoothing=False)
        return out

    def sets(self, prob: np.ndarray, confidence: float = DEFAULT_CONFIDENCE) -> np.ndarray:
        """[n, targets, 2] bool: class c (0 inactive, 1 active) is in the prediction set at ``confidence``."""
        return self.p_values(prob) >= 1 - confidence

    def calibrated(self, prob: np.ndarray) -> np.ndarray:
        """[n, targets] P(active) recalibrated by isotonic regression on the calibration split."""
        from sklearn.isotonic import IsotonicRegression

        prob = np.asarray(prob, np.float64)
        out = np.empty_like(prob)
        for j in range(prob.shape[1]):
            if j not in self._iso:
                known = ~np.isnan(self.labels[:, j])
                lab, a = self.labels[known, j], self.alphas[known, j]
                p_active = np.where(lab == 1, 1 - a, a)
                self._iso[j] = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip").fit(p_active, lab) \
                    if len(set(lab)) == 2 else None
            iso = self._iso[j]
            out[:, j] = iso.predict(prob[:, j]) if iso is not None else prob[:, j]
        return out

    def uncertainty(self, values: np.ndarray, spread: np.ndarray | None,
                    confidence: float = DEFAULT_CONFIDENCE) -> np.ndarray:
        """[n, targets] one number per prediction: the interval's half-width (regression, target units) or the
        second-largest p-value, i.e. 1 - the conformal confidence (classification: near 0 = one class only)."""
        if self.labels is None:
            low, high = self.intervals(values, spread, confidence)
            return (high - low) / 2
        return np.sort(self.p_values(values), axis=2)[:, :, 0]


def calibrate(y: np.ndarray, pred: np.ndarray, kind: str, spread: np.ndarray | None = None) -> Calibration:
    """Calibration scores from the calibration split's labels ``y`` [n, targets] (NaN missing) and predictions."""
    y = np.asarray(y, np.float64)
    pred = np.asarray(pred, np.float64)
    if kind == "regression":
        normalized = spread is not None
        beta = (0.25 * np.nanmedian(spread, axis=0)) if normalized else np.zeros(y.shape[1])
        beta = np.where(beta > 0, beta, 1e-3) if normalized else beta
        sig = difficulty(spread if normalized else None, beta, y.shape)
        return Calibration(np.abs(y - pred) / sig, beta=beta, normalized=normalized)
    alphas = np.where(y == 1, 1 - pred, pred)  # hinge score of the true class
    alphas[np.isnan(y)] = np.nan
    return Calibration(alphas, labels=y)


def coverage(cal: Calibration, y: np.ndarray, pred: np.ndarray, spread: np.ndarray | None,
             confidence: float = DEFAULT_CONFIDENCE) -> dict:
    """Empirical coverage on labelled data (fraction of known labels inside the interval or set) and the mean
    interval width (regression) or mean set size (classification)."""
    y = np.asarray(y, np.float64)
    known = ~np.isnan(y)
    if cal.labels is None:
        low, high = cal.intervals(pred, spread, confidence)
        inside = (y >= low) & (y <= high)
        return {"confidence": confidence, "coverage": float(inside[known].mean()),
                "mean_width": float((high - low)[known].mean()), "n": int(known.sum())}
    sets = cal.sets(pred, confidence)
    yi = np.nan_to_num(y).astype(int)
    inside = np.take_along_axis(sets, yi[..., None], axis=2)[..., 0]
    size = sets.sum(2)
    return {"confidence": confidence, "coverage": float(inside[known].mean()),
            "mean_set_size": float(size[known].mean()), "singleton_rate": float((size[known] == 1).mean()),
            "n": int(known.sum())}


def save_calibrations(path: str | Path, cals: dict[str, Calibration], task_kind: str) -> None:
    from safetensors.numpy import save_file

    tensors = {}
    for name, c in cals.items():
        tensors[f"{name}.alphas"] = c.alphas.astype(np.float32)
        if c.labels is not None:
            tensors[f"{name}.labels"] = c.labels.astype(np.float32)
        if c.beta is not None:
            tensors[f"{name}.beta"] = np.asarray(c.beta, np.float32)
    import json

    save_file(tensors, str(path), metadata={"kind": task_kind, "normalized": json.dumps(
        {n: c.normalized for n, c in cals.items()}), "method": "crepes inductive conformal, hinge / normalised"})


def load_calibrations(path: str | Path) -> dict[str, Calibration]:
    """Model kind -> :class:`Calibration` from ``conformal.safetensors`` (cached by path and mtime)."""
    path = Path(path)
    return _load(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=16)
def _load(path: str, mtime: int) -> dict[str, Calibration]:
    import json

    from safetensors import safe_open

    with safe_open(path, "numpy") as f:
        normalized = json.loads(f.metadata().get("normalized", "{}"))
        keys = set(f.keys())
        out = {}
        for name in sorted({k.split(".")[0] for k in keys}):
            get = (lambda k: f.get_tensor(k).astype(np.float64) if k in keys else None)
            out[name] = Calibration(get(f"{name}.alphas"), get(f"{name}.labels"), get(f"{name}.beta"),
                                    bool(normalized.get(name, False)))
    return out
