import numpy as np
import pytest

from biofm.embed import project, scatter_figure
from biofm import api
from biofm.embed.project import _CACHE
from biofm.records import TextRecord
from biofm.tasks.text_classify.kind import TextClassifier


@pytest.fixture
def blobs():
    rng = np.random.default_rng(0)
    return np.concatenate([rng.normal(0, 1, (60, 16)), rng.normal(8, 1, (60, 16))]).astype(np.float32)


@pytest.mark.parametrize("method", ["tsne", "pca"])
def test_projection_shapes_and_separation(blobs, method):
    p = project(blobs, method, perplexity=15)
    assert p.coords.shape == (120, 2) and list(p.indices) == list(range(120))
    a, b = p.coords[:60].mean(0), p.coords[60:].mean(0)
    spread = p.coords[:60].std(0).mean()
    assert np.linalg.norm(a - b) > 3 * spread  # the two clusters stay apart


def test_projection_is_cached_by_content(blobs):
    p1 = project(blobs, "pca")
    assert project(blobs.copy(), "pca") is p1
    changed = blobs.copy()
    changed[0, 0] += 1
    assert project(changed, "pca") is not p1
    assert len(_CACHE) <= 16


def test_sampling_cap_is_seeded_and_noted(blobs):
    p = project(blobs, "pca", max_points=50)
    assert p.coords.shape == (50, 2) and len(set(p.indices)) == 50
    assert "random sample of 50" in p.note
    assert list(project(blobs, "pca", max_points=50).indices) == list(p.indices)


def test_bad_input():
    with pytest.raises(ValueError, match="at least 3"):
        project(np.zeros((2, 4)), "pca")
    with pytest.raises(ValueError, match="unknown projection"):
        project(np.zeros((5, 4)), "mds")


def test_scatter_is_webgl_and_escapes_hover_text():
    coords = np.array([[0, 0], [1, 1], [2, 2]], dtype=float)
    fig = scatter_figure(coords, ["a", "b", "a"], ["<img src=x onerror=alert(1)>", "ok", "fine"], color_name="c")
    assert {t.type for t in fig.data} == {"scattergl"}
    assert all("<img" not in str(t.text) for t in fig.data)
    assert "&lt;img" in str(fig.data[0].text)
    num = scatter_figure(coords, [0.1, 0.5, 0.9], ["x", "y", "z"], color_name="confidence")
    assert len(num.data) == 1 and num.data[0].marker.showscale


def test_colour_modes_for_a_labelled_batch(tiny_loaded):
    recs = [TextRecord("1", "chest pain", label="cardiac", meta={"columns": {"age": "61", "ward": "A"}}),
            TextRecord("2", "seizure", label="neuro", meta={"columns": {"age": "40", "ward": "B"}}),
            TextRecord("3", "mass", label=None, meta={"columns": {"age": "x", "ward": "A"}})]
    preds = api.predict("text-classify", recs, model=tiny_loaded)
    cols = api.colour_columns("text-classify", preds, recs)
    assert set(cols) == {"prediction", "confidence", "true label", "correct", "ward", "age"}
    assert cols["age"] == ["61", "40", "x"]  # a non-number makes the column categorical
    assert cols["true label"] == ["cardiac", "neuro", "(none)"]
    assert cols["correct"][2] == "(no label)" and set(cols["correct"][:2]) <= {"correct", "wrong"}
    assert cols["confidence"] == pytest.approx(list(preds.scores))
