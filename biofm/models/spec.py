"""Model specs: everything a page needs to know about a model, read from and written to ``biofm.json``."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

SPEC_FILE = "biofm.json"
CARD_FILE = "README.md"
EMBEDDED_BASE = "embedded:all-MiniLM-L6-v2"


class UnknownModelError(LookupError):
    pass


# metric-key words as the field writes them (a key is words joined by "_": "test_roc_auc" -> "test ROC-AUC")
METRIC_WORDS = {"macro f1": "macro-F1", "roc auc": "ROC-AUC", "f1": "F1", "rmse": "RMSE", "mae": "MAE",
                "heldout": "held-out", "mlm": "MLM"}


def metric_name(key: str) -> str:
    """A ``biofm.json`` metric key in words: ``dev_macro_f1`` -> ``dev macro-F1``, ``heldout_phrasing_macro_f1`` ->
    ``held-out phrasing macro-F1``, ``test_roc_auc`` -> ``test ROC-AUC``."""
    words = f" {key.replace('_', ' ')} "
    for k, v in METRIC_WORDS.items():
        words = words.replace(f" {k} ", f" {v} ")
    return words.strip()


@dataclass(frozen=True)
class ModelSpec:
    """Task, labels, input kind, length, where the weights are, and the card."""

    name: str
    task: str
    labels: tuple[str, ...]
    input_kind: str
    max_length: int
    source: str  # "shipped" | "local" | "hub"
    location: str  # directory or hub id holding the weights (or the adapter)
    base: str | None = None  # base model for adapters: EMBEDDED_BASE, a directory or a hub id
    adapter: bool = False
    version: str = "1"
    description: str = ""
    metrics: dict = field(default_factory=dict, hash=False, compare=False)
    extra: dict = field(default_factory=dict, hash=False, compare=False)  # task-specific settings

    @property
    def card_path(self) -> Path | None:
        path = Path(self.location) / CARD_FILE
        return path if self.source != "hub" and path.is_file() else None

    @property
    def headline(self) -> tuple[str, float] | None:
        """The model's headline metric, ``(name in words, value)``: the first metric of ``biofm.json`` (trainers
        write the held-out figure first; the card and the README quote the same one). None without metrics."""
        for key, value in self.metrics.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return metric_name(key), float(value)
        return None

    def headline_text(self) -> str:
        """``held-out phrasing macro-F1 0.501``, or empty without metrics."""
        head = self.headline
        return f"{head[0]} {head[1]:.3f}" if head else ""

    def metrics_text(self) -> str:
        """Every metric in words, ``dev macro-F1 0.643, dev accuracy 0.938``."""
        return ", ".join(f"{metric_name(k)} {v:.3f}" if isinstance(v, float) else f"{metric_name(k)} {v}"
                         for k, v in self.metrics.items() if v is not None)

    def card_text(self) -> str:
        path = self.card_path
        return path.read_text(encoding="utf-8") if path else f"No model card for {self.name}."

    def to_json(self) -> dict:
        data = asdict(self)
        data["labels"] = list(self.labels)
        return data


def write_spec(out_dir: str | Path, *, name: str, task: str, labels, input_kind: str, max_length: int,
               version: str, metrics: dict, adapter: bool = False, base: str | None = None,
               extra: dict | None = None) -> Path:
    """Write ``biofm.json`` for a trained model (every trainer calls this; none writes the JSON by hand)."""
    data = {"name": name, "task": task, "labels": list(labels), "input_kind": input_kind, "max_length": max_length,
            "adapter": adapter, "base": base if adapter else None, "version": version, "metrics": metrics}
    if extra:
        data["extra"] = extra
    import os

    data["registered_by"] = os.environ.get("BIOFM_ACTING_USER", "")  # the app's signed-in user (a training job)
    path = Path(out_dir) / SPEC_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def spec_from_json(data: dict, path: Path, source: str, input_kind: str = "text") -> ModelSpec:
    base = data.get("base")
    if base and base != EMBEDDED_BASE and not base.startswith("hub:") and not Path(base).is_absolute():
        base = str((path / base).resolve())
    return ModelSpec(
        name=data["name"], task=data["task"], labels=tuple(data["labels"]),
        input_kind=data.get("input_kind", input_kind), max_length=int(data.get("max_length", 256)), source=source,
        location=str(path), base=base, adapter=bool(data.get("adapter", False)), version=str(data.get("version", "1")),
        description=data.get("description", ""), metrics=data.get("metrics", {}), extra=data.get("extra", {}))


def spec_from_config(config: dict, *, name: str, source: str, location: str, task: str,
                     input_kind: str = "text") -> ModelSpec:
    """A spec for a plain Hugging Face model from its ``config.json`` (labels from ``id2label``)."""
    id2label = config.get("id2label") or {"0": "LABEL_0", "1": "LABEL_1"}
    labels = tuple(id2label[k] for k in sorted(id2label, key=lambda k: int(k)))
    max_len = int(config.get("max_position_embeddings", 512))
    return ModelSpec(name=name, task=task, labels=labels, input_kind=input_kind, max_length=min(max_len, 512),
                     source=source, location=location)


def config_labels(config: dict) -> tuple[str, ...]:
    id2label = config.get("id2label") or {}
    return tuple(id2label[k] for k in sorted(id2label, key=lambda k: int(k)))
