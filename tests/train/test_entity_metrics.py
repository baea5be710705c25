"""NER dev scores are seqeval's strict IOB2 entity scores in biofm's shape (per type and overall = micro average)."""

import json

import pytest

from biofm.train.metrics import entity_prf, span_prf


def scores(result: dict) -> dict:
    return {k: (v["precision"], v["recall"], round(v["f1"], 4), v["support"]) for k, v in result.items()}


def test_boundaries_and_types_must_both_match():
    gold = [["B-Chemical", "O", "B-Disease", "I-Disease"], ["B-Disease", "O"]]
    pred = [["B-Chemical", "O", "B-Disease", "O"], ["B-Disease", "B-Chemical"]]
    assert scores(entity_prf(gold, pred)) == {"Chemical": (0.5, 1.0, 0.6667, 1), "Disease": (0.5, 0.5, 0.5, 2),
                                              "overall": (0.5, 2 / 3, 0.5714, 3)}


def test_adjacent_entities_of_one_type_are_two_entities():
    gold = [["B-Disease", "B-Disease", "O"]]
    assert scores(entity_prf(gold, gold))["overall"] == (1.0, 1.0, 1.0, 2)
    merged = scores(entity_prf(gold, [["B-Disease", "I-Disease", "O"]]))  # one span over both: neither matches
    assert merged["overall"] == (0.0, 0.0, 0.0, 2)


def test_no_predictions_scores_zero_with_the_gold_support():
    result = entity_prf([["B-Disease", "O", "B-Chemical"]], [["O", "O", "O"]])
    assert scores(result) == {"Chemical": (0.0, 0.0, 0.0, 1), "Disease": (0.0, 0.0, 0.0, 1),
                              "overall": (0.0, 0.0, 0.0, 2)}
    assert scores(entity_prf([["O", "O"]], [["O", "O"]])) == {"overall": (0.0, 0.0, 0.0, 0)}


def test_a_type_only_predicted_counts_against_precision():
    result = entity_prf([["B-Disease", "O"]], [["B-Disease", "B-Chemical"]])
    assert scores(result) == {"Chemical": (0.0, 0.0, 0.0, 0), "Disease": (1.0, 1.0, 1.0, 1),
                              "overall": (0.5, 1.0, 0.6667, 1)}


def test_strict_iob2_an_i_tag_that_begins_nothing_is_no_entity():
    """The hand-written decoder before seqeval counted a stray I- as the start of an entity (conlleval's lenient
    reading); strict IOB2 does not, so such a prediction no longer scores as correct."""
    result = entity_prf([["B-Disease", "I-Disease", "O"]], [["I-Disease", "I-Disease", "O"]])
    assert scores(result)["overall"] == (0.0, 0.0, 0.0, 1)
    other = entity_prf([["B-Disease", "I-Disease", "O"]], [["B-Disease", "I-Chemical", "O"]])  # I- of another type
    assert scores(other) == {"Disease": (0.0, 0.0, 0.0, 1), "overall": (0.0, 0.0, 0.0, 1)}


def test_the_result_is_plain_json_and_lengths_must_agree():
    json.dumps(entity_prf([["B-A", "I-A"]], [["B-A", "O"]]))
    with pytest.raises(ValueError):
        entity_prf([["O"]], [["O", "O"]])


def test_span_prf_matches_entity_prf_on_the_same_entities():
    gold, pred = {("Disease", 0, 1), ("Chemical", 3, 3)}, {("Disease", 0, 1), ("Chemical", 2, 3)}
    tags_gold = [["B-Disease", "I-Disease", "O", "B-Chemical"]]
    tags_pred = [["B-Disease", "I-Disease", "B-Chemical", "I-Chemical"]]
    assert scores(span_prf([(gold, pred)])) == scores(entity_prf(tags_gold, tags_pred))
