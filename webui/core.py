"""Cached settings, registry and models; model picker; the device line (progress bars: :mod:`webui.progress`)."""

from __future__ import annotations

import streamlit as st

from biofm import api
from biofm.config import PROJECT_ROOT, Settings, load_settings
from biofm.models import LoadedModel, ModelSpec, Registry, UnknownModelError, load_model, pick_device, pick_precision
from biofm.tasks import get_task

LOCAL_DIR_OPTION = "Model directory or hub id…"
NO_MODEL = {"custom": "No label set of your own yet: define one on the 'Your own labels' page (it is listed here at "
                      "once), or give a custom model folder below."}  # tasks without a shipped model
# a local file: Streamlit fetches ":material/..." favicons from a font host, and the app must work offline
FAVICON = str(PROJECT_ROOT / "assets" / "favicon.png")


@st.cache_resource
def folder_tasks() -> list[str]:
    """Tasks that run (the predict verb) but have no page of their own: the More tasks page runs them."""
    from biofm.tasks import task_names

    return [t for t in task_names("predict") if not get_task(t).page]


def skipped_task_folders() -> dict[str, str]:
    """Task folders of ``BIOFM_TASK_DIRS`` that did not load -> why (:data:`biofm.tasks.SKIPPED_FOLDERS`)."""
    from biofm.tasks import SKIPPED_FOLDERS

    return dict(SKIPPED_FOLDERS)


def settings() -> Settings:
    return load_settings()


def registry() -> Registry:
    """Re-scanned on every run (a few small JSON files), so freshly trained models appear everywhere at once."""
    return api.registry(settings())


@st.cache_resource(show_spinner="Loading model…")
def loaded_model(spec: ModelSpec) -> LoadedModel:
    """One read-only model per process: never train it or attach hooks to it."""
    s = settings()
    return load_model(spec, get_task(spec.task).build, device=s.device, precision=s.precision)


@st.cache_resource(show_spinner="Preparing the explainer…")
def explainer_model(spec: ModelSpec) -> LoadedModel:
    """A private copy of the model for Captum (its hooks never touch the model that serves predictions)."""
    return api.explainer(loaded_model(spec))


def device_summary() -> str:
    s = settings()
    dev = pick_device(s.device)
    name = "CPU"
    if dev.type == "cuda":
        import torch

        name = f"GPU: {torch.cuda.get_device_name(dev)}"
    from biofm.inference import engine_limits

    rows, tokens = engine_limits(dev, s.batch_size or None, s.max_tokens or None)
    return f"{name} · precision {pick_precision(dev, s.precision)} · batches of up to {rows} rows and {tokens:,} tokens"


def model_picker(task: str, key: str) -> ModelSpec | None:
    """Selectbox of registered models for a task (its default first), plus a free-text directory/hub id."""
    kind = get_task(task)
    names = registry().names(task)
    default = kind.default_model
    names = ([default] if default in names else []) + [n for n in names if n != default]
    if not names:
        st.info(NO_MODEL.get(task, f"No {kind.title} model is registered yet: train one on the Models and training "
                                   "page, or give a model directory below."))
    choice = st.selectbox("Model", names + [LOCAL_DIR_OPTION], key=f"{key}-model")
    if choice != LOCAL_DIR_OPTION:
        return registry().get(choice)
    where = st.text_input("Model directory or hub id (owner/name)", key=f"{key}-model-path")
    if not where.strip():
        return None
    try:
        return registry().get(where.strip(), task=task, input_kind=kind.input_kind)
    except (UnknownModelError, RuntimeError) as exc:
        st.error(md(exc))
        return None


from webui.text import md  # noqa: E402,F401  (the one helper for user text; kept importable from here)
