"""The verbs pages, the CLI and batch jobs call: read, predict, explain, project, review, train.

Each verb asks the task registry for the task's kind; nothing here names a task.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from biofm.config import Settings, load_settings
from biofm.inference import Progress
from biofm.models.load import LoadedModel, load_model
from biofm.models.registry import Registry, default_registry
from biofm.models.spec import ModelSpec, UnknownModelError
from biofm.tasks import get_task, task_names


def registry(settings: Settings | None = None) -> Registry:
    """Shipped models plus the user's model directories (re-scanned on every call: a few small JSON files)."""
    return default_registry(settings or load_settings())


def resolve_spec(model: str | ModelSpec | None, task: str | None, settings: Settings | None = None) -> ModelSpec:
    """A spec from a registered name, a directory, a hub id, or the task's default model.

    With no task, a plain Hugging Face directory's task is guessed from its labels (BIO tags: entities)."""
    if isinstance(model, ModelSpec):
        return model
    task = task or _guess_task(model)
    if task is None:
        return registry(settings).get(model)
    kind = get_task(task)
    own = kind.resolve_model(model, settings)
    if own is not None:
        return own
    reg = registry(settings)
    if not (model or kind.default_model):  # a task folder ships no model: never the current directory ("")
        mine = reg.names(task)
        raise UnknownModelError(f"the {task} task has no default model: name one with --model (a model directory, "
                                "or a registered name: " + (", ".join(mine) if mine else
                                                            f"none yet; train one with `biofm train {task}`") + ")")
    return reg.get(model or kind.default_model, task=task, input_kind=kind.input_kind)


def _guess_task(model: str | None) -> str | None:
    import json

    from biofm.models.spec import SPEC_FILE, config_labels
    from biofm.tasks import guess_task

    path = Path(model or "").expanduser()
    if not model or not (path / "config.json").is_file() or (path / SPEC_FILE).is_file():
        return None
    return guess_task(config_labels(json.loads((path / "config.json").read_text(encoding="utf-8"))))


def load(model: str | ModelSpec | None, task: str, settings: Settings | None = None) -> LoadedModel:
    """The task's model, loaded once per process with the task's builder (read-only: never train it)."""
    settings = settings or load_settings()
    spec = resolve_spec(model, task, settings)
    return load_model(spec, get_task(spec.task).build, device=settings.device, precision=settings.precision)


def read(task: str, path: str | Path, **options):
    """Records and row errors of a file, by the task's reader."""
    return get_task(task).read(path, **options)


def predict(task: str, records: Sequence, model: str | ModelSpec | LoadedModel | None = None,
            settings: Settings | None = None, progress: Progress | None = None, **options):
    """Run a task's model over records: the task's predictions (labels, scores, pooled embeddings) in one pass."""
    settings = settings or load_settings()
    loaded = model if isinstance(model, LoadedModel) else load(model, task, settings)
    return get_task(task).adapter(loaded, **options).predict(records, batch_size=settings.batch_size or None,
                                                             max_tokens=settings.max_tokens or None,
                                                             progress=progress)


def predict_isolating(task: str, records: Sequence, model: LoadedModel, settings: Settings | None = None,
                      progress: Progress | None = None, **options):
    """:func:`predict`, and when the batch fails, each record alone, so one bad record costs only itself.

    Returns ``(records predicted, predictions, row errors of the records that failed)``; the failures' tracebacks
    go to the log. ``progress(done, total)`` counts records in both passes (the second starts again at 0)."""
    import logging

    from biofm.records import RowError, record_row

    try:
        return list(records), predict(task, records, model, settings, progress, **options), []
    except Exception:  # noqa: BLE001  (isolate the failing rows; the others go on)
        logging.getLogger(__name__).exception("a %s batch of %d failed; retrying one record at a time", task,
                                              len(records))
    good, parts, failed = [], [], []
    for k, r in enumerate(records):
        if progress:
            progress(k, len(records))
        try:
            parts.append(predict(task, [r], model, settings, **options))
            good.append(r)
        except Exception as exc:  # noqa: BLE001
            logging.getLogger(__name__).exception("record %s failed", getattr(r, "id", "?"))
            failed.append(RowError(record_row(r), "row", f"prediction failed: {str(exc)[:300]}",
                                   getattr(r, "meta", {}).get("source", "")))
    if not parts:
        return [], predict(task, [], model, settings, **options), failed
    preds = type(parts[0]).concat(parts)
    preds.rejected = [e for p in parts for e in p.rejected]
    return good, preds, failed


def explain(task: str, loaded: LoadedModel, text: str, target=None, method: str = "ig", **options):
    """Attributions for one input and target (words, entities or atoms, as the task explains)."""
    return get_task(task).explain(loaded, text, target, method, **options)


def explainer(loaded: LoadedModel) -> LoadedModel:
    """A private copy of a model for explanations, so Captum's hooks never touch the model serving predictions."""
    from biofm.explain.attribution import explanation_copy

    return explanation_copy(loaded)


def project(embeddings, method: str = "tsne", progress: Progress | None = None, **options):
    """2-D coordinates of a batch's pooled embeddings (t-SNE, PCA or UMAP by name); t-SNE reports its optimisation
    iterations to ``progress(done, total)``."""
    from biofm.embed import project as _project

    return _project(embeddings, method, progress=progress, **options)


def colour_columns(task: str, preds, records) -> dict[str, list]:
    """What a map of this batch can be coloured by: the task's columns, then every extra input column."""
    from biofm.embed.columns import input_columns

    return {**get_task(task).colour_columns(preds, records), **input_columns(records)}


def review_items(task: str, preds) -> list[dict]:
    """Predictions as review items (the task's codec)."""
    return get_task(task).codec.items(preds)


def send_to_review(store, task: str, preds, spec: ModelSpec, source: str = "") -> int:
    """Store a prediction batch for review; returns the batch id."""
    return store.add_batch(task, spec.name, spec.version, list(spec.labels), review_items(task, preds), source=source)


def evaluate(task: str, loaded: LoadedModel, records: Sequence) -> dict:
    """The model's scores on labelled records (a table row: headline metrics, then per label)."""
    return get_task(task).evaluate(loaded, records)


def train(task: str, config: dict, progress: Callable[[dict], None] | None = None,
          should_stop: Callable[[], bool] | None = None) -> str:
    """Train the task's model from a config (options over the task's defaults); returns a one-line summary."""
    from biofm.models.registry import check_model_name
    from biofm.ranges import check_options

    kind = get_task(task)
    config = check_options(kind.training_config(config))
    name = config.get("name") or Path(config.get("out") or "").name
    reg = registry()
    problem = check_model_name(name, reg)
    if problem:
        raise ValueError(f"{problem} (the model's name is --name, or --out's last folder)")
    if config.get("out"):
        from biofm.models.registry import check_training_out, trained_models_dir

        s = load_settings()
        problem = check_training_out(config["out"], reg, (*s.model_dirs, trained_models_dir(s)))
        if problem:
            raise ValueError(f"--out {problem}")
    return kind.train(config, progress=progress, should_stop=should_stop)


__all__ = ["colour_columns", "evaluate", "explain", "explainer", "load", "predict", "project", "read", "registry",
           "resolve_spec", "review_items", "send_to_review", "task_names", "train"]
