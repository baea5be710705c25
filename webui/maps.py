"""Embedding maps: projection controls, a WebGL scatter, selection, and an explanation of a selected point."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from biofm import api
from biofm.models import ModelSpec
from biofm.tasks import get_task
from webui.errors import guarded
from webui.progress import progress_bar
from webui.text import md

NAMES = {"tsne": "t-SNE", "pca": "PCA", "umap": "UMAP"}


def embedding_panel(embeddings, colour_columns: dict, hover: list[str], ids: list[str], key: str,
                    title: str = "Embeddings", colors: dict | None = None) -> list[str]:
    """Projection controls, search, a WebGL scatter coloured by a chosen column (optional density layer), the
    nearest neighbours of a chosen point, and the ids of box/lasso-selected points.

    A t-SNE not computed yet is previewed at once as PCA while it runs; projections are cached by content."""
    from biofm.embed.project import available_projections, cached
    from biofm.embed.search import find

    if embeddings is None or len(embeddings) < 3:
        st.caption("The map needs at least 3 items.")
        return []
    c1, c2, c3, c4 = st.columns([2, 2, 2, 3])
    method = c1.selectbox("Projection", available_projections(), key=f"{key}-proj",
                          format_func=NAMES.get)
    perplexity = c2.slider("Perplexity", 2, 100, min(30, max(2, (len(embeddings) - 1) // 3)), key=f"{key}-perp",
                           disabled=method != "tsne")
    colour = c3.selectbox("Colour by", list(colour_columns), key=f"{key}-colour")
    query = c4.text_input("Find by id or text", key=f"{key}-find", placeholder="an id, a word, a SMILES…")
    density = st.toggle("Density contours", key=f"{key}-density", help="where points are crowded, under the points")
    hits = find(query, ids, hover) if query else []
    if query:
        st.caption(f"{len(hits)} match(es) for the search, ringed on the map." if hits else "No match on this map.")
    params = {"perplexity": float(perplexity), "seed": 0}
    slot = st.empty()
    proj = cached(embeddings, method, **params)  # one hash of the embeddings on every rerun, not two
    if proj is None:
        if method != "pca":
            preview = api.project(embeddings, "pca", seed=0)
            slot.plotly_chart(_figure(preview, colour_columns[colour], hover, ids, title + " (PCA preview)", colour,
                                      hits, density, colors), key=f"{key}-preview")
        what = f"Computing the {NAMES.get(method, method)} map of {len(embeddings):,} points"
        if method == "tsne":  # t-SNE reports its iterations; PCA and UMAP do not
            with progress_bar(what, "iterations") as update:
                proj = api.project(embeddings, method, progress=update, **params)
        else:
            with st.spinner(f"{what}…"):
                proj = api.project(embeddings, method, **params)
    if proj.note:
        st.info(proj.note)
    fig = _figure(proj, colour_columns[colour], hover, ids, title, colour, hits, density, colors)
    event = slot.plotly_chart(fig, key=f"{key}-scatter", on_select="rerun", selection_mode=("box", "lasso", "points"))
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else \
        getattr(getattr(event, "selection", None), "points", []) or []
    chosen = [p.get("customdata") for p in points if p.get("customdata") is not None]
    _neighbours(embeddings, colour_columns, hover, ids, key, [ids[i] for i in hits] + chosen)
    return chosen


def _figure(proj, values, hover, ids, title, colour, hits, density, colors):
    from biofm.embed import scatter_figure

    idx = proj.indices
    pos = {int(j): n for n, j in enumerate(idx)}
    return scatter_figure(proj.coords, [values[i] for i in idx], [hover[i] for i in idx], ids=[ids[i] for i in idx],
                          title=title, color_name=colour, highlight=[pos[h] for h in hits if h in pos],
                          density=density, colors=colors)


def _neighbours(embeddings, colour_columns: dict, hover, ids, key: str, candidates: list) -> None:
    """Pick a point (from the search hits or the selection); list its nearest neighbours in the embedding space."""
    from biofm.embed.search import nearest

    if not candidates:
        return
    where = {rid: i for i, rid in enumerate(ids)}
    options = list(dict.fromkeys(c for c in candidates if c in where))
    if not options:
        return
    rid = st.selectbox("Nearest neighbours of", options, key=f"{key}-nn-of")
    i = where[rid]
    top, dist = nearest(np.asarray(embeddings), i, k=10)
    table = {"id": [ids[j] for j in top], "cosine distance": np.round(dist, 4),
             **{name: [col[j] for j in top] for name, col in colour_columns.items()},
             "text": [" ".join(str(hover[j]).split())[:160] for j in top]}
    st.caption(f"The 10 items nearest to {md(rid)} in the model's embedding space (not the 2-D distance on the map).")
    st.dataframe(pd.DataFrame(table), hide_index=True, key=f"{key}-nn")


@st.cache_resource(show_spinner=False, max_entries=4)
def _reference(spec: ModelSpec):
    """A seeded sample of the model's training inputs, embedded once per model and process."""
    from webui.core import loaded_model

    kind = get_task(spec.task)
    ref = api.predict(spec.task, kind.reference_records(spec), model=loaded_model(spec), **kind.explain_predict_options)
    return list(ref.ids), list(ref.texts), ref.embeddings


def batch_map(task: str, preds, records, spec: ModelSpec, key: str, explain_any: bool = False) -> None:
    """The embedding map of a batch; selected points listed, one of them explained (``explain_any``: any item of
    the batch can be explained even with nothing selected, for pages with no other explanation panel)."""
    from webui.explain import explain_one

    emb, cols, hover, ids = preds.embeddings, api.colour_columns(task, preds, records), preds.texts, preds.ids
    colours = get_task(task).colour_map()
    if get_task(task).has_reference(spec) and st.checkbox("Overlay the training set", key=f"{key}-overlay",
                                                          help="a sample of up to 1,000 training inputs"):
        with guarded("Overlaying the training set"), st.spinner("Embedding a sample of the training set…"):
            ref_ids, ref_texts, ref_emb = _reference(spec)
            emb = np.concatenate([emb, ref_emb])
            cols = {"set": ["your batch"] * len(ids) + ["training sample"] * len(ref_ids)}
            colours = {"your batch": "#d62728", "training sample": "#c7c7c7"}
            hover, ids = list(hover) + ref_texts, list(ids) + ref_ids
    chosen = embedding_panel(emb, cols, hover, ids, key=f"{key}-map", title="Batch embeddings", colors=colours)
    rows = [i for i, rid in enumerate(preds.ids) if rid in set(chosen)]
    if rows:
        st.dataframe(pd.DataFrame({"id": [preds.ids[i] for i in rows], "text": [preds.texts[i][:160] for i in rows]}),
                     hide_index=True, key=f"{key}-map-selected")
    else:
        if emb is not None and len(emb) >= 3:  # fewer: no map was drawn (embedding_panel said so)
            st.caption("Select points with the box or lasso tool to list them here.")
        if not explain_any:
            return
        rows = list(range(len(preds.ids)))
    pick = st.selectbox("Explain one of them" if len(rows) < len(preds.ids) else "Explain an item", rows,
                        format_func=lambda i: preds.ids[i], key=f"{key}-map-pick")
    explain_one(task, preds, spec, pick, key=f"{key}-map-explain")
