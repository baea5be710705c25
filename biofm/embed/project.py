"""Projections by name, cached by content hash so re-colouring a plot never recomputes it."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

DEFAULT_MAX_POINTS = 50_000
_CACHE: OrderedDict[str, "Projection"] = OrderedDict()
_CACHE_SIZE = 16


@dataclass(frozen=True)
class Projection:
    coords: np.ndarray  # [m, 2]
    indices: np.ndarray  # rows of the input that were projected (all, or a sample)
    method: str
    params: tuple
    note: str = ""


def _tsne(x: np.ndarray, seed: int, perplexity: float = 30.0, n_jobs: int | None = None,
          progress: Callable[[int, int], None] | None = None, **_) -> np.ndarray:
    import os

    from biofm.embed.tsne import tsne

    return tsne(x, perplexity=perplexity, seed=seed, n_jobs=n_jobs or max(1, len(os.sched_getaffinity(0))),
                progress=progress)


def _pca(x: np.ndarray, seed: int, **_) -> np.ndarray:
    from sklearn.decomposition import PCA

    return PCA(n_components=2, random_state=seed).fit_transform(x)


def _umap(x: np.ndarray, seed: int, n_neighbors: int = 15, **_) -> np.ndarray:
    try:
        import umap
    except ImportError:
        raise RuntimeError("UMAP needs the umap-learn package: pip install umap-learn") from None
    return umap.UMAP(n_components=2, random_state=seed, n_neighbors=min(n_neighbors, len(x) - 1)).fit_transform(x)


PROJECTIONS: dict[str, Callable[..., np.ndarray]] = {"tsne": _tsne, "pca": _pca, "umap": _umap}


def available_projections() -> list[str]:
    import importlib.util

    return [m for m in PROJECTIONS if m != "umap" or importlib.util.find_spec("umap") is not None]


def _key(x: np.ndarray, method: str, params: tuple) -> str:
    h = hashlib.sha256(np.ascontiguousarray(x, dtype=np.float32).tobytes())
    h.update(repr((x.shape, method, params)).encode())
    return h.hexdigest()


def _params(method: str, seed: int, perplexity: float, max_points: int, options: dict) -> tuple:
    return (seed, perplexity if method == "tsne" else None, max_points, tuple(sorted(options.items())))


def cached(embeddings: np.ndarray, method: str = "tsne", *, seed: int = 0, perplexity: float = 30.0,
           max_points: int = DEFAULT_MAX_POINTS, **options) -> Projection | None:
    """What :func:`project` with these arguments would answer from the cache, without computing (else None)."""
    x = np.asarray(embeddings, dtype=np.float32)
    return _CACHE.get(_key(x, method, _params(method, seed, perplexity, max_points, options)))


def project(embeddings: np.ndarray, method: str = "tsne", *, seed: int = 0, perplexity: float = 30.0,
            max_points: int = DEFAULT_MAX_POINTS, progress: Callable[[int, int], None] | None = None,
            **options) -> Projection:
    """2-D coordinates; above ``max_points`` a seeded random sample is projected and the note says so.

    ``progress(done, total)`` hears the t-SNE optimisation's iterations (PCA and UMAP do not report); it is not
    part of the cache key, and a cached answer reports nothing."""
    if method not in PROJECTIONS:
        raise ValueError(f"unknown projection {method!r}; choose one of {', '.join(PROJECTIONS)}")
    x = np.asarray(embeddings, dtype=np.float32)
    if x.ndim != 2 or len(x) < 3:
        raise ValueError("a projection needs at least 3 embeddings")
    note = ""
    idx = np.arange(len(x))
    if len(x) > max_points:
        idx = np.sort(np.random.default_rng(seed).choice(len(x), size=max_points, replace=False))
        note = f"{len(x):,} points: a random sample of {max_points:,} is shown (limit BIOFM max points)."
    params = _params(method, seed, perplexity, max_points, options)
    key = _key(x, method, params)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    coords = PROJECTIONS[method](x[idx], seed=seed, perplexity=perplexity, progress=progress, **options)
    result = Projection(np.asarray(coords, dtype=np.float32), idx, method, params, note)
    _CACHE[key] = result
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result
