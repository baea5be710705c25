"""Page panels, written once per output field type (:mod:`biofm.tasks.fields`): a batch chart and one item's
view. Any task whose predictions are typed fields gets them; :func:`batch_panels` and :func:`item_panels` draw
every field of the predictions."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from biofm.viz import label_distribution_figure, probability_figure


def _class_counts(f, names, value, key: str) -> None:
    st.plotly_chart(label_distribution_figure(f.labels(names, value), order=names), key=f"{key}-class-counts")


def _label_prevalence(f, names, value, key: str) -> None:
    given = Counter(n for labels in f.labels(names, value) for n in labels)
    fig = label_distribution_figure([n for n, k in given.items() for _ in range(k)], order=names,
                                    title="Labels given (an item may have several, or none)")
    none = sum(1 for labels in f.labels(names, value) if not labels)
    st.plotly_chart(fig, key=f"{key}-prevalence")
    st.caption(f"{none} of {len(value)} item(s) have no label.")


def _value_histograms(f, names, value, key: str) -> None:
    value = np.asarray(value)
    fig = go.Figure([go.Histogram(x=value[:, j], name=n + (f" ({f.unit(names, j)})" if f.unit(names, j) else ""),
                                  opacity=0.7) for j, n in enumerate(names)])
    fig.update_layout(title="Predicted values", barmode="overlay", height=320, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    st.plotly_chart(fig, key=f"{key}-values")


def _span_counts(f, names, value, key: str) -> None:
    labels = [s["label"] for spans in value for s in spans]
    st.plotly_chart(label_distribution_figure(labels, order=list(names) or None, title="Spans found, by type"),
                    key=f"{key}-span-counts")


BATCH_PANELS = {"class_counts": _class_counts, "label_prevalence": _label_prevalence,
                "value_histograms": _value_histograms, "span_counts": _span_counts}


def batch_panels(preds, key: str) -> None:
    """One chart per output field of the batch (class counts, label prevalence, value histograms, span counts)."""
    for k, (f, names, value) in enumerate(preds.outputs()):
        BATCH_PANELS[f.panel](f, names, value, f"{key}-{k}")


def item_panels(preds, i: int, key: str) -> None:
    """Item ``i`` in every output field: probabilities (with the thresholds of multi-label fields), values or
    spans (shown as text, never as markup)."""
    for k, (f, names, value) in enumerate(preds.outputs()):
        if f.panel in ("class_counts", "label_prevalence"):
            title = "Label probabilities" if f.panel == "label_prevalence" else "Class probabilities"
            st.plotly_chart(probability_figure(np.asarray(value[i]), names, title=title), key=f"{key}-{k}-probs")
            if f.panel == "label_prevalence":
                given = f.labels(names, value[i:i + 1])[0]
                st.caption("Given: " + (", ".join(given) if given else "no label"))
        elif f.panel == "value_histograms":
            st.dataframe(pd.DataFrame([f.columns(names, value, i)]), hide_index=True, key=f"{key}-{k}-values")
        else:
            st.dataframe(pd.DataFrame(f.columns(names, value, i, detail=True)["entities"],
                                      columns=["start", "end", "label", "text"]), hide_index=True,
                         key=f"{key}-{k}-spans")
