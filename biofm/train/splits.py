"""Held-out splits and decision thresholds shared by the trainers (scikit-learn; iterative stratification for
multi-label data: Sechidis et al., 2011, the ``iterative-stratification`` package)."""

from __future__ import annotations

import numpy as np


def choose_thresholds(y: np.ndarray, probs: np.ndarray, default: float = 0.5) -> list[float]:
    """Per label, the threshold maximising F1 on held-out items (candidates: midpoints between the sorted
    held-out probabilities); ``default`` for a label with no positive held-out item."""
    from sklearn.metrics import f1_score

    out = []
    for j in range(y.shape[1]):
        if y[:, j].sum() == 0:
            out.append(default)
            continue
        ps = np.unique(probs[:, j])
        cands = np.unique(np.concatenate([[default], (ps[:-1] + ps[1:]) / 2 if len(ps) > 1 else ps]))
        f1 = [f1_score(y[:, j], (probs[:, j] >= t).astype(int), zero_division=0) for t in cands]
        best = max(f1)
        # among equally good thresholds, the one closest to the default
        out.append(float(min((t for t, f in zip(cands, f1) if f == best), key=lambda t: abs(t - default))))
    return out


def held_split(y: np.ndarray, multi_label: bool, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (fit, held) by iterative stratification (multi-label) or sklearn's stratified split."""
    idx = np.arange(len(y))
    if fraction <= 0 or len(y) < 4:
        return idx, idx[:0]
    if multi_label:
        from iterstrat.ml_stratifiers import MultilabelStratifiedShuffleSplit

        splitter = MultilabelStratifiedShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
    else:
        from sklearn.model_selection import StratifiedShuffleSplit

        splitter = StratifiedShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
    fit, held = next(splitter.split(np.zeros(len(y)), y))
    return np.sort(fit), np.sort(held)
