"""The typed output fields: what each field type writes once for every task that has it (columns, colours, review
value and editor, metrics, the head's probabilities and loss)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from biofm.tasks.fields import ClassProbs, MultiLabelProbs, Spans, Values, split_labels

NAMES = ["a", "b", "c"]


def test_class_probabilities_columns_colours_metrics():
    f = ClassProbs("label")
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], np.float32)
    assert f.columns(NAMES, p, 1) == {"label": "c", "score": pytest.approx(0.6), "p_a": pytest.approx(0.1),
                                      "p_b": pytest.approx(0.3), "p_c": pytest.approx(0.6)}
    cols = f.colours(NAMES, p, ["a", None])
    assert cols["prediction"] == ["a", "c"] and cols["correct"] == ["correct", "(no label)"]
    assert f.targets(NAMES, p, 1)[0] == "c" and sorted(f.targets(NAMES, p, 1)) == NAMES
    m = f.metrics(NAMES, [{"label": "a"}, {"label": "b"}], p)
    assert m["accuracy"] == 0.5 and m["macro_f1"] == pytest.approx(0.5)  # over the labels the gold holds: a, b
    assert np.allclose(f.from_logits(np.log(p)), p, atol=1e-6)
    assert f.gold(NAMES, " b ") == {"label": "b"}
    with pytest.raises(ValueError, match="'d' is not one of a, b, c"):
        f.gold(NAMES, "d")


def test_multi_label_thresholds_decide_and_metrics_skip_absent_labels():
    p = np.array([[0.9, 0.4, 0.1], [0.2, 0.6, 0.1]])
    assert MultiLabelProbs().labels(NAMES, p) == [["a"], ["b"]]
    strict = MultiLabelProbs("labels", [0.5, 0.7, 0.5])  # b needs 0.7
    assert strict.labels(NAMES, p) == [["a"], []]
    row = strict.columns(NAMES, p, 0)
    assert row["labels"] == "a" and row["score"] == pytest.approx(0.6)  # least sure decision: 1 - 0.4
    assert strict.columns(NAMES, p, 0, detail=True)["labels"] == ["a"]
    gold = [{"labels": ["a"]}, {"labels": ["b"]}]
    m = MultiLabelProbs().metrics(NAMES, gold, p)
    assert m["macro_f1"] == 1.0 and m["exact_match"] == 1.0  # c is absent from gold and predictions: not a zero
    assert strict.metrics(NAMES, gold, p)["macro_f1"] == pytest.approx(0.5)  # b missed: a 1.0, b 0.0
    assert MultiLabelProbs().gold(NAMES, "b;;a ; ") == {"labels": ["a", "b"]}  # the label set's order
    assert split_labels(float("nan")) == [] and split_labels(["a", " b "]) == ["a", "b"]
    with pytest.raises(ValueError, match="'x'"):
        MultiLabelProbs().gold(NAMES, "a;x")
    loss = MultiLabelProbs().loss()(torch.zeros(2, 3), MultiLabelProbs().targets_tensor(NAMES, gold))
    assert loss.item() == pytest.approx(np.log(2), rel=1e-5)  # BCE of p = 0.5 against 0/1 targets


def test_multi_label_review_codec_round_trip():
    f = MultiLabelProbs()
    p = np.array([[0.9, 0.8, 0.1]])
    pred = f.prediction(NAMES, p, 0)
    assert f.codec.value(pred) == {"labels": ["a", "b"]}
    editor = f.codec.editor("text", pred, NAMES)
    assert [r["reviewed"] for r in editor.rows] == [True, True, False]
    editor.rows[1]["reviewed"] = False
    editor.rows[2]["reviewed"] = True
    assert f.codec.from_editor(editor.rows, "text") == ({"labels": ["a", "c"]}, None)
    assert f.codec.overall_value({"labels": ["c", "a"]}) == "a;c" and f.codec.is_positive({"labels": ["c"]}, "c")


def test_values_metrics_and_editor_refuses_non_numbers():
    f = Values("prediction", units="log mol/L")
    v = np.array([[1.0], [3.0]])
    assert f.columns(["logS"], v, 1) == {"logS": 3.0}
    assert list(f.colours(["logS"], v)) == ["logS (log mol/L)"]
    m = f.metrics(["logS"], [{"values": {"logS": 2.0}}, {"values": {"logS": 3.0}}], v)
    assert m["rmse"] == pytest.approx(np.sqrt(0.5)) and m["mae"] == pytest.approx(0.5)
    editor = f.codec.editor("CCO", f.prediction(["logS"], v, 0), ["logS"])
    editor.rows[0]["reviewed"] = "high"
    value, error = f.codec.from_editor(editor.rows, "CCO")
    assert value is None and "'high' is not a number" in error


def test_spans_colours_and_strict_metrics():
    f = Spans("entities")
    spans = [[{"start": 0, "end": 7, "label": "Chemical", "text": "Aspirin", "score": 0.9}], []]
    assert f.columns([], spans, 0) == {"n_entities": 1, "types": "Chemical"}
    cols = f.colours([], spans)
    assert cols["entities"] == [1, 0] and cols["Chemical mentions"] == [1, 0] and cols["confidence"] == [0.9, 1.0]
    gold = [{"entities": [{"start": 0, "end": 7, "label": "Chemical"}]},
            {"entities": [{"start": 3, "end": 8, "label": "Disease"}]}]
    m = f.metrics([], gold, spans)
    assert m["precision"] == 1.0 and m["recall"] == 0.5


@pytest.mark.parametrize("field_", [ClassProbs("label"), MultiLabelProbs("labels"), Values("v", "mg")])
def test_the_score_help_speaks_of_a_score_column_only_when_the_field_writes_one(field_):
    """The More tasks page shows each field's ``score_help`` under its table: it must describe that table."""
    p = np.array([[0.7, 0.2, 0.1]], np.float32)
    has_score = "score" in field_.columns(NAMES, p, 0)
    assert field_.score_help.startswith("score:") == has_score, field_.score_help
