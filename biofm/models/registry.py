"""The model registry: registered names -> specs, for the shipped models and any extra model directories.

A model directory carries ``biofm.json`` (the spec) and ``README.md`` (the card). Shipped models live in
``assets/models/``; extra directories come from settings (``BIOFM_MODEL_DIRS``) and ``<data dir>/models``. Any
Hugging Face directory or hub id can be used too: its spec is derived from its ``config.json`` for the task asked.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from biofm.config import SHIPPED_MODELS_DIR, Settings
from biofm.models.spec import SPEC_FILE, ModelSpec, UnknownModelError, spec_from_config, spec_from_json


def spec_from_dir(path: Path, source: str = "local", task: str | None = None, input_kind: str = "text") -> ModelSpec:
    """Read ``biofm.json`` from a model directory, or derive a spec from a plain Hugging Face ``config.json``."""
    path = Path(path).resolve()
    if (path / SPEC_FILE).is_file():
        return spec_from_json(json.loads((path / SPEC_FILE).read_text(encoding="utf-8")), path, source, input_kind)
    config_path = path / "config.json"
    if not config_path.is_file():
        raise UnknownModelError(f"{path} has neither {SPEC_FILE} nor config.json: not a model directory")
    if task is None:
        raise UnknownModelError(f"{path} has no {SPEC_FILE}: say which task it is for")
    config = json.loads(config_path.read_text(encoding="utf-8"))
    return spec_from_config(config, name=path.name, source=source, location=str(path), task=task,
                            input_kind=input_kind)


def spec_from_hub(hub_id: str, task: str, input_kind: str = "text") -> ModelSpec:
    """Spec for a Hugging Face hub id; needs the hub (or its local cache) to read the config."""
    from biofm.models.sources import hub_config

    return spec_from_config(hub_config(hub_id), name=hub_id, source="hub", location=hub_id, task=task,
                            input_kind=input_kind)


def _looks_like_hub_id(name: str) -> bool:
    return "/" in name and not Path(name).expanduser().exists() and not name.startswith((".", "/", "~"))


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
        subdirs = sorted(p for p in root.iterdir() if p.is_dir())
        # a root is one model only when it is not the shipped folder and holds no model folders: a stray biofm.json
        # at a models root never hides the models inside it
        alone = (root / SPEC_FILE).is_file() and source != "shipped" and not any((p / SPEC_FILE).is_file()
                                                                                for p in subdirs)
        for path in [root] if alone else subdirs:
            if (path / SPEC_FILE).is_file():
                self.add(spec_from_dir(path, source=source))

    def add(self, spec: ModelSpec) -> ModelSpec:
        """Register a spec. A user's model never replaces a shipped one of the same name: it is ``local:NAME``."""
        known = self._specs.get(spec.name)
        if known is not None and known.source == "shipped" and spec.source != "shipped":
            from dataclasses import replace

            spec = replace(spec, name=f"local:{spec.name}")
        self._specs[spec.name] = spec
        return spec

    def names(self, task: str | None = None) -> list[str]:
        return [n for n, s in self._specs.items() if task is None or s.task == task]

    def specs(self, task: str | None = None) -> list[ModelSpec]:
        return [self._specs[n] for n in self.names(task)]

    def get(self, name_or_path: str, task: str | None = None, input_kind: str = "text") -> ModelSpec:
        """A registered name, a local model directory, or a hub id (in that order)."""
        if name_or_path in self._specs:
            spec = self._specs[name_or_path]
        elif Path(name_or_path).expanduser().is_dir():
            spec = spec_from_dir(Path(name_or_path).expanduser(), source="local", task=task, input_kind=input_kind)
        elif _looks_like_hub_id(name_or_path) and task is not None:
            spec = spec_from_hub(name_or_path, task=task, input_kind=input_kind)
        else:
            known = ", ".join(self.names()) or "none"
            raise UnknownModelError(f"unknown model {name_or_path!r}: not a registered name ({known}), "
                                    "a model directory, or a hub id (owner/name)")
        if task is not None and spec.task != task:
            raise UnknownModelError(f"model {spec.name!r} is a {spec.task} model, not {task}")
        return spec


def default_registry(settings: Settings | None = None) -> Registry:
    """Shipped models plus the directories in ``settings.model_dirs`` and ``<data dir>/models``."""
    registry = Registry()
    if settings is not None:
        for root in (*settings.model_dirs, trained_models_dir(settings)):
            registry.scan(Path(root), source="local")
    return registry


def trained_models_dir(settings: Settings) -> Path:
    """Where models trained from the app or the CLI's default output land; always registered."""
    return Path(settings.data_dir) / "models"


def check_training_out(out: str | Path, registry: "Registry", roots=()) -> str | None:
    """Why a training run may not write to ``out`` (None when it may): shipped models are read-only, so ``out`` is
    never inside ``assets/models/`` or a shipped model's folder, never inside another registered model's folder, and
    never a models root itself (``roots``: the folders scanned for models), where it would hide every model."""
    out = Path(out).expanduser().resolve()
    shipped = SHIPPED_MODELS_DIR.resolve()
    if out == shipped or shipped in out.parents:
        return f"{out} is inside the shipped models folder {shipped}; shipped models are read-only, train into " \
               "another folder"
    for root in roots:
        if out == Path(root).expanduser().resolve():
            return f"{out} is a models folder (each model is a folder inside it); give a new folder inside it"
    for spec in registry.specs():
        if spec.source == "hub":
            continue
        home = Path(spec.location).resolve()
        if home in out.parents or (out == home and spec.source == "shipped"):
            return f"{out} is inside the folder of the registered model {spec.name!r} ({home}); train into a new folder"
    return None


MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_model_name(name: str, registry: "Registry") -> str | None:
    """Why ``name`` cannot name a new model (None when it can): letters, digits, '.', '_', '-', starting with a
    letter or digit (so never '.' or '..'), and not the name of a shipped model."""
    if not MODEL_NAME.match(name or ""):
        return ("a model name holds 1-64 letters, digits, '.', '_' or '-' and starts with a letter or digit "
                f"(got {name!r})")
    known = registry._specs.get(name)
    if known is not None and known.source == "shipped" and os.environ.get("BIOFM_RETRAIN_SHIPPED") != "1":
        # scripts/train_shipped_models.sh sets BIOFM_RETRAIN_SHIPPED=1: it trains a shipped model under its own
        # name into runs/shipped/ (never into assets/models: check_training_out still refuses that) and copies it over
        return f"{name!r} is a shipped model; choose another name"
    return None
