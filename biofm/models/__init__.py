"""Models, task-free: specs, weight sources (embedded, local directory, hub id), loading and the registry."""

from biofm.models.load import LoadedModel, load_model, pick_device, pick_precision
from biofm.models.registry import Registry, default_registry, spec_from_dir, trained_models_dir
from biofm.models.sources import ModelNotAvailableError, embedded_encoder_path
from biofm.models.spec import EMBEDDED_BASE, SPEC_FILE, ModelSpec, UnknownModelError, write_spec

__all__ = [
    "EMBEDDED_BASE", "SPEC_FILE", "LoadedModel", "ModelNotAvailableError", "ModelSpec", "Registry",
    "UnknownModelError", "default_registry", "embedded_encoder_path", "load_model", "pick_device", "pick_precision",
    "spec_from_dir", "trained_models_dir", "write_spec",
]
