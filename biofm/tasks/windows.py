"""Sliding windows over token sequences, shared by every task that must read past the model's length."""

from __future__ import annotations

from collections.abc import Sequence


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
