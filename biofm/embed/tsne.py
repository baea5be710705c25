"""t-SNE for embedding maps: exact nearest neighbours by blocked matrix products, openTSNE's perplexity affinities,
Barnes-Hut gradients below :data:`FFT_FROM` points and FFT-accelerated (interpolation) gradients from there, PCA
initialisation and a learning rate of n/12 (Belkina et al. 2019).

Identical rows (the same molecule or note twice) are projected once and share one position. openTSNE itself picks
Barnes-Hut below 10,000 points for the same reason: the FFT grid costs seconds whatever the number of points.

Measured against scikit-learn's Barnes-Hut t-SNE in ``bench/tsne.py`` (speed and trustworthiness). The k-NN step
is exact (blocked fp32 products; no approximate index to build or compile).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

EARLY_EXAGGERATION = 12.0
EARLY_ITERATIONS = 125
ITERATIONS = 250
FFT_FROM = 10_000  # points: FFT gradients from here, Barnes-Hut below
ONE_THREAD_BELOW = 300  # points: below this a second thread costs more in synchronisation than it saves (idle 2-core
# machine, best of 3: 100 points 0.29 s on one thread vs 1.47 s on two; 300: 0.35 vs 0.33; 999: 1.54 vs 0.89)
PROGRESS_EVERY = 25  # iterations between progress reports (each one also evaluates the KL divergence)


def knn(x: np.ndarray, k: int, block: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Exact ``k`` nearest neighbours (Euclidean, self excluded): indices and distances, nearest first.

    For each block of query rows one fused product ranks every point by ``|b|^2 - 2 a.b`` (the query's own
    ``|a|^2`` does not change its ranking), then the top ``k`` are kept: O(n^2 d) flops, no index to build."""
    data = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    n = len(data)
    k = min(k, n - 1)
    sq = (data * data).sum(1)
    idx_out = np.empty((n, k), dtype=np.int64)
    dist_out = np.empty((n, k), dtype=np.float32)
    with torch.inference_mode():
        for s in range(0, n, block):
            q = data[s:s + block]
            scores = torch.addmm(sq[None, :], q, data.T, alpha=-2.0)
            rows = torch.arange(len(q))
            scores[rows, rows + s] = float("inf")  # not its own neighbour
            top = torch.topk(scores, k, dim=1, largest=False)
            idx_out[s:s + len(q)] = top.indices.numpy()
            dist_out[s:s + len(q)] = (top.values + sq[s:s + block, None]).clamp(min=0).sqrt().numpy()
    return idx_out, dist_out


def gradient_method(n: int) -> str:
    """openTSNE's negative-gradient method for ``n`` points: ``"bh"`` (Barnes-Hut) below :data:`FFT_FROM`, else
    ``"fft"``."""
    return "bh" if n < FFT_FROM else "fft"


def tsne(x: np.ndarray, *, perplexity: float = 30.0, seed: int = 0, n_jobs: int = 2,
         early_iterations: int = EARLY_ITERATIONS, iterations: int = ITERATIONS, gradient: str | None = None,
         deduplicate: bool = True, progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """2-D t-SNE coordinates of ``x`` (``(n, d)`` rows are points) as an ``(n, 2)`` float array.

    Identical rows get identical coordinates: the distinct rows are embedded and the result is mapped back. With
    fewer than 4 distinct rows there is nothing for t-SNE to arrange: the distinct rows are placed by PCA.
    ``gradient`` (``"bh"`` or ``"fft"``) overrides :func:`gradient_method`; ``deduplicate=False`` and
    ``gradient="fft"`` reproduce the earlier behaviour (``bench/tsne.py`` uses them as the "before" row).
    ``progress(done, total)`` is called with the optimisation iterations done of ``early_iterations + iterations``
    (0 first, before the neighbours and affinities, then every :data:`PROGRESS_EVERY` iterations)."""
    x = np.asarray(x, dtype=np.float32)
    if len(x) == 0:
        return np.zeros((0, 2), dtype=np.float32)
    if deduplicate:
        distinct, inverse = np.unique(x, axis=0, return_inverse=True)
        inverse = np.asarray(inverse).reshape(-1)
    else:
        distinct, inverse = x, np.arange(len(x))
    if len(distinct) < 4:
        return _few(distinct)[inverse]
    return _tsne_distinct(distinct, perplexity=perplexity, seed=seed, n_jobs=n_jobs,
                          early_iterations=early_iterations, iterations=iterations, gradient=gradient,
                          progress=progress)[inverse]


def _few(distinct: np.ndarray) -> np.ndarray:
    """1-3 distinct points: on the first principal axis, scaled to unit spread (one point sits at the origin)."""
    out = np.zeros((len(distinct), 2), dtype=np.float32)
    if len(distinct) > 1:
        centred = distinct - distinct.mean(0)
        axis = np.linalg.svd(centred, full_matrices=False)[2][0]
        line = centred @ axis
        out[:, 0] = line / (np.abs(line).max() or 1.0)
    return out


def _tsne_distinct(x: np.ndarray, *, perplexity: float, seed: int, n_jobs: int, early_iterations: int,
                   iterations: int, gradient: str | None = None,
                   progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    from openTSNE import TSNEEmbedding
    from openTSNE.affinity import PrecomputedAffinities, joint_probabilities_nn
    from openTSNE.initialization import pca

    n = len(x)
    total = early_iterations + iterations
    if progress:
        progress(0, total)
    method = gradient or gradient_method(n)
    if n < ONE_THREAD_BELOW and method == "bh":
        n_jobs = 1
    perplexity = max(2.0, min(perplexity, (n - 1) / 3))
    neighbours, distances = knn(x, int(3 * perplexity))
    p = joint_probabilities_nn(neighbours, distances, [perplexity], symmetrize=True, n_jobs=n_jobs)
    init = pca(x, random_state=seed)
    emb = TSNEEmbedding(init, PrecomputedAffinities(p, normalize=False), negative_gradient_method=method,
                        n_jobs=n_jobs, random_state=seed, verbose=False)
    lr = max(n / EARLY_EXAGGERATION, 50.0)
    emb = emb.optimize(n_iter=early_iterations, exaggeration=EARLY_EXAGGERATION, momentum=0.5, learning_rate=lr,
                       **_reporting(progress, 0, total))
    emb = emb.optimize(n_iter=iterations, momentum=0.8, learning_rate=lr,
                       **_reporting(progress, early_iterations, total))
    if progress:
        progress(total, total)
    return np.asarray(emb, dtype=np.float32)


def _reporting(progress: Callable[[int, int], None] | None, offset: int, total: int) -> dict:
    """openTSNE ``optimize`` options that pass its iteration count (within one phase) on to ``progress``."""
    if progress is None:
        return {}

    def callback(iteration: int, error: float, embedding) -> bool:
        progress(offset + iteration, total)
        return False  # never stop the optimisation

    return {"callbacks": callback, "callbacks_every_iters": PROGRESS_EVERY}
