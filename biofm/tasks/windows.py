"""Sliding windows over token sequences, shared by every task that must read past the model's length."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def window_starts(n: int, body: int, stride: int) -> list[int]:
    """Start offsets of windows of ``body`` tokens every ``stride`` tokens; the last window ends at ``n``."""
    if n <= body:
        return [0]
    return list(range(0, n - body, stride)) + [n - body]


def window_ids(ids: Sequence[int], body: int, stride: int) -> list[list[int]]:
    """Split token ids into windows (see :func:`window_starts`)."""
    return [list(ids[s:s + body]) for s in window_starts(len(ids), body, stride)]


def best_window(position: int, starts: Sequence[int], body: int) -> int:
    """Index of the window in which ``position`` sits farthest from an edge (most context on both sides)."""
    best, best_margin = 0, -1
    for k, s in enumerate(starts):
        if s <= position < s + body:
            margin = min(position - s, s + body - 1 - position)
            if margin > best_margin:
                best, best_margin = k, margin
    return best


def mean_by_document(values: np.ndarray, owner: Sequence[int], n_docs: int, dtype=np.float32) -> np.ndarray:
    """The mean of each document's window rows (``owner[i]``: the document of window ``i``)."""
    owner = np.asarray(owner)
    out = np.zeros((n_docs, *values.shape[1:]), dtype=dtype)
    np.add.at(out, owner, values)
    return out / np.bincount(owner, minlength=n_docs).reshape(-1, *[1] * (values.ndim - 1))
