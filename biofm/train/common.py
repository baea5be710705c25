"""Pieces every trainer shares: seeding, splits, schedules, file hashes, model cards."""

from __future__ import annotations

import contextlib
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


from biofm.train.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402


def fit(model: torch.nn.Module, *, n_examples: int, batch: Callable[[list[int]], torch.Tensor],
        evaluate: Callable[[], dict], metric: str, epochs: int, lr: float, batch_size: int, seed: int,
        weight_decay: float = 0.01, warmup_fraction: float = 0.1, patience: int = 3,
        progress: Callable[[dict], None] | None = None, should_stop: Callable[[], bool] | None = None,
        checkpoint_dir: Path | None = None, resume: bool = False) -> dict:
    """The training loop every trainer shares.

    ``batch(indices)`` returns the loss of those training examples (forward under the caller's autocast);
    ``evaluate()`` returns dev metrics holding ``metric``. AdamW with weight decay, linear warm-up/decay, gradient
    clipping at 1.0, early stopping on the dev metric; the best epoch's weights are loaded back at the end.
    With ``checkpoint_dir`` the state is saved (safetensors + JSON) after every epoch and removed on success;
    ``resume`` continues from it after a crash or a cancel.
    """
    import time

    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    steps_per_epoch = (n_examples + batch_size - 1) // batch_size
    total = steps_per_epoch * epochs
    scheduler = linear_schedule(optimizer, int(total * warmup_fraction), total)
    gen = torch.Generator().manual_seed(seed)
    history, best, best_state, best_metrics, bad_epochs, step = [], -float("inf"), None, {}, 0, 0
    first_epoch = 1
    if resume and checkpoint_dir is not None and (Path(checkpoint_dir) / "checkpoint.json").is_file():
        meta, best_state = load_checkpoint(Path(checkpoint_dir), model, optimizer, scheduler, gen)
        history, best, best_metrics = meta["history"], meta["best"], meta["best_metrics"]
        bad_epochs, step, first_epoch = meta["bad_epochs"], meta["step"], meta["epoch"] + 1
        if bad_epochs >= patience:
            first_epoch = epochs + 1
    t0 = time.time() - (history[-1]["seconds"] if history else 0.0)
    t_run, step_run = time.time(), step  # this run's pace (a resumed run's earlier steps are not timed here)
    for epoch in range(first_epoch, epochs + 1):
        order = torch.randperm(n_examples, generator=gen).tolist()
        batches = [order[b * batch_size:(b + 1) * batch_size] for b in range(steps_per_epoch)]
        running, step = _epoch(model, params, optimizer, scheduler, batch, batches, step,
                               lambda s, loss: progress and progress({"epoch": epoch, "epochs": epochs, "step": s,
                                                                      "total_steps": total, "loss": loss,
                                                                      **_timing(t_run, s - step_run, total - s)}),
                               should_stop)
        metrics = evaluate()
        entry = {"epoch": epoch, "step": step, "train_loss": float(np.mean(running)), f"dev_{metric}": metrics[metric],
                 **{f"dev_{k}": v for k, v in metrics.items() if isinstance(v, float) and k != metric},
                 "seconds": round(time.time() - t0, 1)}
        history.append(entry)
        if progress:
            progress({**entry, "epochs": epochs, "total_steps": total, "event": "epoch", "metric": metric,
                      **_timing(t_run, step - step_run, total - step)})
        if metrics[metric] > best or best_state is None:  # NaN never beats: keep at least one state
            best, bad_epochs = metrics[metric], 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            best_metrics = {**metrics, "epoch": epoch}
        else:
            bad_epochs += 1
        if checkpoint_dir is not None:
            save_checkpoint(Path(checkpoint_dir), model, optimizer, scheduler, gen, best_state, {
                "epoch": epoch, "step": step, "history": history, "best": best, "best_metrics": best_metrics,
                "bad_epochs": bad_epochs})
        if bad_epochs >= patience:
            if progress and epoch < epochs:
                progress({"event": "early_stop", "epoch": epoch, "epochs": epochs, "patience": patience,
                          "best_epoch": best_metrics.get("epoch"), "step": step, "total_steps": total})
            break
    model.load_state_dict(best_state)
    model.eval()
    _remove_checkpoint(checkpoint_dir)
    return {"dev": best_metrics, "history": history}


def _timing(started: float, steps_done: int, steps_left: int) -> dict:
    """Seconds elapsed and the estimated seconds left (the mean pace so far, dev evaluations included)."""
    import time

    elapsed = time.time() - started
    eta = elapsed / steps_done * steps_left if steps_done > 0 else None
    return {"elapsed_s": round(elapsed, 1), "eta_s": None if eta is None else round(eta, 1)}


def _epoch(model, params, optimizer, scheduler, batch, batches, step: int, report, should_stop):
    """One pass over the training batches: AdamW step, clipping at 1.0, schedule; (losses, step)."""
    model.train()
    running = []
    for idx in batches:
        loss = batch(idx)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        scheduler.step()
        step += 1
        running.append(loss.item())
        report(step, loss.item())
        if should_stop and should_stop():
            raise KeyboardInterrupt("training cancelled")
    model.eval()
    return running, step


def _remove_checkpoint(checkpoint_dir) -> None:
    if checkpoint_dir is not None:
        for name in ("checkpoint.safetensors", "checkpoint.json"):
            (Path(checkpoint_dir) / name).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            Path(checkpoint_dir).rmdir()


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
