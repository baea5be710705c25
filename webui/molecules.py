"""Molecules page panels: the model-kind and confidence pickers, the kinds' comparison table, and the text that says
which kind produced a prediction and its conformal interval or prediction set."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from biofm.chem.model_kinds import KIND_TITLES, available_kinds

CONFIDENCES = (0.8, 0.9, 0.95, 0.99)
KIND_LABEL = "Model kind"
CONFIDENCE_LABEL = "Confidence of intervals and prediction sets"


def kind_picker(spec, key: str) -> tuple[str | None, float]:
    """Model kind (the model's default first, marked) and conformal confidence; (None, 0.9) without a spec."""
    if spec is None:
        return None, 0.9
    kinds = list(available_kinds(spec.location))
    default = spec.extra.get("default_kind", "transformer")
    kinds = ([default] if default in kinds else []) + [k for k in kinds if k != default]
    c1, c2 = st.columns(2)
    # one widget per model (key ``<key>-kind-<model>``): another model starts from its own default kind
    choice = c1.selectbox(KIND_LABEL, kinds, key=f"{key}-kind-{spec.name}",
                          format_func=lambda k: KIND_TITLES[k] + (" (default: best on test)" if k == default else ""))
    confidence = c2.select_slider(CONFIDENCE_LABEL, CONFIDENCES, value=0.9, key=f"{key}-confidence",
                                  format_func=lambda c: f"{round(100 * c)}%")
    table = kinds_frame(spec)
    if table is not None:
        st.caption("How the model kinds compare on this model's test split (from its card):")
        st.table(table)
    return choice, confidence


def kinds_frame(spec) -> pd.DataFrame | None:
    """One row per model kind: its test metric and the conformal coverage on the test split (None if unknown)."""
    kinds = spec.extra.get("model_kinds")
    if not kinds:
        return None
    metric = spec.extra.get("metric", "score")
    name = {"rmse": "test RMSE", "roc_auc": "test ROC-AUC"}.get(metric, f"test {metric}")
    conf = round(100 * spec.extra.get("confidence", 0.9))
    default = spec.extra.get("default_kind")
    rows = [{"model kind": KIND_TITLES.get(k, k) + (" (default)" if k == default else ""),
             name: _fmt(v.get("test")), f"test coverage at {conf}%": _fmt(v.get("coverage"), pct=True)}
            for k, v in kinds.items()]
    return pd.DataFrame(rows).set_index("model kind")


def _fmt(v, pct: bool = False) -> str:
    if v is None:
        return "–"
    return f"{100 * v:.1f}%" if pct else f"{v:.3f}"


def produced_by(preds) -> str:
    """The line under the predictions: which model kind produced them and what the uncertainty is."""
    title = KIND_TITLES.get(preds.model_kind, preds.model_kind)
    if not preds.confidence:
        return f"Predicted by: {title}. No conformal calibration for this model: no intervals or prediction sets."
    what = "prediction interval" if preds.kind == "regression" else "prediction set"
    return f"Predicted by: {title} · {round(100 * preds.confidence)}% conformal {what} per molecule"


def molecule_caption_lines(preds, i: int, limit: int = 3) -> list[str]:
    """``target: value [low, high]`` (regression) or ``target: P(active) {set}`` lines for molecule ``i``."""
    lines = []
    for j, t in enumerate(preds.targets[:limit]):
        v = preds.values[i, j]
        if not preds.confidence:
            lines.append(f"{t}: {v:.3f}")
        elif preds.kind == "regression":
            lines.append(f"{t}: {v:.2f} [{_bound(preds.low[i, j])}, {_bound(preds.high[i, j])}]")
        else:
            lines.append(f"{t}: {v:.2f} {preds.set_text(i, j)}")
    return lines


def _bound(v: float) -> str:
    return f"{v:.2f}" if np.isfinite(v) else ("∞" if v > 0 else "−∞")


def numeric_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The interval bounds and uncertainty (which hold 'inf' text where an interval is unbounded) as numbers, so the
    table sorts and filters on them."""
    for c in frame.columns:
        if c == "uncertainty" or c.endswith(("_low", "_high")):
            frame[c] = pd.to_numeric(frame[c], errors="coerce")
    return frame
