import numpy as np

from biofm.embed import scatter_figure
from biofm.embed.search import find, nearest


def test_find_by_exact_id_first_then_substring_of_id_or_text():
    ids = ["note-1", "note-10", "x"]
    texts = ["Chest pain", "headache and NOTE-1 mention", "Glioma on MRI"]
    assert find("note-1", ids, texts) == [0, 1]
    assert find("  glioma ", ids, texts) == [2]
    assert find("", ids, texts) == [] and find("absent", ids, texts) == []


def test_nearest_are_in_embedding_space_not_on_the_map():
    x = np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0.7, 0.7, 0], [0, 0, 1]], dtype=np.float32)
    idx, dist = nearest(x, 0, k=3)
    assert idx.tolist() == [1, 3, 2] and 0 not in idx
    assert np.all(np.diff(dist) >= 0)
    assert nearest(x[:1], 0)[0].size == 0  # a one-point batch has no neighbours


def test_highlight_and_density_layers():
    rng = np.random.default_rng(0)
    coords = rng.normal(size=(30, 2))
    fig = scatter_figure(coords, ["a"] * 15 + ["b"] * 15, ["t"] * 30, ids=[f"i{k}" for k in range(30)],
                         highlight=[3, 4], density=True, colors={"a": "#123456"})
    kinds = [t.type for t in fig.data]
    assert kinds[0] == "histogram2dcontour" and kinds.count("scattergl") == 3
    ring = fig.data[-1]
    assert list(ring.customdata) == ["i3", "i4"] and ring.name == "highlighted"
    assert fig.data[1].marker.color == "#123456"
