"""Correcting entities by their words, not by typed character offsets."""

from biofm.tasks import get_task

TEXT = "Aspirin induced asthma; asthma resolved after stopping aspirin."


def test_typed_words_are_placed_at_their_next_free_occurrence():
    codec = get_task("ner").codec
    rows = [{"start": 0, "end": 7, "label": "Chemical", "text": "Aspirin"},  # unchanged
            {"start": None, "end": None, "label": "Disease", "text": "asthma"},  # added by its words
            {"start": None, "end": None, "label": "Disease", "text": "asthma"},  # the same words again: next one
            {"start": 0, "end": 7, "label": "Chemical", "text": "aspirin"}]  # retyped: moved to the lower-case one
    value, error = codec.from_editor(rows, TEXT)
    assert error is None
    spans = [(e["start"], e["end"], e["label"]) for e in value["entities"]]
    assert spans == [(0, 7, "Chemical"), (16, 22, "Disease"), (24, 30, "Disease"), (55, 62, "Chemical")]
    assert all(TEXT[e["start"]:e["end"]] == e["text"] for e in value["entities"])


def test_words_not_in_the_text_are_named():
    value, error = get_task("ner").codec.from_editor([{"label": "Disease", "text": "fever"}], TEXT)
    assert value is None and "fever" in error
