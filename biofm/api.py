"""The verbs pages, the CLI and batch jobs call: one place that ties registry, loading and task adapters."""

from __future__ import annotations

from collections.abc import Sequence

from biofm.config import Settings, load_settings
from biofm.inference import Progress
from biofm.models.loading import LoadedModel, load_model
from biofm.models.registry import ModelSpec, default_registry
from biofm.records import TextRecord
from biofm.tasks import task_adapter

DEFAULT_MODELS = {"text-classify": "disease-category", "ner": "bc5cdr-ner", "reports": "chexpert-reports", "molecules": "esol"}


def resolve_spec(model: str | ModelSpec | None, task: str, settings: Settings | None = None) -> ModelSpec:
    """A spec from a registered name, a directory, a hub id, or the task's default model."""
    if isinstance(model, ModelSpec):
        return model
    return default_registry(settings).get(model or DEFAULT_MODELS[task], task=task)


def load(model: str | ModelSpec | None, task: str, settings: Settings | None = None) -> LoadedModel:
    settings = settings or load_settings()
    spec = resolve_spec(model, task, settings)
    return load_model(spec, device=settings.device, precision=settings.precision)


def predict(task: str, records: Sequence[TextRecord], model: str | ModelSpec | None = None,
            settings: Settings | None = None, progress: Progress | None = None):
    """Run a task's model over records; returns the task's predictions object (labels, scores, embeddings)."""
    settings = settings or load_settings()
    adapter = task_adapter(task)(load(model, task, settings))
    return adapter.predict(records, batch_size=settings.batch_size, progress=progress)
