"""Issue 25 item 6: true labels given as codes (1-5) are mapped to the model's labels and scored on categorical axes."""

import json

import pytest

from biofm.io.labels import (default_code_mapping, format_code_mapping, map_codes, parse_code_mapping,
                             unknown_codes)
from biofm.io.text import guess_column, read_text_upload
from biofm.viz import confusion_counts, confusion_figure

NAMES = ["cardiovascular diseases", "digestive system diseases", "general pathological conditions", "neoplasms",
         "nervous system diseases"]


def test_codes_outside_the_label_names_in_code_order():
    assert unknown_codes(["10", "2", 1, "2.0", "neoplasms", None, ""], NAMES) == ["1", "2", "10"]
    assert unknown_codes(["neoplasms", "neoplasms"], NAMES) == []


@pytest.mark.parametrize("codes,expected", [
    (["1", "2", "3", "4", "5"], dict(zip("12345", NAMES))),
    (["0", "1", "4"], {"0": NAMES[0], "1": NAMES[1], "4": NAMES[4]}),
    (["2", "5"], {"2": NAMES[1], "5": NAMES[4]}),  # a batch holding some of the codes
    (["1", "6"], {}),  # more codes than labels: no guess
    (["A", "B"], {}),
])
def test_default_mapping_takes_the_model_label_order(codes, expected):
    assert default_code_mapping(codes, NAMES) == expected


def test_mapping_text_round_trips_and_names_its_problems():
    mapping = dict(zip("12345", NAMES))
    assert parse_code_mapping(format_code_mapping(mapping), NAMES) == (mapping, [])
    got, problems = parse_code_mapping("1=Neoplasms; 2.0 = cardiovascular diseases\n3 cardio, 1=x, 4=tumours", NAMES)
    assert got == {"1": "neoplasms", "2": "cardiovascular diseases", "4": "tumours"}
    assert problems == ["'3 cardio' is not code=label", "code 1 is given twice (kept 'neoplasms')",
                        "'tumours' is not one of the model's labels"]
    assert map_codes([1, "2", "2.0", "neoplasms", "9"], got) == ["neoplasms", "cardiovascular diseases",
                                                                 "cardiovascular diseases", "neoplasms", "9"]


def test_confusion_matrix_of_code_labels_uses_categorical_axes_with_each_cell_in_place():
    truth, predicted = ["1", "2", "2", "3"], ["1", "3", "2", "3"]
    figure = confusion_figure(truth, predicted, ["1", "2", "3"])
    fig = json.loads(figure.to_json())
    layout = fig["layout"]
    assert layout["xaxis"]["type"] == "category" and layout["yaxis"]["type"] == "category"
    assert fig["data"][0]["x"] == ["1", "2", "3"] == fig["data"][0]["y"]
    order, counts = confusion_counts(truth, predicted, ["1", "2", "3"])
    assert counts.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    assert figure.data[0].z.tolist() == counts.tolist()


def test_a_column_named_label_is_the_guessed_true_label():
    assert guess_column(["id", "text", "label"], "label") == "label"
    assert guess_column(["condition_label", "medical_abstract"], "label") == "condition_label"
    assert guess_column(["id", "text"], "label") is None
    res = read_text_upload(b"id,text,label\n1,chest pain,4\n", "x.csv", label_column="label")
    assert res.records[0].label == "4"
