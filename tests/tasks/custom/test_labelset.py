"""Label sets: what a user may define, and the error they see when they get it wrong."""

from __future__ import annotations

import json
import stat

import pytest

from biofm.tasks.custom.labelset import Label, LabelSet, LabelSetError, label_set, load_label_set, save_label_set


def test_a_valid_set_round_trips_through_a_private_file(tmp_path):
    ls = label_set("smoking", {"current": "smokes now", "former": "stopped smoking", "never": "never smoked"})
    path = save_label_set(ls, tmp_path / "smoking")
    assert path.name == "labels.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_label_set(tmp_path / "smoking") == ls == load_label_set(path)
    assert ls.prompts()[0] == "current: smokes now"


@pytest.mark.parametrize("labels,multi,message", [
    ({"a": "first"}, False, "at least 2 label"),
    ({}, True, "at least 1 label"),
    ([("Cardiac", "heart"), ("cardiac", "also heart")], False, "appears twice"),
    ({"a": "first", "b": "  "}, False, "'b': the description is empty"),
    ({"a": "first", "b": "two\nlines"}, False, "one line"),
    ({"a;b": "first", "c": "second"}, False, "without ';'"),
    ({"a": "first", "": "second"}, False, "the name is empty"),
])
def test_bad_sets_are_refused_with_the_label_named(labels, multi, message):
    with pytest.raises(LabelSetError, match=message):
        label_set("set", labels, multi_label=multi)


def test_one_label_is_a_valid_multi_label_set():
    assert label_set("ade", {"adverse drug event": "a drug harmed the patient"}, multi_label=True).names == [
        "adverse drug event"]


def test_files_with_wrong_shapes_name_the_file_and_the_problem(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(LabelSetError, match="not valid JSON"):
        load_label_set(bad)
    bad.write_text(json.dumps({"name": "x", "labels": [{"name": "a", "description": "d"}, "b"]}))
    with pytest.raises(LabelSetError, match="label 2 must be an object"):
        load_label_set(bad)
    bad.write_text(json.dumps({"name": "x", "multi_label": "yes", "labels": []}))
    with pytest.raises(LabelSetError, match="'multi_label' must be true or false"):
        load_label_set(bad)
    with pytest.raises(LabelSetError, match="no such file"):
        load_label_set(tmp_path / "missing.json")
    with pytest.raises(LabelSetError, match="1-64 letters"):
        LabelSet("bad name!", (Label("a", "x"), Label("b", "y")))
