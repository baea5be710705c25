"""Pieces every trainer shares: seeding, splits, schedules, file hashes, model cards."""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch


class TrainingDataError(ValueError):
    """The training data cannot be used (found before training starts)."""


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def stratified_split(labels: Sequence[str], dev_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Indices of a stratified train/dev split; every class keeps at least one training example."""
    rng = np.random.default_rng(seed)
    by_class: dict[str, list[int]] = {}
    for i, lab in enumerate(labels):
        by_class.setdefault(lab, []).append(i)
    train, dev = [], []
    for lab in sorted(by_class):
        idx = np.array(by_class[lab])
        rng.shuffle(idx)
        n_dev = int(round(len(idx) * dev_fraction))
        n_dev = min(n_dev, len(idx) - 1)
        dev.extend(idx[:n_dev].tolist())
        train.extend(idx[n_dev:].tolist())
    return sorted(train), sorted(dev)


def check_labels(labels: Sequence[str | None], what: str = "training file") -> list[str]:
    """Sorted label set; refuses missing labels and single-class data before training starts."""
    missing = [i + 1 for i, lab in enumerate(labels) if lab is None or str(lab).strip() == ""]
    if missing:
        raise TrainingDataError(f"{what}: {len(missing)} rows have no label (first rows: {missing[:5]})")
    counts = Counter(labels)
    if len(counts) < 2:
        raise TrainingDataError(f"{what}: needs at least two classes, found {sorted(counts)}")
    return sorted(counts)


def linear_schedule(optimizer: torch.optim.Optimizer, warmup: int, total: int):
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
