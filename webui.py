"""Streamlit glue shared by app.py and the pages: cached settings/models, pickers, progress, row errors.

Kept out of ``biofm/`` so the core never imports streamlit.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from biofm.config import Settings, load_settings
from biofm.models.loading import LoadedModel, load_model, pick_device, pick_precision
from biofm.models.registry import ModelSpec, Registry, UnknownModelError, default_registry
from biofm.records import RowError

LOCAL_DIR_OPTION = "Model directory or hub id…"


@st.cache_resource
def settings() -> Settings:
    return load_settings()


def registry() -> Registry:
    """Re-scanned on every run (a few small JSON files), so freshly trained models appear everywhere at once."""
    return default_registry(settings())


@st.cache_resource(show_spinner="Loading model…")
def loaded_model(spec: ModelSpec) -> LoadedModel:
    """One read-only model per process: never train it or attach hooks to it."""
    s = settings()
    return load_model(spec, device=s.device, precision=s.precision)


def device_summary() -> str:
    s = settings()
    dev = pick_device(s.device)
    name = "CPU"
    if dev.type == "cuda":
        import torch

        name = f"GPU: {torch.cuda.get_device_name(dev)}"
    return f"{name} · precision {pick_precision(dev, s.precision)} · batch size {s.batch_size}"


def model_picker(task: str, key: str) -> ModelSpec | None:
    """Selectbox of registered models for a task, plus a free-text directory/hub id."""
    from biofm.api import DEFAULT_MODELS

    names = registry().names(task)
    default = DEFAULT_MODELS.get(task)
    names = ([default] if default in names else []) + [n for n in names if n != default]  # the default first
    choice = st.selectbox("Model", names + [LOCAL_DIR_OPTION], key=f"{key}-model")
    if choice != LOCAL_DIR_OPTION:
        return registry().get(choice)
    where = st.text_input("Model directory or hub id (owner/name)", key=f"{key}-model-path")
    if not where.strip():
        return None
    try:
        return registry().get(where.strip(), task=task)
    except (UnknownModelError, RuntimeError) as exc:
        st.error(str(exc))
        return None


def progress_callback(text: str):
    bar = st.progress(0.0, text=text)

    def update(done: int, total: int) -> None:
        bar.progress(min(1.0, done / max(total, 1)), text=f"{text} {done}/{total}")

    return update


def show_row_errors(errors: list[RowError]) -> None:
    if not errors:
        return
    st.warning(f"{len(errors)} row(s) could not be used; every other row was processed.")
    with st.expander("Row errors", expanded=len(errors) <= 5):
        st.dataframe(pd.DataFrame([e.as_dict() for e in errors]), hide_index=True)


def document_input(key: str, action: str, blocks: bool = False, with_label: bool = False):
    """Paste or upload widgets. Returns a function that reads the documents once ``action`` is pressed, else None.

    With ``blocks``, pasted text and .txt files hold one document per blank-line-separated block (reports).
    """
    from biofm.io import read_paste, read_text_upload
    from biofm.io.text import guess_column, peek_columns

    s = settings()
    source = st.radio("Input", ["Paste", "Upload a file"], horizontal=True, key=f"{key}-source")
    if source == "Paste":
        with st.form(f"{key}-paste"):
            if blocks:
                text = st.text_area("Reports", height=220, key=f"{key}-text",
                                    placeholder="Paste one or more reports, separated by a blank line.")
                one_per_line = False
            else:
                text = st.text_area("Notes", height=200, key=f"{key}-text",
                                    placeholder="Paste a note, or several with 'one per line' ticked.")
                one_per_line = st.checkbox("One document per line", key=f"{key}-one-per-line")
            if st.form_submit_button(action, type="primary"):
                return lambda: read_paste(text, one_per_line=one_per_line, blocks=blocks)
        return None
    upload = st.file_uploader("File (.txt, .csv, .jsonl, or .zip of .txt)", type=["txt", "csv", "jsonl", "zip"],
                              key=f"{key}-upload")
    if upload is None:
        return None
    data = upload.getvalue()
    text_column = id_column = label_column = None
    one_per_line = False
    columns = peek_columns(data, upload.name)
    if columns:
        guess = guess_column(columns, "text")
        text_column = st.selectbox("Text column", columns, index=columns.index(guess) if guess else 0,
                                   key=f"{key}-text-column")
        id_guess = guess_column(columns, "id")
        id_options = ["(row number)"] + columns
        id_column = st.selectbox("ID column", id_options, index=id_options.index(id_guess) if id_guess else 0,
                                 key=f"{key}-id-column")
        id_column = None if id_column == "(row number)" else id_column
        if with_label:
            label_column = st.selectbox("True label column (optional)", ["(none)"] + columns, key=f"{key}-label-column")
            label_column = None if label_column == "(none)" else label_column
    elif upload.name.lower().endswith(".txt") and blocks:
        st.caption("One report per blank-line-separated block.")
    elif upload.name.lower().endswith(".txt"):
        one_per_line = st.checkbox("One document per line", key=f"{key}-upload-per-line")
    if st.button(action, type="primary", key=f"{key}-run"):
        return lambda: read_text_upload(data, upload.name, text_column=text_column, id_column=id_column,
                                        label_column=label_column, one_per_line=one_per_line, blocks=blocks,
                                        max_rows=s.max_upload_rows,
                                        max_bytes=s.max_upload_mb * 2**20)
    return None


@st.cache_resource(show_spinner="Preparing the explainer…")
def explainer_model(spec: ModelSpec) -> LoadedModel:
    """A private copy of the model for Captum (its hooks never touch the model that serves predictions)."""
    from biofm.explain.attribution import explanation_copy

    return explanation_copy(loaded_model(spec))


def explanation_panel(spec: ModelSpec, text: str, targets: list, key: str, format_target=str) -> None:
    """Method/target pickers, an Explain button, and the highlighted result with its numbers and downloads."""
    import json

    from biofm.explain import METHODS, attribute, attribution_html, standalone_html
    from biofm.explain.attribution import METHOD_NAMES

    c1, c2, c3 = st.columns([2, 3, 2])
    method = c1.selectbox("Method", list(METHODS), format_func=METHOD_NAMES.get, key=f"{key}-method")
    target = c2.selectbox("Target", targets, format_func=format_target, key=f"{key}-target")
    steps = c3.number_input("IG steps", 8, 300, 50, step=8, key=f"{key}-steps", disabled=method != "ig")
    run_key = f"{key}-result"
    if st.button("Explain", key=f"{key}-explain"):
        opts = {"n_steps": int(steps)} if method == "ig" else {}
        try:
            with st.spinner("Computing attributions…"):
                st.session_state[run_key] = attribute(explainer_model(spec), text, target, method, **opts)
        except ValueError as exc:
            st.error(str(exc))
            st.session_state.pop(run_key, None)
    attr = st.session_state.get(run_key)
    if attr is None or attr.text != text:
        return
    for w in attr.warnings:
        st.warning(w)
    m = st.columns(4)
    m[0].metric("Target score", f"{attr.output:.3f}", help=f"probability of {attr.target}")
    if attr.delta is not None:
        m[1].metric("IG convergence delta", f"{attr.delta:.4f}")
    if attr.faithfulness:
        f = attr.faithfulness
        m[2].metric("Comprehensiveness", f"{f['comprehensiveness']:+.3f}",
                    help=f"fall in the target score when the top {f['top_words']} words are masked (higher = more faithful)")
        m[3].metric("Sufficiency", f"{f['sufficiency']:+.3f}",
                    help=f"fall when only the top {f['top_words']} words are kept (lower = more faithful)")
    st.html(attribution_html(attr))
    d1, d2 = st.columns(2)
    d1.download_button("Download explanation (HTML)", standalone_html(attr), "explanation.html", "text/html",
                       key=f"{key}-dl-html")
    d2.download_button("Download explanation (JSON)", json.dumps(attr.to_json(), indent=1), "explanation.json",
                       "application/json", key=f"{key}-dl-json")


def embedding_panel(embeddings, colour_columns: dict, hover: list[str], ids: list[str], key: str,
                    title: str = "Embeddings") -> list[str]:
    """Projection controls, a WebGL scatter coloured by a chosen column, and the ids of box/lasso-selected points."""
    from biofm.embed import project, scatter_figure
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
        proj = project(embeddings, method, perplexity=float(perplexity), seed=0)
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


@st.cache_resource
def review_store():
    from biofm.review import ReviewStore

    return ReviewStore(settings().database_url)


def send_to_review(task: str, preds, spec: ModelSpec, key: str) -> None:
    """A button that stores this batch for review and says where to find it."""
    from biofm.review.items import items_from_predictions

    if st.button("Send this batch to review", key=f"{key}-send-review"):
        batch_id = review_store().add_batch(task, spec.name, spec.version, list(spec.labels),
                                            items_from_predictions(task, preds), source=key)
        st.session_state["review-batch"] = batch_id
        st.success(f"Batch {batch_id} ({len(preds.ids)} items) is ready to review.")
        st.page_link("pages/5_Review.py", label="Open the review page", icon=":material/fact_check:")


def batch_map(task: str, preds, records, spec: ModelSpec, key: str) -> None:
    """The embedding map of a batch; selected points listed, one of them explained."""
    from biofm.embed.columns import colour_columns

    chosen = embedding_panel(preds.embeddings, colour_columns(task, preds, records), preds.texts, preds.ids,
                             key=f"{key}-map", title="Batch embeddings")
    if not chosen:
        st.caption("Select points with the box or lasso tool to list them here.")
        return
    rows = [i for i, rid in enumerate(preds.ids) if rid in set(chosen)]
    st.dataframe(pd.DataFrame({"id": [preds.ids[i] for i in rows], "text": [preds.texts[i][:160] for i in rows]}),
                 hide_index=True, key=f"{key}-map-selected")
    pick = st.selectbox("Explain one of them", rows, format_func=lambda i: preds.ids[i], key=f"{key}-map-pick")
    if task == "text-classify":
        explanation_panel(spec, preds.texts[pick], list(preds.label_names), key=f"{key}-map-explain")
    elif task == "reports":
        from biofm.reports import OBSERVATIONS

        explanation_panel(spec, preds.texts[pick], list(OBSERVATIONS), key=f"{key}-map-explain")
    elif preds.entities[pick]:
        from biofm.explain import Target

        text = preds.texts[pick]
        explanation_panel(spec, text, [Target(e.label, e.start, e.end) for e in preds.entities[pick]],
                          key=f"{key}-map-explain", format_target=lambda t: f"{text[t.start:t.end]} ({t.label})")


def run_batch(task: str, spec: ModelSpec | None, read, key: str, progress_text: str) -> None:
    """Read the input and run the task's model once; the result lands in ``st.session_state[f"{key}-result"]``."""
    from biofm.io import InputError
    from biofm.tasks import task_adapter

    if read is None:
        return
    if spec is None:
        st.error("Choose a model first.")
        return
    try:
        result = read()
    except InputError as exc:
        st.error(str(exc))
        st.session_state.pop(f"{key}-result", None)
        return
    preds = None
    if result.records:
        preds = task_adapter(task)(loaded_model(spec)).predict(result.records, batch_size=settings().batch_size,
                                                               progress=progress_callback(progress_text))
    st.session_state[f"{key}-result"] = {"task": task, "preds": preds, "errors": result.errors, "spec": spec,
                                         "records": result.records}


def batch_result(key: str, task: str | None = None) -> dict | None:
    """The stored result of :func:`run_batch`, with its row errors shown; stops the page when nothing was read."""
    state = st.session_state.get(f"{key}-result")
    if not state or (task is not None and state.get("task") != task):
        return None
    show_row_errors(state["errors"])
    if state["preds"] is None:
        st.error("No readable documents: see the row errors above.")
        st.stop()
    return state
