"""Load a model once per process: pick the device and precision, build the network through a builder, cache it.

The builder comes from the model's task (the task registry); this module knows no task. Loaded models are cached
(an LRU keyed by spec, builder, device and precision) and must be treated as read-only by callers.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch

from biofm.models.sources import pretrained, pretrained_weights, resolve_base
from biofm.models.spec import EMBEDDED_BASE, ModelSpec

Builder = Callable[[ModelSpec, torch.device], tuple[object, torch.nn.Module]]


@dataclass
class LoadedModel:
    spec: ModelSpec
    tokenizer: object
    model: torch.nn.Module
    device: torch.device
    precision: str


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


def merge_adapter(model: torch.nn.Module, location: str) -> torch.nn.Module:
    """Apply a PEFT adapter from ``location`` and merge it into the weights (inference never pays for LoRA)."""
    from peft import PeftModel

    from biofm.models.sources import require_safetensors

    require_safetensors(location, "adapter_model.safetensors")
    with warnings.catch_warnings():  # peft asks transformers a deprecated question on every load: not the user's
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.* is deprecated", category=FutureWarning)
        return PeftModel.from_pretrained(model, location, is_trainable=False).merge_and_unload()


def adapter_heads(location: str) -> tuple[str, ...]:
    """The modules a PEFT adapter saves whole (``modules_to_save``: the task head), from its adapter_config.json."""
    import json

    try:
        config = json.loads((Path(location) / "adapter_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    return tuple(config.get("modules_to_save") or ())


def build_hf(spec: ModelSpec, auto_class, **kwargs) -> tuple[object, torch.nn.Module]:
    """Tokenizer and eval-mode ``auto_class`` model for a spec: a full model, or an adapter merged into its base."""
    from transformers import AutoTokenizer

    if spec.adapter:
        base = resolve_base(spec.base or EMBEDDED_BASE)
        tok_dir = spec.location if (Path(spec.location) / "tokenizer.json").is_file() else base
        tokenizer = pretrained(AutoTokenizer.from_pretrained, tok_dir)
        # the base has no head for this task: the adapter brings it (its modules_to_save), so say nothing of it
        model = pretrained_weights(auto_class.from_pretrained, base, heads=adapter_heads(spec.location),
                                   use_safetensors=True, **kwargs)
        model = merge_adapter(model, spec.location)
    else:
        tokenizer = pretrained(AutoTokenizer.from_pretrained, spec.location)
        model = pretrained_weights(auto_class.from_pretrained, spec.location, use_safetensors=True)
    return tokenizer, model


def build_labelled(spec: ModelSpec, auto_class) -> tuple[object, torch.nn.Module]:
    """:func:`build_hf` for a classifier head whose label names are the spec's labels."""
    labels = dict(enumerate(spec.labels))
    return build_hf(spec, auto_class, num_labels=len(labels), id2label=labels,
                    label2id={v: k for k, v in labels.items()})


@lru_cache(maxsize=6)
def _load_cached(spec: ModelSpec, build: Builder, device: str, precision: str) -> LoadedModel:
    dev = pick_device(device)
    tokenizer, model = build(spec, dev)
    model.float().to(dev).eval()
    return LoadedModel(spec, tokenizer, model, dev, pick_precision(dev, precision))


def load_model(spec: ModelSpec, build: Builder, device: str = "auto", precision: str = "auto") -> LoadedModel:
    """Load (once per process) the model a spec describes, with the task's builder."""
    return _load_cached(spec, build, device, precision)


def clear_model_cache() -> None:
    _load_cached.cache_clear()
