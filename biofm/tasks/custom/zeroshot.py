"""Zero-shot probabilities from the cosine similarity of note and label-description embeddings.

Raw cosine similarities of a sentence encoder are not probabilities, and their level differs between labels (a
broad description is close to every note). Two calibrations, per label:

* **Batch calibration** (no reviewed items needed): each label's similarities are standardised over the batch,
  ``z_ij = (s_ij - m_j) / d_j``, removing the label's own bias, in the spirit of Batch Calibration (Zhou et al.
  2023, "Batch Calibration: Rethinking Calibration for In-Context Learning"). ``m_j`` and ``d_j`` are the label's
  mean and standard deviation over the batch, shrunk towards the pooled values over all labels with a prior weight
  of :data:`PRIOR_N` notes, so a batch of one note falls back to the pooled statistics instead of dividing by
  zero. Single-label: ``p_i = softmax(z_i / T)``, ``T`` = :data:`TEMPERATURE`. Multi-label:
  ``p_ij = sigmoid(SLOPE * (z_ij - OFFSET))`` (a label is suggested when its note is about one standard deviation
  closer to its description than that label's typical note), threshold 0.5.
* **Platt scaling** (Platt 1999), once reviewed items exist: per label a one-feature logistic regression of "the
  item has this label" on ``s_ij``, fitted on the reviewed items (:func:`fit_platt`). Single-label probabilities
  are the Platt probabilities renormalised over the labels.

Both are monotone per label: they change confidences and, for single-label, which label wins when the labels'
biases differ, never the order of notes within one label.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PRIOR_N = 16.0
TEMPERATURE = 1.0
SLOPE = 2.0
OFFSET = 1.0


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x):
    z = np.exp(x - x.max(-1, keepdims=True))
    return z / z.sum(-1, keepdims=True)


@dataclass(frozen=True)
class BatchStats:
    """Per-label mean and spread of the similarities used to standardise them (shapes ``[L]``)."""

    mean: np.ndarray
    std: np.ndarray

    def to_json(self) -> dict:
        return {"method": "batch", "mean": [float(x) for x in self.mean], "std": [float(x) for x in self.std]}


def batch_stats(sims: np.ndarray, prior_n: float = PRIOR_N) -> BatchStats:
    """Per-label statistics of a ``[n, L]`` similarity matrix, shrunk towards the pooled ones by ``prior_n``."""
    sims = np.asarray(sims, dtype=np.float64)
    n = sims.shape[0]
    pooled_mean = float(sims.mean()) if sims.size else 0.0
    pooled_var = float(sims.var()) if sims.size > 1 else 0.0
    pooled_var = max(pooled_var, 1e-4)  # a floor: identical similarities must not divide by zero
    if n == 0:
        return BatchStats(np.full(sims.shape[1], pooled_mean), np.full(sims.shape[1], np.sqrt(pooled_var)))
    mean_j, var_j = sims.mean(0), sims.var(0)
    mean = (n * mean_j + prior_n * pooled_mean) / (n + prior_n)
    var = (n * var_j + prior_n * pooled_var) / (n + prior_n)
    return BatchStats(mean, np.sqrt(np.maximum(var, 1e-4)))


@dataclass(frozen=True)
class Platt:
    """Per-label logistic calibration ``p_j = sigmoid(a_j * s_j + b_j)`` (shapes ``[L]``)."""

    a: np.ndarray
    b: np.ndarray

    def to_json(self) -> dict:
        return {"method": "platt", "a": [float(x) for x in self.a], "b": [float(x) for x in self.b]}


def fit_platt(sims: np.ndarray, y: np.ndarray, names=None, C: float = 1.0) -> Platt:
    """Platt scaling per label from reviewed items: ``sims`` ``[n, L]`` cosine similarities, ``y`` ``[n, L]`` 0/1.

    Raises ValueError naming a label with no positive or no negative reviewed item (nothing to fit)."""
    from sklearn.linear_model import LogisticRegression

    sims, y = np.asarray(sims, dtype=np.float64), np.asarray(y).astype(int)
    a, b = np.zeros(sims.shape[1]), np.zeros(sims.shape[1])
    for j in range(sims.shape[1]):
        if y[:, j].min() == y[:, j].max():
            raise ValueError(f"label {names[j] if names else j!r}: Platt scaling needs reviewed items with and without "
                             "the label")
        lr = LogisticRegression(C=C).fit(sims[:, j:j + 1], y[:, j])
        a[j], b[j] = float(lr.coef_[0, 0]), float(lr.intercept_[0])
    return Platt(a, b)


def calibration_from_json(data: dict | None):
    if not data:
        return None
    if data.get("method") == "platt":
        return Platt(np.asarray(data["a"], float), np.asarray(data["b"], float))
    if data.get("method") == "batch":
        return BatchStats(np.asarray(data["mean"], float), np.asarray(data["std"], float))
    raise ValueError(f"unknown zero-shot calibration {data.get('method')!r}")


def zero_shot_probs(sims: np.ndarray, multi_label: bool, calibration: BatchStats | Platt | None = None
                    ) -> np.ndarray:
    """Probabilities ``[n, L]`` from cosine similarities ``[n, L]`` (see the module docstring for the method).

    ``calibration``: a Platt fit or fixed batch statistics; None: the statistics of this batch."""
    sims = np.asarray(sims, dtype=np.float64)
    if sims.shape[0] == 0:
        return sims.astype(np.float32)
    if isinstance(calibration, Platt):
        p = _sigmoid(sims * calibration.a + calibration.b)
        if not multi_label:
            p = p / np.clip(p.sum(-1, keepdims=True), 1e-12, None)
        return p.astype(np.float32)
    stats = calibration if isinstance(calibration, BatchStats) else batch_stats(sims)
    z = (sims - stats.mean) / stats.std
    p = _sigmoid(SLOPE * (z - OFFSET)) if multi_label else _softmax(z / TEMPERATURE)
    return p.astype(np.float32)
