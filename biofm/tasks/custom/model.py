"""The custom task's network and its files: a sentence encoder (mean pooling + L2 normalisation, as the
all-MiniLM-L6-v2 card prescribes) and one linear layer over the sentence embedding.

* zero-shot: the layer's rows are the label-description embeddings and its bias is 0, so the logits are cosine
  similarities (calibrated into probabilities afterwards, :mod:`biofm.tasks.custom.zeroshot`);
* few-shot: the layer is the logistic-regression head SetFit fitted (softmax for single-label, one sigmoid per
  label for multi-label), over the contrastively fine-tuned encoder.

A custom model folder::

    labels.json      the label set                                   (0600)
    biofm.json       the spec of the version in use (zero-shot until a version is trained)
    README.md        that version's card
    versions.json    every trained version with its metrics: the learning curve
    v1/, v2/, ...    one folder per trained version: encoder (safetensors), tokenizer, head.safetensors, head.json,
                     biofm.json, README.md, metrics.json

Weights are read and written as safetensors only; head arrays are a safetensors file plus JSON (no pickle).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from biofm.inference import masked_mean
from biofm.models.spec import SPEC_FILE, ModelSpec
from biofm.tasks.custom.labelset import LABELS_FILE, LabelSet, load_label_set

HEAD_FILE = "head.safetensors"
HEAD_JSON = "head.json"
VERSIONS_FILE = "versions.json"
TASK = "custom"
MAX_LENGTH = 256  # the encoder's max_seq_length (sentence_bert_config.json)


@dataclass
class CustomOutput:
    logits: torch.Tensor
    hidden_states: tuple | None = None


class CustomClassifier(nn.Module):
    """Encoder -> masked mean -> L2 normalisation -> linear ``[L, d]``: logits ``[B, L]``."""

    def __init__(self, encoder: nn.Module, weight: torch.Tensor, bias: torch.Tensor) -> None:
        super().__init__()
        self.encoder = encoder
        self.config = encoder.config
        self.head = nn.Linear(weight.shape[1], weight.shape[0])
        with torch.no_grad():
            self.head.weight.copy_(weight)
            self.head.bias.copy_(bias)

    def get_input_embeddings(self) -> nn.Module:
        return self.encoder.get_input_embeddings()

    def pooled(self, input_ids, attention_mask) -> torch.Tensor:
        """Unit-length sentence embeddings ``[B, d]``."""
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        return nn.functional.normalize(masked_mean(out.last_hidden_state, attention_mask).float(), dim=-1)

    def forward(self, input_ids, attention_mask=None, output_hidden_states: bool = False, **_) -> CustomOutput:
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        pooled = nn.functional.normalize(masked_mean(out.last_hidden_state, attention_mask).float(), dim=-1)
        return CustomOutput(self.head(pooled), out.hidden_states if output_hidden_states else None)


def load_encoder(location: str):
    """Tokenizer and eval-mode encoder from a directory (safetensors only) or the embedded/hub base."""
    from transformers import AutoModel, AutoTokenizer

    from biofm.models.sources import pretrained, resolve_base

    base = resolve_base(location) if location.startswith(("embedded:", "hub:")) else location
    tokenizer = pretrained(AutoTokenizer.from_pretrained, base)
    encoder = pretrained(AutoModel.from_pretrained, base, use_safetensors=True)
    return tokenizer, encoder.eval()


@torch.no_grad()
def embed_texts(tokenizer, encoder: nn.Module, texts: list[str], max_length: int = MAX_LENGTH,
                batch_size: int = 32) -> torch.Tensor:
    """Unit-length mean-pooled embeddings ``[n, d]`` of short texts (truncated at ``max_length`` tokens)."""
    out = []
    for i in range(0, len(texts), batch_size):
        enc = tokenizer(texts[i:i + batch_size], padding=True, truncation=True, max_length=max_length,
                        return_tensors="pt")
        h = encoder(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).last_hidden_state
        out.append(nn.functional.normalize(masked_mean(h, enc["attention_mask"]).float(), dim=-1))
    return torch.cat(out) if out else torch.zeros(0, int(encoder.config.hidden_size))


def build_custom(spec: ModelSpec, device=None) -> tuple[object, CustomClassifier]:
    """Tokenizer and :class:`CustomClassifier` for a custom spec (zero-shot or a trained version)."""
    extra = spec.extra or {}
    if extra.get("mode") == "few-shot":
        from safetensors.torch import load_file

        folder = Path(spec.location) / extra.get("weights", ".")
        tokenizer, encoder = load_encoder(str(folder))
        head = load_file(str(folder / HEAD_FILE))
        return tokenizer, CustomClassifier(encoder, head["weight"].float(), head["bias"].float())
    tokenizer, encoder = load_encoder(extra.get("encoder") or "embedded:all-MiniLM-L6-v2")
    desc = embed_texts(tokenizer, encoder, list(extra["prompts"]), max_length=spec.max_length)
    return tokenizer, CustomClassifier(encoder, desc, torch.zeros(desc.shape[0]))


def _digest(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()[:12]


def zero_shot_spec(ls: LabelSet, location: str | Path, name: str | None = None,
                   calibration: dict | None = None) -> ModelSpec:
    """The spec of zero-shot suggestions for a label set (its version is a digest of the set, so an edited set is a
    new model to the loader's cache)."""
    extra = {"mode": "zero-shot", "multi_label": ls.multi_label, "encoder": ls.encoder, "prompts": ls.prompts(),
             "descriptions": ls.descriptions, "label_set": ls.name,
             **({"calibration": calibration} if calibration else {})}
    return ModelSpec(name=name or ls.name, task=TASK, labels=tuple(ls.names), input_kind="text",
                     max_length=MAX_LENGTH, source="local", location=str(location),
                     version="0-" + _digest([ls.to_json(), calibration]),
                     description=f"zero-shot suggestions for the label set {ls.name!r}", extra=extra)


def spec_for(path: str | Path, name: str | None = None) -> ModelSpec:
    """The spec ``--labels PATH`` names: a model folder's version in use (its ``biofm.json``), or zero-shot for a
    label-set file or a folder holding only ``labels.json``."""
    from biofm.models.registry import spec_from_dir

    path = Path(path).expanduser().resolve()
    if path.is_dir() and (path / SPEC_FILE).is_file():
        spec = spec_from_dir(path)
        if spec.task != TASK:
            raise ValueError(f"{path} is a {spec.task} model, not a custom one")
        return spec
    ls = load_label_set(path)
    return zero_shot_spec(ls, path if path.is_dir() else path.parent, name=name or ls.name)


def folder_label_set(spec: ModelSpec) -> LabelSet | None:
    """The label set stored beside a model (None when the spec came from a bare label-set file elsewhere)."""
    for folder in (Path(spec.location), Path(spec.location).parent):
        if (folder / LABELS_FILE).is_file():
            return load_label_set(folder)
    return None


def write_zero_shot(folder: str | Path, ls: LabelSet, name: str | None = None, calibration: dict | None = None
                    ) -> Path:
    """Create a custom model folder in zero-shot state: ``labels.json`` (0600) and a ``biofm.json`` whose mode is
    zero-shot, so the registry lists it before any training. A folder that already has trained versions keeps its
    current version (only the label set file is rewritten)."""
    from biofm.models.spec import write_spec
    from biofm.tasks.custom.labelset import save_label_set

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_label_set(ls, folder / LABELS_FILE)
    if not (folder / VERSIONS_FILE).is_file():
        spec = zero_shot_spec(ls, folder, name or folder.name, calibration)
        write_spec(folder, name=spec.name, task=TASK, labels=spec.labels, input_kind="text",
                   max_length=spec.max_length, version=spec.version, metrics={}, extra=spec.extra)
        (folder / "README.md").write_text(zero_shot_card(spec.name, ls), encoding="utf-8")
    return folder


def zero_shot_card(name: str, ls: LabelSet) -> str:
    rows = "\n".join(f"| {lab.name} | {lab.description.strip()} |" for lab in ls.labels)
    return (f"# {name}\n\nZero-shot suggestions for the label set **{ls.name}** "
            f"({'multi' if ls.multi_label else 'single'}-label): no reviewed examples yet.\n\n"
            f"| label | description |\n|---|---|\n{rows}\n\n## Method\n\nEach note and each `label: description` "
            f"is embedded with `{ls.encoder}` (mean pooling, L2-normalised); the cosine similarities are calibrated "
            "per label over the batch (see `biofm/tasks/custom/zeroshot.py`). Review some notes and train a "
            "few-shot version (`biofm train custom`) for real accuracy.\n")


def read_versions(folder: str | Path) -> list[dict]:
    path = Path(folder) / VERSIONS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []


def save_head(folder: Path, weight: np.ndarray, bias: np.ndarray, info: dict) -> None:
    from safetensors.numpy import save_file

    save_file({"weight": np.ascontiguousarray(weight, np.float32), "bias": np.ascontiguousarray(bias, np.float32)},
              str(folder / HEAD_FILE))
    (folder / HEAD_JSON).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
