"""PHI rules (validated patterns), de-identification actions and the synthetic-note generator."""

from __future__ import annotations

import pytest

from biofm.phi.actions import Surrogates, deidentify
from biofm.phi.rules import find_rule_spans
from biofm.phi.synth import HELD_OUT_TEMPLATES, TRAIN_TEMPLATES, make_notes, to_conll


def _labels(text):
    return [(s.label, s.text) for s in find_rule_spans(text)]


@pytest.mark.parametrize("text, expected", [
    ("SSN 123-45-6789 on file", [("ID", "123-45-6789")]),
    ("SSN 666-45-6789 is not valid", []),
    ("card 4111 1111 1111 1111 used", [("ID", "4111 1111 1111 1111")]),
    ("card 4111 1111 1111 1112 used", []),  # fails the Luhn check
    ("MRN: A1234567", [("ID", "A1234567")]),
    ("call (617) 555-0142 or +44 20 7946 0958", [("CONTACT", "(617) 555-0142"), ("CONTACT", "+44 20 7946 0958")]),
    ("mail jo.doe@example.org, see https://example.org/a?b=1.", [("CONTACT", "jo.doe@example.org"),
                                                                  ("CONTACT", "https://example.org/a?b=1")]),
    ("from 10.0.0.12 and 999.1.1.1", [("CONTACT", "10.0.0.12")]),
    ("seen 03/14/2021, 2021-02-30 and March 3rd, 2020", [("DATE", "03/14/2021"), ("DATE", "March 3rd, 2020")]),
    ("a 93-year-old man; a 45-year-old woman", [("AGE", "93")]),
    ("lives in Boston MA 02115", [("LOCATION", "02115")]),
    ("at 12 Elm Street today", [("LOCATION", "12 Elm Street")]),
    ("seen by Dr. Maria Sanchez and Mr O'Brien-Smith", [("NAME", "Maria Sanchez"), ("NAME", "O'Brien-Smith")]),
    ("lives at 12 Oak Dr. Lives alone", [("LOCATION", "12 Oak Dr.")]),  # a street, not a title
    ("Drug levels normal; dr. on call", []),
])
def test_rules_find_validated_identifiers(text, expected):
    assert _labels(text) == expected


def test_redact_and_mask_keep_everything_else():
    class S:
        def __init__(self, start, end, label):
            self.start, self.end, self.label = start, end, label

    text = "John Smith seen 03/14/2021."
    spans = [S(0, 10, "NAME"), S(16, 26, "DATE")]
    assert deidentify(text, spans, "redact") == "[NAME] seen [DATE]."
    assert deidentify(text, spans, "mask") == "**** ***** seen **********."


def test_surrogates_are_consistent_across_a_batch_and_keep_date_intervals():
    class S:
        def __init__(self, start, end, label):
            self.start, self.end, self.label = start, end, label

    sur = Surrogates(seed=3)
    a = "John Smith admitted 03/01/2021, discharged 03/11/2021."
    b = "Follow-up for John Smith."
    out_a = deidentify(a, [S(0, 10, "NAME"), S(20, 30, "DATE"), S(43, 53, "DATE")], "surrogate", sur, "d1")
    out_b = deidentify(b, [S(14, 24, "NAME")], "surrogate", sur, "d2")
    fake = out_b[len("Follow-up for "):-1]
    assert fake != "John Smith" and out_a.startswith(fake)
    import datetime as dt

    d1, d2 = (dt.datetime.strptime(x, "%m/%d/%Y") for x in (out_a[len(fake) + 10:][:10], out_a[-11:-1]))
    assert (d2 - d1).days == 10 and d1.strftime("%m/%d/%Y") != "03/01/2021"


def test_synthetic_notes_mark_their_identifiers_and_templates_are_disjoint():
    assert not set(TRAIN_TEMPLATES) & set(HELD_OUT_TEMPLATES)
    notes = make_notes(20, seed=1)
    for n in notes:
        for s, e, label in n.spans:
            assert n.text[s:e].strip() and label in {"NAME", "DATE", "AGE", "ID", "CONTACT", "LOCATION", "ORGANIZATION"}
    conll = to_conll(notes[:2])
    assert "B-" in conll and conll.endswith("\n\n")
