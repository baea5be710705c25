"""Model specs and the registry that finds them.

A model directory carries ``biofm.json`` (the spec) and ``README.md`` (the card). Shipped models live in
``assets/models/``; extra directories come from settings (``BIOFM_MODEL_DIRS``). Any Hugging Face directory or
hub id can be used too: its spec is derived from its ``config.json``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from biofm.config import SHIPPED_MODELS_DIR, Settings

SPEC_FILE = "biofm.json"
CARD_FILE = "README.md"
EMBEDDED_BASE = "embedded:all-MiniLM-L6-v2"
TASK_INPUT_KIND = {"text-classify": "text", "ner": "text", "reports": "report", "molecules": "smiles"}


class UnknownModelError(LookupError):
    pass


@dataclass(frozen=True)
class ModelSpec:
    """Everything a page needs to know about a model."""

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

    def card_text(self) -> str:
        path = self.card_path
        return path.read_text(encoding="utf-8") if path else f"No model card for {self.name}."

    def to_json(self) -> dict:
        data = asdict(self)
        data["labels"] = list(self.labels)
        return data


def spec_from_dir(path: Path, source: str = "local", task: str | None = None) -> ModelSpec:
    """Read ``biofm.json`` from a model directory, or derive a spec from a plain Hugging Face ``config.json``."""
    path = Path(path).resolve()
    spec_path = path / SPEC_FILE
    if spec_path.is_file():
        data = json.loads(spec_path.read_text(encoding="utf-8"))
        base = data.get("base")
        if base and base != EMBEDDED_BASE and not base.startswith("hub:") and not Path(base).is_absolute():
            base = str((path / base).resolve())
        return ModelSpec(
            name=data["name"], task=data["task"], labels=tuple(data["labels"]),
            input_kind=data.get("input_kind", TASK_INPUT_KIND.get(data["task"], "text")),
            max_length=int(data.get("max_length", 256)), source=source, location=str(path), base=base,
            adapter=bool(data.get("adapter", False)), version=str(data.get("version", "1")),
            description=data.get("description", ""), metrics=data.get("metrics", {}), extra=data.get("extra", {}),
        )
    config_path = path / "config.json"
    if not config_path.is_file():
        raise UnknownModelError(f"{path} has neither {SPEC_FILE} nor config.json: not a model directory")
    config = json.loads(config_path.read_text(encoding="utf-8"))
    return _spec_from_config(config, name=path.name, source=source, location=str(path), task=task)


def _spec_from_config(config: dict, name: str, source: str, location: str, task: str | None) -> ModelSpec:
    id2label = config.get("id2label") or {"0": "LABEL_0", "1": "LABEL_1"}
    labels = tuple(id2label[k] for k in sorted(id2label, key=lambda k: int(k)))
    task = task or ("ner" if any(str(lbl).startswith(("B-", "I-")) for lbl in labels) else "text-classify")
    max_len = int(config.get("max_position_embeddings", 512))
    return ModelSpec(name=name, task=task, labels=labels, input_kind=TASK_INPUT_KIND.get(task, "text"),
                     max_length=min(max_len, 512), source=source, location=location)


def spec_from_hub(hub_id: str, task: str | None = None) -> ModelSpec:
    """Spec for a Hugging Face hub id; needs the hub (or its local cache) to read the config."""
    from biofm.models.loading import hub_config

    config = hub_config(hub_id)
    return _spec_from_config(config, name=hub_id, source="hub", location=hub_id, task=task)


class Registry:
    """Name -> spec for the shipped models and any extra model directories."""

    def __init__(self, roots: list[Path] | None = None) -> None:
        self._specs: dict[str, ModelSpec] = {}
        for root in roots if roots is not None else [SHIPPED_MODELS_DIR]:
            self.scan(root, source="shipped" if Path(root).resolve() == SHIPPED_MODELS_DIR.resolve() else "local")

    def scan(self, root: Path, source: str = "local") -> None:
        root = Path(root)
        if not root.is_dir():
            return
        candidates = [root] if (root / SPEC_FILE).is_file() else sorted(p for p in root.iterdir() if p.is_dir())
        for path in candidates:
            if (path / SPEC_FILE).is_file():
                self.add(spec_from_dir(path, source=source))

    def add(self, spec: ModelSpec) -> ModelSpec:
        self._specs[spec.name] = spec
        return spec

    def names(self, task: str | None = None) -> list[str]:
        return [n for n, s in self._specs.items() if task is None or s.task == task]

    def specs(self, task: str | None = None) -> list[ModelSpec]:
        return [self._specs[n] for n in self.names(task)]

    def get(self, name_or_path: str, task: str | None = None) -> ModelSpec:
        """A registered name, a local model directory, or a hub id (in that order)."""
        if name_or_path in self._specs:
            spec = self._specs[name_or_path]
        elif Path(name_or_path).expanduser().is_dir():
            spec = spec_from_dir(Path(name_or_path).expanduser(), source="local", task=task)
        elif "/" in name_or_path and not Path(name_or_path).expanduser().exists() and not name_or_path.startswith((".", "/", "~")):
            spec = spec_from_hub(name_or_path, task=task)
        else:
            known = ", ".join(self.names()) or "none"
            raise UnknownModelError(f"unknown model {name_or_path!r}: not a registered name ({known}), "
                                    "a model directory, or a hub id (owner/name)")
        if task is not None and spec.task != task:
            raise UnknownModelError(f"model {spec.name!r} is a {spec.task} model, not {task}")
        return spec


def default_registry(settings: Settings | None = None) -> Registry:
    """Shipped models plus the directories in ``settings.model_dirs``."""
    registry = Registry()
    if settings is not None:
        for root in (*settings.model_dirs, trained_models_dir(settings)):
            registry.scan(Path(root), source="local")
    return registry


def trained_models_dir(settings: Settings) -> Path:
    """Where models trained from the app or the CLI's default output land; always registered."""
    return Path(settings.data_dir) / "models"
