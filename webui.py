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


@st.cache_resource
def registry() -> Registry:
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
    names = registry().names(task)
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
