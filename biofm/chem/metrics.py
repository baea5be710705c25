"""Scores of molecular property predictions (model selection, cards, the model-kind comparison). A leaf: it imports
nothing from biofm."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


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
