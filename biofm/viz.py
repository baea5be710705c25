"""Plotly figures the pages show (no streamlit here)."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go


def label_distribution_figure(labels: Sequence[str], order: Sequence[str] | None = None,
                              title: str = "Predicted labels") -> go.Figure:
    """Bar chart of how many documents got each label (every known label shown, zeros included)."""
    counts = Counter(labels)
    names = list(order) if order else sorted(counts)
    fig = go.Figure(go.Bar(x=[counts.get(n, 0) for n in names], y=names, orientation="h",
                           marker_color="#3b6ea8", hovertemplate="%{y}: %{x}<extra></extra>"))
    fig.update_layout(title=title, xaxis_title="documents", yaxis={"autorange": "reversed"},
                      height=120 + 32 * len(names), margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig


def probability_figure(probs: np.ndarray, names: Sequence[str], title: str = "Class probabilities") -> go.Figure:
    """Horizontal bars of one document's class probabilities."""
    order = np.argsort(-np.asarray(probs))
    fig = go.Figure(go.Bar(x=[float(probs[i]) for i in order], y=[names[i] for i in order], orientation="h",
                           marker_color="#6a9fd4", hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    fig.update_layout(title=title, xaxis={"range": [0, 1], "title": "probability"}, yaxis={"autorange": "reversed"},
                      height=120 + 32 * len(names), margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig


LABEL_COLOURS = {"positive": "#d62728", "uncertain": "#ff9f1c", "negative": "#2ca02c", "not mentioned": "#d9d9d9"}


def prevalence_figure(prevalence, title: str = "Findings across the batch") -> go.Figure:
    """Stacked horizontal bars: positive / uncertain / negative counts per observation."""
    fig = go.Figure()
    for label in ("positive", "uncertain", "negative"):
        fig.add_trace(go.Bar(y=list(prevalence.index), x=prevalence[label].tolist(), name=label, orientation="h",
                             marker_color=LABEL_COLOURS[label], hovertemplate="%{y}: %{x} " + label + "<extra></extra>"))
    fig.update_layout(barmode="stack", title=title, xaxis_title="number of reports", yaxis={"autorange": "reversed"},
                      height=520, margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h"})
    return fig


def confusion_counts(truth: Sequence[str], predicted: Sequence[str], names: Sequence[str]) -> tuple[list, np.ndarray]:
    """Rows: true label, columns: predicted; the model's labels first, then true labels it does not know."""
    order = list(names) + sorted({str(t) for t in truth} - set(names))
    pos = {n: i for i, n in enumerate(order)}
    counts = np.zeros((len(order), len(order)), dtype=int)
    for t, p in zip(truth, predicted):
        counts[pos[str(t)], pos[str(p)]] += 1
    return order, counts


def confusion_figure(truth: Sequence[str], predicted: Sequence[str], names: Sequence[str]) -> go.Figure:
    """Confusion matrix heat map (counts; hover has the row share)."""
    order, counts = confusion_counts(truth, predicted, names)
    share = counts / np.maximum(counts.sum(1, keepdims=True), 1)
    labels = [html.escape(n) for n in order]
    fig = go.Figure(go.Heatmap(z=counts, x=labels, y=labels, colorscale="Blues", showscale=False,
                               text=counts, texttemplate="%{text}", customdata=share,
                               hovertemplate="true %{y}<br>predicted %{x}<br>%{z} (%{customdata:.0%} of the row)"
                                             "<extra></extra>"))
    # categorical axes: labels that read as numbers (codes 1-5) would otherwise make a numeric axis with cells
    # placed between its ticks
    fig.update_layout(title="Confusion matrix", xaxis_title="predicted", yaxis_title="true",
                      xaxis={"type": "category", "categoryorder": "array", "categoryarray": labels},
                      yaxis={"autorange": "reversed", "type": "category", "categoryorder": "array",
                             "categoryarray": labels}, height=360 + 20 * len(order),
                      margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig
