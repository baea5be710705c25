"""biofm's t-SNE: exact neighbours, and maps that keep neighbourhoods (trustworthiness)."""

import numpy as np
import pytest

from biofm.embed.tsne import knn, tsne


def test_knn_is_exact_and_excludes_the_point_itself():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 12)).astype(np.float32)
    idx, dist = knn(x, 7, block=64)  # several blocks, the last one partial
    full = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(full, np.inf)
    expected = np.argsort(full, axis=1)[:, :7]
    assert (idx == expected).mean() > 0.999  # ties aside, the same neighbours in the same order
    np.testing.assert_allclose(dist, np.take_along_axis(full, expected, 1), rtol=1e-3, atol=1e-3)
    assert not (idx == np.arange(300)[:, None]).any()


@pytest.mark.parametrize("n", [5, 40])
def test_tiny_batches_get_a_map(n):
    x = np.random.default_rng(1).normal(size=(n, 8)).astype(np.float32)
    y = tsne(x, seed=0)
    assert y.shape == (n, 2) and np.isfinite(y).all()


def test_map_keeps_neighbourhoods():
    from sklearn.manifold import trustworthiness

    rng = np.random.default_rng(2)
    centres = rng.normal(0, 6, size=(5, 20))
    x = np.concatenate([c + rng.normal(size=(80, 20)) for c in centres]).astype(np.float32)
    y = tsne(x, perplexity=20, seed=0)
    assert trustworthiness(x, y, n_neighbors=10) > 0.9
    np.testing.assert_allclose(tsne(x, perplexity=20, seed=0), y)  # seeded: the same map twice


def test_identical_rows_share_one_position():
    """Three copies of one molecule are one point on the map, not three (first-hour issue, item 9)."""
    rng = np.random.default_rng(1)
    one = rng.normal(size=(1, 16)).astype(np.float32)
    y = tsne(np.repeat(one, 3, axis=0))
    assert y.shape == (3, 2) and np.allclose(y, y[0])
    x = rng.normal(size=(40, 16)).astype(np.float32)
    x[5] = x[17] = x[30]
    y = tsne(x)
    assert np.allclose(y[5], y[17]) and np.allclose(y[5], y[30])
    others = np.delete(y, [5, 17, 30], axis=0)
    assert np.linalg.norm(others - y[5], axis=1).min() > 0  # the merged point is not glued onto another one


def test_gradient_method_follows_size():
    from biofm.embed.tsne import gradient_method

    assert gradient_method(999) == "bh" and gradient_method(9_999) == "bh"
    assert gradient_method(10_000) == "fft"


def test_progress_counts_the_iterations_and_leaves_the_map_unchanged():
    from biofm.embed.project import project

    x = np.random.default_rng(3).normal(size=(60, 8)).astype(np.float32)
    calls = []
    with_bar = tsne(x, seed=0, early_iterations=50, iterations=100, progress=lambda d, t: calls.append((d, t)))
    done = [d for d, _ in calls]
    assert calls[0] == (0, 150) and calls[-1] == (150, 150) and {t for _, t in calls} == {150}
    assert done == sorted(done) and 25 in done and 75 in done  # every 25 iterations, across both phases
    np.testing.assert_array_equal(with_bar, tsne(x, seed=0, early_iterations=50, iterations=100))
    calls.clear()
    first = project(x, "tsne", perplexity=10.0, progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1][0] == calls[-1][1]
    again = project(x, "tsne", perplexity=10.0)  # the callback is not part of the cache key
    assert again is first
