"""The training loop on transformers' ``Trainer`` (used through :func:`biofm.train.common.fit`).

The caller's ``batch(indices) -> loss`` is the loss (the training set is a dataset of ``{"idx": i}``) and the caller's
``evaluate() -> metrics`` is the dev evaluation; ``Trainer`` does the rest: AdamW, the linear schedule, clipping,
evaluation and checkpoints every epoch, ``EarlyStoppingCallback``, best-checkpoint restore and resume. The job-panel
events and the cancel check come from :class:`Events`, a ``TrainerCallback``.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from transformers import (EarlyStoppingCallback, PreTrainedModel, PrinterCallback, Trainer, TrainerCallback,
                          TrainingArguments)
from transformers.trainer_callback import TrainerState
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR
from transformers.utils import logging as hf_logging

HISTORY_FILE = "fit_history.json"  # beside the checkpoint-N folders: the history and each epoch's full dev metrics
_CHECKPOINT = re.compile(rf"^{PREFIX_CHECKPOINT_DIR}-(\d+)$")


class IndexDataset(torch.utils.data.Dataset):
    """``{"idx": i}`` for i < n: the Trainer shuffles and batches indices, the caller's ``batch()`` builds the rest."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict:
        return {"idx": i}


def collate_indices(rows: list[dict]) -> dict:
    return {"idx": torch.tensor([r["idx"] for r in rows], dtype=torch.long)}


class IndexTrainer(Trainer):
    """A Trainer whose loss is ``batch(indices)`` and whose evaluation is the caller's ``evaluate()``."""

    loss_is_scaled_for_ga = False  # a per-batch mean (one batch a step here: no accumulation)

    def __init__(self, *args, batch: Callable[[list[int]], torch.Tensor], evaluate: Callable[[], dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.batch_loss, self.evaluate_dev = batch, evaluate
        self.step_losses: list[float] = []  # this epoch's, for the step events and the epoch's train loss
        self.dev_metrics: dict = {}  # the last evaluation's, nested values included

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        loss = self.batch_loss(inputs["idx"].tolist())
        self.step_losses.append(loss.item())
        return (loss, None) if return_outputs else loss

    def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix: str = "eval") -> dict[str, float]:
        """The caller's metrics (numbers, ``eval_``-prefixed) for best-checkpoint choice and early stopping."""
        self.model.eval()
        self.dev_metrics = self.evaluate_dev()
        metrics = {f"{metric_key_prefix}_{k}": float(v) for k, v in self.dev_metrics.items()
                   if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)}
        self.log(metrics)
        self.control = self.callback_handler.on_evaluate(self.args, self.state, self.control, metrics)
        return metrics

    def floating_point_ops(self, inputs) -> int:
        return 0  # the inputs are indices: nothing to count (and no "could not estimate" warning)

    def _save(self, output_dir: str | None = None, state_dict: dict | None = None) -> None:
        """Model weights only, in safetensors: ``save_pretrained`` for transformers and PEFT models, the state dict
        of any other module (tensors that share memory each stored whole). No pickled TrainingArguments."""
        from safetensors.torch import save_file
        from transformers.utils import SAFE_WEIGHTS_NAME, is_peft_available

        output_dir = output_dir or self.args.output_dir
        os.makedirs(output_dir, exist_ok=True)
        saves_itself = (PreTrainedModel,)
        if is_peft_available():
            from peft import PeftModel

            saves_itself = (PreTrainedModel, PeftModel)
        if isinstance(self.model, saves_itself):
            with warnings.catch_warnings():  # peft cannot look up biofm's embedded encoder by name
                warnings.filterwarnings("ignore", message="Could not find a config file in", category=UserWarning)
                self.model.save_pretrained(output_dir, state_dict=state_dict)
            return
        save_file(distinct_tensors(state_dict if state_dict is not None else self.model.state_dict()),
                  os.path.join(output_dir, SAFE_WEIGHTS_NAME), metadata={"format": "pt"})


def distinct_tensors(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The state dict with every tensor contiguous and owning its memory (safetensors refuses shared storage: tied
    weights are saved under each name and both load into the one parameter)."""
    seen, out = set(), {}
    for key, value in state.items():
        t = value.detach()
        ptr = (t.device, t.untyped_storage().data_ptr())
        out[key] = t.clone(memory_format=torch.contiguous_format) if ptr in seen or not t.is_contiguous() else t
        seen.add(ptr)
    return out


class Events(TrainerCallback):
    """The events biofm's job panel and CLI read, and the cancel check after every step.

    Steps: ``epoch, epochs, step, total_steps, loss, elapsed_s, eta_s``; after each dev evaluation an ``epoch`` event
    (the history entry, ``metric``, ``epochs``, ``total_steps``, timing); ``early_stop`` when the patience runs out.
    """

    def __init__(self, *, metric: str, epochs: int, steps_per_epoch: int, patience: int,
                 progress: Callable[[dict], None] | None, should_stop: Callable[[], bool] | None,
                 history: list[dict], dev: list[dict], history_file: Path | None) -> None:
        self.metric, self.epochs, self.steps_per_epoch, self.patience = metric, epochs, steps_per_epoch, patience
        self.total = steps_per_epoch * epochs
        self.progress, self.should_stop = progress or (lambda _: None), should_stop
        self.history, self.dev, self.history_file = history, dev, history_file
        self.trainer: IndexTrainer | None = None
        self.t_run, self.step_run, self.t0 = time.time(), 0, time.time()

    def _timing(self, step: int) -> dict:
        """Seconds elapsed and the estimated seconds left (this run's mean pace, dev evaluations included)."""
        elapsed, done = time.time() - self.t_run, step - self.step_run
        eta = elapsed / done * (self.total - step) if done > 0 else None
        return {"elapsed_s": round(elapsed, 1), "eta_s": None if eta is None else round(eta, 1)}

    def on_train_begin(self, args, state, control, **kwargs):
        self.t_run, self.step_run = time.time(), state.global_step  # a resumed run's earlier steps are not timed
        self.t0 = self.t_run - (self.history[-1]["seconds"] if self.history else 0.0)  # its clock goes on

    def on_epoch_begin(self, args, state, control, **kwargs):
        self.trainer.step_losses.clear()

    def on_step_end(self, args, state, control, **kwargs):
        step = state.global_step
        self.progress({"epoch": (step - 1) // self.steps_per_epoch + 1, "epochs": self.epochs, "step": step,
                       "total_steps": self.total, "loss": self.trainer.step_losses[-1], **self._timing(step)})
        if self.should_stop and self.should_stop():
            raise KeyboardInterrupt("training cancelled")

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        m, step = self.trainer.dev_metrics, state.global_step
        epoch = math.ceil(step / self.steps_per_epoch)
        losses = self.trainer.step_losses
        entry = {"epoch": epoch, "step": step, "train_loss": float(np.mean(losses)) if losses else float("nan"),
                 f"dev_{self.metric}": m[self.metric],
                 **{f"dev_{k}": v for k, v in m.items() if isinstance(v, float) and k != self.metric},
                 "seconds": round(time.time() - self.t0, 1)}
        self.history.append(entry)
        self.dev.append(m)
        if self.history_file is not None:  # written before the checkpoint: a resume keeps the entries it covers
            tmp = self.history_file.with_suffix(".tmp")
            tmp.write_text(json.dumps({"history": self.history, "dev": self.dev}, default=_json_number) + "\n",
                           encoding="utf-8")
            tmp.replace(self.history_file)
        self.progress({**entry, "epochs": self.epochs, "total_steps": self.total, "event": "epoch",
                       "metric": self.metric, **self._timing(step)})
        stopper = next(c for c in self.trainer.callback_handler.callbacks if isinstance(c, EarlyStoppingCallback))
        if stopper.early_stopping_patience_counter >= self.patience and epoch < self.epochs:
            self.progress({"event": "early_stop", "epoch": epoch, "epochs": self.epochs, "patience": self.patience,
                           "best_epoch": self.epoch_of(state.best_global_step), "step": step,
                           "total_steps": self.total})

    def epoch_of(self, step: int | None) -> int | None:
        return None if not step else math.ceil(step / self.steps_per_epoch)


def _json_number(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def last_checkpoint(folder: Path) -> Path | None:
    """The newest ``checkpoint-<step>`` folder that Trainer finished writing (its trainer_state.json is there)."""
    if not folder.is_dir():
        return None
    done = [(int(m.group(1)), p) for p in folder.iterdir()
            if (m := _CHECKPOINT.match(p.name)) and (p / "trainer_state.json").is_file()]
    return max(done)[1] if done else None


def remove_checkpoints(folder: Path) -> None:
    """The checkpoint-<step> folders and the history file; the folder itself when nothing else is in it."""
    if not folder.is_dir():
        return
    for p in folder.iterdir():
        if _CHECKPOINT.match(p.name) and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
    for name in (HISTORY_FILE, HISTORY_FILE.replace(".json", ".tmp")):
        (folder / name).unlink(missing_ok=True)
    try:
        folder.rmdir()
    except OSError:
        pass


def run(model: torch.nn.Module, *, n_examples: int, batch, evaluate, metric: str, epochs: int, lr: float,
        batch_size: int, seed: int, weight_decay: float, warmup_fraction: float, patience: int, progress,
        should_stop, checkpoint_dir: Path | None, resume: bool) -> dict:
    """:func:`biofm.train.common.fit`'s work (its docstring says what it does)."""
    steps_per_epoch = (n_examples + batch_size - 1) // batch_size
    total = steps_per_epoch * epochs
    scratch = tempfile.TemporaryDirectory(prefix="biofm-fit-") if checkpoint_dir is None else None
    folder = Path(scratch.name) if scratch else Path(checkpoint_dir)
    start = last_checkpoint(folder) if resume and scratch is None else None
    if start is None:
        remove_checkpoints(folder)  # a fresh run: an older run's checkpoints must not be resumed later
    history, dev, stale_patience, trained_epochs = [], [], 0, None
    if start is not None:
        state = TrainerState.load_from_json(str(start / "trainer_state.json"))
        saved = json.loads((folder / HISTORY_FILE).read_text(encoding="utf-8")) \
            if (folder / HISTORY_FILE).is_file() else {"history": [], "dev": []}
        kept = [i for i, h in enumerate(saved["history"]) if h["step"] <= state.global_step]
        history, dev = [saved["history"][i] for i in kept], [saved["dev"][i] for i in kept]
        stopper_state = state.stateful_callbacks.get("EarlyStoppingCallback") or {}
        stale_patience = int(stopper_state.get("attributes", {}).get("early_stopping_patience_counter", 0))
        trained_epochs = state.global_step // steps_per_epoch
    stopped = start is not None and stale_patience >= patience  # early stopping had ended that run: train no more
    device = next(model.parameters()).device
    config = getattr(model, "config", None)
    use_cache, verbosity = getattr(config, "use_cache", None), hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # no "Writing model shards" bar at every checkpoint
    try:
        args = TrainingArguments(
            output_dir=str(folder), num_train_epochs=trained_epochs if stopped else epochs,
            per_device_train_batch_size=batch_size, learning_rate=lr, weight_decay=weight_decay, optim="adamw_torch",
            lr_scheduler_type="linear", warmup_steps=int(total * warmup_fraction), max_grad_norm=1.0, seed=seed,
            eval_strategy="epoch", save_strategy="best" if scratch else "epoch", save_total_limit=1,
            save_only_model=scratch is not None, load_best_model_at_end=True, metric_for_best_model=metric,
            greater_is_better=True, logging_strategy="no", report_to=[], disable_tqdm=True,
            log_level="error",  # Trainer sets it globally (restored below): biofm's output is its own lines
            use_cpu=device.type == "cpu", dataloader_num_workers=0, dataloader_pin_memory=False,
            remove_unused_columns=False)
        stopper = EarlyStoppingCallback(early_stopping_patience=patience)
        stopper.early_stopping_patience_counter = stale_patience  # the checkpoint's count, this run's patience
        events = Events(metric=metric, epochs=epochs, steps_per_epoch=steps_per_epoch, patience=patience,
                        progress=progress, should_stop=should_stop, history=history, dev=dev,
                        history_file=None if scratch else folder / HISTORY_FILE)
        trainer = IndexTrainer(model=model, args=args, train_dataset=IndexDataset(n_examples),
                               eval_dataset=IndexDataset(0),  # a placeholder: the dev data is evaluate()'s
                               data_collator=collate_indices, callbacks=[stopper, events], batch=batch,
                               evaluate=evaluate)
        trainer.remove_callback(PrinterCallback)  # biofm prints its own lines from the events
        if use_cache is not None:
            config.use_cache = use_cache  # Trainer sets it from its arguments; a saved config keeps the model's own
        events.trainer = trainer
        trainer.train(resume_from_checkpoint=str(start) if start is not None else None)
        best_epoch = events.epoch_of(trainer.state.best_global_step if trainer.state.best_model_checkpoint else None)
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
        if scratch is not None:
            scratch.cleanup()
        elif folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()  # stopped before its first checkpoint: no empty folder left behind
    model.eval()
    if not history:
        raise ValueError("training ran no epoch (no training examples?)")
    i = next((k for k, h in enumerate(history) if h["epoch"] == best_epoch), len(history) - 1)  # none: the last
    if scratch is None:
        remove_checkpoints(folder)
    return {"dev": {**dev[i], "epoch": history[i]["epoch"]}, "history": history}
