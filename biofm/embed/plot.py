"""The embedding scatter: WebGL (scattergl) so tens of thousands of points stay responsive."""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf"]


def snippet(text: str, n: int = 80) -> str:
    """A short, HTML-escaped hover line."""
    t = " ".join(str(text).split())
    return html.escape(t[:n] + ("…" if len(t) > n else ""))


def scatter_figure(coords: np.ndarray, color: Sequence, hover: Sequence[str], *, title: str = "",
                   color_name: str = "", ids: Sequence[str] | None = None, highlight: Sequence[int] = (),
                   density: bool = False, colors: dict | None = None) -> go.Figure:
    """Categorical colours for strings, a continuous scale for numbers; hover shows escaped snippets.

    ``highlight``: rows drawn again on top as large ringed markers (search hits, a point and its neighbours);
    ``density``: a contour layer of point density under the points; ``colors``: fixed colours for categories."""
    coords = np.asarray(coords)
    values = list(color)
    ids = list(ids) if ids is not None else [str(i) for i in range(len(coords))]
    # ids stay raw in customdata (selections map back to them); what the hover shows is escaped
    hover_text = [f"{html.escape(str(i))}: {snippet(h)}" for i, h in zip(ids, hover)]
    fig = go.Figure()
    if density and len(coords) >= 10:
        fig.add_trace(go.Histogram2dContour(x=coords[:, 0], y=coords[:, 1], colorscale="Greys", showscale=False,
                                            ncontours=12, opacity=0.35, hoverinfo="skip", name="density",
                                            contours={"coloring": "fill", "showlines": False}))
    numeric = all(isinstance(v, (int, float, np.floating, np.integer)) and not isinstance(v, bool) for v in values)
    if numeric:
        fig.add_trace(go.Scattergl(
            x=coords[:, 0], y=coords[:, 1], mode="markers", customdata=ids, text=hover_text,
            marker={"size": 6, "color": values, "colorscale": "Viridis", "showscale": True,
                    "colorbar": {"title": html.escape(color_name)}},
            hovertemplate="%{text}<br>" + html.escape(color_name) + " %{marker.color:.3f}<extra></extra>"))
    else:
        cats = sorted({str(v) for v in values})
        for k, cat in enumerate(cats):
            sel = [i for i, v in enumerate(values) if str(v) == cat]
            fig.add_trace(go.Scattergl(
                x=coords[sel, 0], y=coords[sel, 1], mode="markers", name=html.escape(cat),
                customdata=[ids[i] for i in sel], text=[hover_text[i] for i in sel],
                marker={"size": 6, "color": (colors or {}).get(cat, PALETTE[k % len(PALETTE)])},
                hovertemplate="%{text}<extra>" + html.escape(cat) + "</extra>"))
    if len(highlight):
        sel = list(highlight)
        fig.add_trace(go.Scattergl(
            x=coords[sel, 0], y=coords[sel, 1], mode="markers", name="highlighted", customdata=[ids[i] for i in sel],
            text=[hover_text[i] for i in sel], hovertemplate="%{text}<extra>highlighted</extra>",
            marker={"size": 14, "color": "rgba(0,0,0,0)", "line": {"color": "#000000", "width": 2}}))
    fig.update_layout(title=html.escape(title), height=520, xaxis={"visible": False}, yaxis={"visible": False},
                      legend={"title": html.escape(color_name)}, dragmode="lasso",
                      margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig
