import pandas as pd
import numpy as np
import pytest
import torch

from biofm.records import TextRecord
from biofm.tasks.text_classify.kind import TextClassifier
from biofm.tasks.windows import window_ids

NOTES = [
    "Patient with chest pain radiating to the left arm; troponin elevated.",
    "MRI brain: no acute infarct.",
    "Biopsy confirms adenocarcinoma of the colon with nodal involvement and no distant metastases seen on CT.",
    "Headache.",
]


@pytest.mark.parametrize("n", [0, 1, 5, 10, 11, 57])
def test_windows_cover_every_token_and_end_at_the_end(n):
    ids = list(range(n))
    wins = window_ids(ids, body=10, stride=7)
    assert all(len(w) <= 10 for w in wins)
    assert sorted(set(t for w in wins for t in w)) == ids
    if n > 10:
        assert wins[-1][-1] == n - 1 and len(wins[-1]) == 10
    else:
        assert wins == [ids]


def test_probabilities_labels_and_embeddings(tiny_loaded):
    clf = TextClassifier(tiny_loaded)
    recs = [TextRecord(str(i), t) for i, t in enumerate(NOTES)]
    preds = clf.predict(recs, batch_size=2)
    assert preds.probs.shape == (4, 3)
    np.testing.assert_allclose(preds.probs.sum(1), 1.0, rtol=1e-5)
    assert preds.labels == [preds.label_names[i] for i in preds.probs.argmax(1)]
    assert preds.embeddings.shape == (4, tiny_loaded.model.config.hidden_size)
    frame = pd.DataFrame(preds.rows())
    assert list(frame.columns[:4]) == ["id", "text", "label", "score"]
    assert [c for c in frame.columns if c.startswith("p_")] == ["p_cardiac", "p_neuro", "p_onco"]


def test_batching_does_not_change_results(tiny_loaded):
    """Length sorting + dynamic padding give the same numbers as one document at a time, in input order."""
    clf = TextClassifier(tiny_loaded)
    recs = [TextRecord(str(i), t) for i, t in enumerate(NOTES)]
    together = clf.predict(recs, batch_size=4)
    alone = np.concatenate([clf.predict([r], batch_size=1).probs for r in recs])
    np.testing.assert_allclose(together.probs, alone, atol=1e-5)
    assert together.ids == ["0", "1", "2", "3"]


def test_long_documents_are_windowed_not_truncated(tiny_loaded):
    clf = TextClassifier(tiny_loaded)  # max_length 32 -> 30 body tokens, stride 22
    long_text = " ".join(["oncology"] * 100)
    preds = clf.predict([TextRecord("short", "fever"), TextRecord("long", long_text)])
    assert preds.windows[0] == 1 and preds.windows[1] > 1
    assert preds.n_windowed == 1
    n_tokens = len(tiny_loaded.tokenizer(long_text, add_special_tokens=False)["input_ids"])
    assert preds.windows[1] == len(window_ids(list(range(n_tokens)), 30, 22))


def test_window_logits_are_averaged(tiny_loaded):
    clf = TextClassifier(tiny_loaded)
    text = " ".join(f"word{i}" for i in range(80))
    prepared = clf.preprocess([TextRecord("x", text)])
    windows, owner = prepared.sequences, prepared.context
    assert len(windows) > 1 and set(owner) == {0}
    one = clf.predict([TextRecord("x", text)]).probs[0]
    logits = [clf.model(input_ids=torch.tensor([w])).logits[0].detach().numpy() for w in windows]
    mean = np.mean(logits, axis=0)
    expected = np.exp(mean - mean.max()) / np.exp(mean - mean.max()).sum()
    np.testing.assert_allclose(one, expected, atol=1e-5)


def test_empty_batch(tiny_loaded):
    preds = TextClassifier(tiny_loaded).predict([])
    assert preds.probs.shape == (0, 3) and preds.rows() == []


def test_pipelined_chunks_give_the_same_predictions_as_one_pass(tiny_loaded):
    """Past chunk_size records a background thread tokenises ahead; the joined predictions are those of one pass."""
    recs = [TextRecord(str(i), t * (1 + i % 3)) for i, t in enumerate(NOTES * 5)]
    whole = TextClassifier(tiny_loaded).predict(recs)
    chunked = TextClassifier(tiny_loaded)
    chunked.chunk_size = 3
    seen = []
    parts = chunked.predict(recs, progress=lambda d, t: seen.append((d, t)))
    assert parts.ids == whole.ids and parts.windows == whole.windows and parts.label_names == whole.label_names
    np.testing.assert_allclose(parts.probs, whole.probs, atol=1e-5)
    np.testing.assert_allclose(parts.embeddings, whole.embeddings, atol=1e-5)
    assert seen[-1] == (20, 20) and [d for d, _ in seen] == sorted(d for d, _ in seen)
