"""Finding things on a map: items by id or text, and an item's nearest neighbours in the embedding space."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def find(query: str, ids: Sequence[str], texts: Sequence[str], limit: int = 50) -> list[int]:
    """Rows whose id equals ``query`` (first), then rows whose id or text contains it (case-insensitive)."""
    q = " ".join(str(query).split()).casefold()
    if not q:
        return []
    exact = [i for i, rid in enumerate(ids) if str(rid).casefold() == q]
    rest = [i for i, (rid, text) in enumerate(zip(ids, texts))
            if i not in exact and (q in str(rid).casefold() or q in " ".join(str(text).split()).casefold())]
    return (exact + rest)[:limit]


def nearest(x: np.ndarray, i: int, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` rows of ``x`` nearest to row ``i`` in the embedding space (not on the 2-D map): indices and
    cosine distances, nearest first."""
    x = np.asarray(x, dtype=np.float32)
    unit = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    dist = 1.0 - unit @ unit[i]
    dist[i] = np.inf
    k = min(k, len(x) - 1)
    if k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    top = np.argpartition(dist, k - 1)[:k]
    top = top[np.argsort(dist[top], kind="stable")]
    return top, dist[top]
