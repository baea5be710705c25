"""Model registry (name -> spec) and loading (shipped, local directory, hub id)."""

from biofm.models.loading import LoadedModel, ModelNotAvailableError, embedded_encoder_path, load_model
from biofm.models.registry import ModelSpec, Registry, default_registry

__all__ = [
    "LoadedModel",
    "ModelNotAvailableError",
    "ModelSpec",
    "Registry",
    "default_registry",
    "embedded_encoder_path",
    "load_model",
]
