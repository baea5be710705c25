"""Embedding maps: projection controls, a WebGL scatter, selection, and an explanation of a selected point."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from biofm import api
from biofm.models import ModelSpec
from biofm.tasks import get_task


def embedding_panel(embeddings, colour_columns: dict, hover: list[str], ids: list[str], key: str,
                    title: str = "Embeddings") -> list[str]:
    """Projection controls, a WebGL scatter coloured by a chosen column, and the ids of box/lasso-selected points."""
    from biofm.embed import scatter_figure
    from biofm.embed.project import available_projections

    if embeddings is None or len(embeddings) < 3:
        st.caption("The map needs at least 3 items.")
        return []
    c1, c2, c3 = st.columns(3)
    method = c1.selectbox("Projection", available_projections(), key=f"{key}-proj",
                          format_func={"tsne": "t-SNE (openTSNE)", "pca": "PCA", "umap": "UMAP"}.get)
    perplexity = c2.slider("Perplexity", 2, 100, min(30, max(2, (len(embeddings) - 1) // 3)), key=f"{key}-perp",
                           disabled=method != "tsne")
    colour = c3.selectbox("Colour by", list(colour_columns), key=f"{key}-colour")
    with st.spinner("Projecting…"):
        proj = api.project(embeddings, method, perplexity=float(perplexity), seed=0)
    if proj.note:
        st.info(proj.note)
    idx = proj.indices
    values = [colour_columns[colour][i] for i in idx]
    fig = scatter_figure(proj.coords, values, [hover[i] for i in idx], ids=[ids[i] for i in idx], title=title,
                         color_name=colour)
    event = st.plotly_chart(fig, key=f"{key}-scatter", on_select="rerun", selection_mode=("box", "lasso", "points"))
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else \
        getattr(getattr(event, "selection", None), "points", []) or []
    return [p.get("customdata") for p in points if p.get("customdata") is not None]


def batch_map(task: str, preds, records, spec: ModelSpec, key: str) -> None:
    """The embedding map of a batch; selected points listed, one of them explained."""
    from webui.explain import explain_one

    emb, cols, hover, ids = preds.embeddings, api.colour_columns(task, preds, records), preds.texts, preds.ids
    reference = get_task(task).reference_records(spec)
    if reference and st.checkbox("Overlay the training set", key=f"{key}-overlay"):
        from webui.core import loaded_model

        ref = api.predict(task, reference, model=loaded_model(spec), **get_task(task).explain_predict_options)
        emb = np.concatenate([emb, ref.embeddings])
        cols = {"set": ["batch"] * len(ids) + ["training"] * len(ref.ids)}
        hover, ids = list(hover) + list(ref.texts), list(ids) + list(ref.ids)
    chosen = embedding_panel(emb, cols, hover, ids, key=f"{key}-map", title="Batch embeddings")
    if not chosen:
        st.caption("Select points with the box or lasso tool to list them here.")
        return
    rows = [i for i, rid in enumerate(preds.ids) if rid in set(chosen)]
    st.dataframe(pd.DataFrame({"id": [preds.ids[i] for i in rows], "text": [preds.texts[i][:160] for i in rows]}),
                 hide_index=True, key=f"{key}-map-selected")
    pick = st.selectbox("Explain one of them", rows, format_func=lambda i: preds.ids[i], key=f"{key}-map-pick")
    explain_one(task, preds, spec, pick, key=f"{key}-map-explain")
