"""Pieces every trainer shares: seeding, splits, schedules, file hashes, model cards."""

from __future__ import annotations

import hashlib
import random
import json
import warnings
from collections import Counter
from dataclasses import dataclass
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from biofm.models.spec import EMBEDDED_BASE


class TrainingDataError(ValueError):
    """The training data cannot be used (found before training starts)."""


def duration(seconds: float) -> str:
    """``45 s``, ``3 min 05 s``, ``1 h 02 min``: an elapsed time or ETA in words a reader takes in at a glance."""
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def seed_everything(seed: int) -> None:
    from transformers import set_seed

    set_seed(seed)


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def stratified_split(labels: Sequence[str], dev_fraction: float, seed: int,
                     min_dev_per_class: int = 0) -> tuple[list[int], list[int]]:
    """Indices of a stratified train/dev split; every class keeps at least one training example.

    ``min_dev_per_class``: a small file still gets that many dev examples of a class (at most a quarter of the
    class), so a 60-row file is judged on 15 rows rather than 10."""
    rng = np.random.default_rng(seed)
    by_class: dict[str, list[int]] = {}
    for i, lab in enumerate(labels):
        by_class.setdefault(lab, []).append(i)
    train, dev = [], []
    for lab in sorted(by_class):
        idx = np.array(by_class[lab])
        rng.shuffle(idx)
        n_dev = max(int(round(len(idx) * dev_fraction)), min(min_dev_per_class, len(idx) // 4))
        n_dev = min(n_dev, len(idx) - 1)
        dev.extend(idx[:n_dev].tolist())
        train.extend(idx[n_dev:].tolist())
    return sorted(train), sorted(dev)


def check_labels(labels: Sequence[str | None], what: str = "training file",
                 rows: Sequence[int] | None = None) -> list[str]:
    """Sorted label set; refuses missing labels (named by their file ``rows``) and single-class data."""
    missing = [rows[i] if rows else i + 1 for i, lab in enumerate(labels) if lab is None or str(lab).strip() == ""]
    if missing:
        raise TrainingDataError(f"{what}: {len(missing)} rows have no label (first rows: {missing[:5]})")
    counts = Counter(labels)
    if len(counts) < 2:
        raise TrainingDataError(f"{what}: needs at least two classes, found {sorted(counts)}")
    return sorted(counts)


def linear_schedule(optimizer: torch.optim.Optimizer, warmup: int, total: int):
    """Linear warm-up then linear decay to zero (transformers' schedule)."""
    from transformers import get_linear_schedule_with_warmup

    return get_linear_schedule_with_warmup(optimizer, warmup, total)


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def fit(model: torch.nn.Module, *, n_examples: int, batch: Callable[[list[int]], torch.Tensor],
        evaluate: Callable[[], dict], metric: str, epochs: int, lr: float, batch_size: int, seed: int,
        weight_decay: float = 0.01, warmup_fraction: float = 0.1, patience: int = 3,
        progress: Callable[[dict], None] | None = None, should_stop: Callable[[], bool] | None = None,
        checkpoint_dir: Path | None = None, resume: bool = False) -> dict:
    """The training loop every trainer shares, on transformers' ``Trainer`` (:mod:`biofm.train.loop`).

    ``batch(indices)`` returns the mean loss (a 0-d tensor) of those training examples, ``indices`` being a list of
    at most ``batch_size`` ints below ``n_examples`` (forward under the caller's autocast); ``evaluate()`` returns
    the dev metrics, a dict holding the float ``metric`` (higher is better). Trainer's AdamW (``adamw_torch``, weight
    decay on all but biases and LayerNorm weights), a linear warm-up over ``warmup_fraction`` of the steps then
    linear decay, gradient clipping at 1.0; a dev evaluation after every epoch, early stopping after ``patience``
    epochs without improvement (``EarlyStoppingCallback``), and the best epoch's weights loaded back at the end
    (``load_best_model_at_end``). The model stays on its device (``use_cpu`` when that is the CPU); ``seed`` seeds
    Trainer (shuffling, dropout).

    Checkpoints: with ``checkpoint_dir`` Trainer saves ``checkpoint_dir/checkpoint-<step>/`` after every epoch (model
    weights in safetensors: ``model.safetensors``, or ``adapter_model.safetensors`` for a PEFT model; optimizer,
    scheduler and RNG state as torch files that resume loads with ``weights_only=True``; ``trainer_state.json``), at
    most the last and the best, plus ``fit_history.json`` (the history and each epoch's dev metrics); all of it is
    removed on success. ``resume`` continues from the newest checkpoint there after a crash or a cancel (a run whose
    early stopping had already ended trains no further); without a checkpoint it starts afresh. Without
    ``checkpoint_dir`` the best epoch's weights go to a temporary folder, removed at the end.

    ``progress`` receives step events (``epoch, epochs, step, total_steps, loss, elapsed_s, eta_s``), an ``epoch``
    event after each evaluation (its history entry) and ``early_stop``; ``should_stop()`` is asked after every step
    and a True answer raises ``KeyboardInterrupt("training cancelled")`` (the checkpoint of the last whole epoch
    stays for ``resume``).

    Returns ``{"dev": best epoch's metrics + "epoch", "history": [{epoch, step, train_loss, dev_<metric>,
    dev_<other float metrics>, seconds}, ...]}``.
    """
    from biofm.train.loop import run

    return run(model, n_examples=n_examples, batch=batch, evaluate=evaluate, metric=metric, epochs=epochs, lr=lr,
               batch_size=batch_size, seed=seed, weight_decay=weight_decay, warmup_fraction=warmup_fraction,
               patience=patience, progress=progress, should_stop=should_stop,
               checkpoint_dir=None if checkpoint_dir is None else Path(checkpoint_dir), resume=resume)


LORA_TARGETS = ["query", "key", "value", "dense"]


@dataclass
class TrainConfig:
    base: str = EMBEDDED_BASE
    method: str = "lora"  # lora | full
    epochs: int = 8
    lr: float | None = None  # default: 5e-4 for LoRA, 5e-5 for full
    batch_size: int = 16
    max_length: int = 256
    seed: int = 13
    weight_decay: float = 0.01
    warmup_fraction: float = 0.1
    patience: int = 3
    lora_r: int = 16
    lora_alpha: int = 32
    class_weights: bool = False
    resume: bool = False
    device: str = "auto"
    precision: str = "auto"

    @classmethod
    def from_options(cls, config: dict, **overrides) -> "TrainConfig":
        """The fields of a task's training config (other keys are the task's own)."""
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in {**config, **overrides}.items() if k in names and v is not None})

    @property
    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else (5e-4 if self.method == "lora" else 5e-5)



AUTO_BASE = "auto"  # a task's default: its shipped model when the file's labels are among that model's labels


def start_model(base: str, task: str, default_model: str | None, labels: Sequence[str]):
    """The registered model a run adapts (its spec), or None to train a new head on a bare encoder.

    ``base`` is ``auto`` (the task's ``default_model`` when every label of the file is one of its labels), a
    registered model name, or a model directory with ``biofm.json``; anything else (``embedded:...``, a plain
    Hugging Face directory or hub id) is an encoder and gives None. Raises TrainingDataError when a named model is
    for another task or lacks some of the file's labels (its classifier has no output for them).
    """
    from biofm.config import load_settings
    from biofm.models.registry import default_registry, spec_from_dir
    from biofm.models.spec import SPEC_FILE

    if base == AUTO_BASE:
        if not default_model:
            return None
        reg = default_registry(load_settings())
        spec = reg.get(default_model) if default_model in reg.names() else None
        return spec if spec is not None and spec.task == task and set(labels) <= set(spec.labels) else None
    if (Path(base).expanduser() / SPEC_FILE).is_file():
        spec = spec_from_dir(Path(base).expanduser())
    else:
        reg = default_registry(load_settings())
        if base not in reg.names():
            return None
        spec = reg.get(base)
    if spec.task != task:
        raise TrainingDataError(f"--base {base}: {spec.name} is a {spec.task} model, not {task}")
    extra = sorted(set(labels) - set(spec.labels))
    if extra:
        raise TrainingDataError(f"--base {base}: {spec.name} has no output for the label(s) {extra} of the training "
                                f"file; give --base embedded to train a new classifier on the encoder")
    return spec


def encoder_base(base: str) -> str:
    """``embedded`` is the embedded encoder; ``auto`` with no model to adapt falls back to it too."""
    return EMBEDDED_BASE if base in ("embedded", AUTO_BASE) else base


def build_trainable(cfg: TrainConfig, auto_class, peft_task: str, labels: list[str], device: torch.device,
                    start=None):
    """Tokenizer and a trainable ``auto_class`` model; LoRA-wrapped (PEFT ``peft_task``) for lora.

    With ``start`` (a registered model's spec) training continues from that model: a LoRA adapter goes on being
    trained (full fine-tuning starts from it merged into its base), a full model is loaded with its classifier.
    ``labels`` must then be ``start.labels`` (its classifier's outputs, in order). Otherwise a new head of
    ``len(labels)`` outputs goes on the encoder ``cfg.base``.
    """
    from transformers import AutoTokenizer

    from biofm.models.sources import pretrained, pretrained_weights, require_safetensors, resolve_base

    if cfg.method not in ("lora", "full"):
        raise ValueError(f"method must be 'lora' or 'full', got {cfg.method!r}")
    head = {"num_labels": len(labels), "id2label": dict(enumerate(labels)),
            "label2id": {l: i for i, l in enumerate(labels)}, "use_safetensors": True}
    if start is not None and start.adapter:
        base = resolve_base(start.base or EMBEDDED_BASE)
        tok_dir = start.location if (Path(start.location) / "tokenizer.json").is_file() else base
        tokenizer = pretrained(AutoTokenizer.from_pretrained, tok_dir)
        model = pretrained_weights(auto_class.from_pretrained, base, heads=("classifier",), **head)  # the adapter's
        require_safetensors(start.location, "adapter_model.safetensors")
        from peft import PeftModel

        with warnings.catch_warnings():  # peft asks transformers a deprecated question on every load
            warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.* is deprecated",
                                    category=FutureWarning)
            model = PeftModel.from_pretrained(model, start.location, is_trainable=cfg.method == "lora")
        if cfg.method == "full":
            model = model.merge_and_unload()
            for p in model.parameters():
                p.requires_grad_(True)
        else:
            lora = next(iter(model.peft_config.values()))
            cfg.lora_r, cfg.lora_alpha = lora.r, lora.lora_alpha  # the adapter's own shape (for the card)
        return tokenizer, model.to(device)
    base = start.location if start is not None else resolve_base(encoder_base(cfg.base))
    tokenizer = pretrained(AutoTokenizer.from_pretrained, base)  # safetensors only; a clear error offline
    # a new head on the encoder is expected to start untrained (no load report for it); a model continued whole
    # must load every weight (its report, if any, is shown)
    model = pretrained_weights(auto_class.from_pretrained, base, heads=("classifier",) if start is None else (),
                               ignore_mismatched_sizes=start is None, **head)
    if cfg.method == "lora":
        from peft import LoraConfig, TaskType, get_peft_model

        with warnings.catch_warnings():  # peft asks transformers a deprecated question
            warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.* is deprecated",
                                    category=FutureWarning)
            model = get_peft_model(model, LoraConfig(task_type=getattr(TaskType, peft_task), r=cfg.lora_r, lora_alpha=cfg.lora_alpha,
                                                     lora_dropout=0.1, target_modules=LORA_TARGETS))
    return tokenizer, model.to(device)


def fit_config(model: torch.nn.Module, cfg: TrainConfig, n_examples: int, batch, evaluate, metric: str,
               out_dir: str | Path, progress=None, should_stop=None) -> dict:
    """:func:`fit` with a TrainConfig's schedule, checkpoints under ``out_dir/checkpoint``."""
    return fit(model, n_examples=n_examples, batch=batch, evaluate=evaluate, metric=metric, epochs=cfg.epochs,
               lr=cfg.learning_rate, batch_size=cfg.batch_size, seed=cfg.seed, weight_decay=cfg.weight_decay,
               warmup_fraction=cfg.warmup_fraction, patience=cfg.patience, progress=progress,
               should_stop=should_stop, checkpoint_dir=Path(out_dir) / "checkpoint", resume=cfg.resume)


def write_results(out: Path, result: dict) -> None:
    """metrics.json and the per-epoch train_log.jsonl beside the weights."""
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "metrics.json", result)
    (out / "train_log.jsonl").write_text("".join(json.dumps(h) + "\n" for h in result.get("history", [])),
                                         encoding="utf-8")


def save_weights(model: torch.nn.Module, tokenizer, out: Path, method: str, base: str = "") -> None:
    """LoRA: the adapter (plus trained head) only. Full: fp16 safetensors and the tokenizer, to ship small."""
    if method == "lora":
        for peft_cfg in getattr(model, "peft_config", {}).values():
            peft_cfg.base_model_name_or_path = base  # the spec's base name, not this machine's path
        with warnings.catch_warnings():  # the base is biofm's embedded encoder, which peft cannot look up by name
            warnings.filterwarnings("ignore", message="Could not find a config file in embedded:", category=UserWarning)
            model.save_pretrained(out, safe_serialization=True)
        return
    model.to(torch.float16).save_pretrained(out, safe_serialization=True)
    model.float()
    tokenizer.save_pretrained(out)


def seeded_split(items: Sequence, fraction: float, seed: int) -> tuple[list, list]:
    """(train, dev): a seeded random ``fraction`` of the items for dev, at least one (for unlabelled tasks)."""
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    cut = max(1, int(round(len(order) * fraction)))
    return [items[i] for i in order[cut:]], [items[i] for i in order[:cut]]


def compare_with(reference: dict | None, new: dict, n_dev: int) -> dict | None:
    """Both models' dev scores on the same rows; ``worse`` when the new one's macro-F1 is lower."""
    if reference is None:
        return None
    return {"dev_rows": n_dev, "new": new, "reference": reference,
            "worse": new["macro_f1"] < reference["macro_f1"] - 1e-9}


def comparison_lines(comparison: dict | None) -> list[str]:
    """Plain-text lines for the CLI and the job panel: both scores, and a warning when the new model is worse."""
    if not comparison:
        return []
    new, ref, n = comparison["new"], comparison["reference"], comparison["dev_rows"]
    lines = [f"on the same {n} dev rows: {new['model']} macro-F1 {new['macro_f1']:.4f}, accuracy {new['accuracy']:.4f}; "
             f"{ref['model']} ({ref['relation']}) macro-F1 {ref['macro_f1']:.4f}, accuracy {ref['accuracy']:.4f}"]
    if comparison["worse"]:
        what = "the model it started from" if ref["relation"] == "started from" else "the shipped model"
        lines.append(f"WARNING: {new['model']} is worse than {ref['model']} ({what}) on the same {n} dev rows: "
                     f"keep using {ref['model']}, or train on more data or with other settings")
    return lines
