"""PHI detection on real-looking text: the identifier forms real notes use are found, and clinical prose is kept
(list numbers, measurements, rib and vertebral levels, gestational ages, doses, p-values, anatomy, eponyms)."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pytest

from biofm.phi.actions import SurrogateVault, Surrogates, deidentify
from biofm.phi.rules import find_rule_spans
from biofm.phi.validate import keep_model_span


def _found(text):
    return [(s.label, s.text) for s in find_rule_spans(text)]


@pytest.mark.parametrize("text, expected", [
    ("Seen 21Sep2023 by cardiology.", [("DATE", "21Sep2023")]),
    ("Echo done 29Mar22, normal.", [("DATE", "29Mar22")]),
    ("Sample taken 2024-03-15T14:30:00Z in clinic.", [("DATE", "2024-03-15T14:30:00Z")]),
    ("A ninety-two year old woman with a hip fracture.", [("AGE", "ninety-two")]),
    ("She is one hundred and one years old.", [("AGE", "one hundred and one")]),
    ("Patient states: my name is Tovi and I live alone.", [("NAME", "Tovi")]),
    ("name: tovi smith", [("NAME", "tovi smith")]),
    ("Lives at Erzsébet tér 19. with her son.", [("LOCATION", "Erzsébet tér 19.")]),
    ("Mail to PSC 0413, Box 8144, APO AA 34001 please.", [("LOCATION", "PSC 0413, Box 8144, APO AA 34001")]),
    ("Address: 221B Baker Street, London NW1 6XE.", [("LOCATION", "221B Baker Street"), ("LOCATION", "NW1 6XE")]),
    ("Wohnt in der Hauptstraße 12, 10115 Berlin.", [("LOCATION", "Hauptstraße 12"), ("LOCATION", "10115 Berlin")]),
    ("Transferred from Massachusetts General Hospital yesterday.",
     [("ORGANIZATION", "Massachusetts General Hospital")]),
    ("Follow-up at Riverside Family Clinic in two weeks.", [("ORGANIZATION", "Riverside Family Clinic")]),
])
def test_rules_find_the_forms_real_notes_use(text, expected):
    assert _found(text) == expected


KEEP = ["Tracheostomy tube tip is 5 cm above the carina.",
        "Round density measuring 1.9 x 1.8 cm in the right lower lobe.",
        "Old fractures of the left 7th and 8th ribs.",
        "1. Small bilateral effusions. 2. Basilar atelectasis.",
        "Patients with diabetes and/or hypertension were included.",
        "Born at 32 weeks of gestation with a birth weight of 1500 g; at 3 days of age she was 1.6 kg.",
        "Degenerative change at L4-5 and C5-6.",
        "The difference was significant (P less than 0.05; p = 0.001).",
        "5-FU 425 mg/m2 was given on days 1-5; 12% of patients had grade 3-4 toxicity.",
        "Patients may 5 times a day report pain; the dose was 2.5 mg/kg in 1998.",
        "Could the mediastinum be widened? It looks like a computer artefact."]


@pytest.mark.parametrize("text", KEEP)
def test_rules_keep_clinical_text(text):
    assert _found(text) == []


@pytest.mark.parametrize("label, text, before, after, keep", [
    ("NAME", "carina", "5 cm above the ", ".", False),
    ("NAME", "Basilar", "2. ", " atelectasis.", False),
    ("NAME", "computer", "like a ", " artefact", False),
    ("NAME", "Parkinson", "", "'s disease", False),
    ("NAME", "Stefanie Hunter", "her son ", " called", True),
    ("NAME", "JENSEN", "", " resides at", True),
    ("CONTACT", "like", "It looks ", " a", False),
    ("CONTACT", "/", "and", "or", False),
    ("CONTACT", "001-206-272-3333x16945", "(", ")", True),
    ("DATE", "2.", "effusions. ", " Basilar", False),
    ("DATE", "7th", "left ", " and 8th ribs", False),
    ("DATE", "October 17, 2004", "on ", ".", True),
    ("ID", "1.9", "measuring ", " x", False),
    ("ID", "1472-1477", "95, ", ")", False),
    ("ID", "A69210316", "record no. ", ",", True),
    ("AGE", "32", "born at ", " weeks", False),
    ("AGE", "95", "a ", "-year-old man", True),
    ("LOCATION", "Iceland", "in ", ",", False),
    ("LOCATION", "Ryanton SD 38918", "Trail, ", " and", True),
    ("ORGANIZATION", "mediastinum", "the ", " is", False),
    ("ORGANIZATION", "PCR", "reaction (", ")", False),
])
def test_model_spans_need_the_shape_of_their_type(label, text, before, after, keep):
    assert keep_model_span(label, text, before, after) is keep


class _S:
    def __init__(self, start, end, label):
        self.start, self.end, self.label = start, end, label


def test_surrogate_dates_move_earlier_by_1_to_365_days():
    sur = Surrogates(seed=11)
    for i in range(40):
        out = deidentify("seen 2006-04-07", [_S(5, 15, "DATE")], "surrogate", sur, f"p{i}")
        shifted = dt.date.fromisoformat(out[5:])
        assert 1 <= (dt.date(2006, 4, 7) - shifted).days <= 365


def test_vault_keeps_surrogates_and_shifts_across_runs_encrypted(tmp_path, monkeypatch):
    monkeypatch.delenv("BIOFM_PHI_KEY", raising=False)
    text = "Jane Roe seen 03/01/2021."
    spans = [_S(0, 8, "NAME"), _S(14, 24, "DATE")]
    first = SurrogateVault(tmp_path)
    out1 = deidentify(text, spans, "surrogate", first, "d1")
    first.save()
    vault_file, key_file = tmp_path / "phi_vault.enc", tmp_path / "phi_vault.key"
    assert stat.S_IMODE(os.stat(vault_file).st_mode) == 0o600 and stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert b"jane" not in vault_file.read_bytes().lower() and b"Roe" not in vault_file.read_bytes()
    second = SurrogateVault(tmp_path)  # a later run, another batch
    out2 = deidentify("Follow-up: Jane Roe on 03/01/2021.", [_S(11, 19, "NAME"), _S(23, 33, "DATE")], "surrogate",
                      second, "d2")
    fake, fake_date = out1.split(" seen ")[0], out1[-11:-1]
    assert fake != "Jane Roe" and out2 == f"Follow-up: {fake} on {fake_date}."
    assert second.reidentify(fake, "NAME") == ["jane roe"]
    key = key_file.read_bytes()
    key_file.unlink()
    with pytest.raises(ValueError, match="does not open"):
        SurrogateVault(tmp_path)  # a fresh key cannot read the vault
    monkeypatch.setenv("BIOFM_PHI_KEY", key.decode())
    assert SurrogateVault(tmp_path).reidentify(fake) == ["jane roe"]


@pytest.mark.slow
def test_shipped_detector_keeps_clinical_words_and_finds_identifiers():
    from biofm import api
    from biofm.records import TextRecord

    notes = [*KEEP, "Patient states: my name is Tovi and I live alone. Seen 21Sep2023 by Dr. Okafor, call 617-555-0142."]
    preds = api.predict("phi", [TextRecord(str(i), t) for i, t in enumerate(notes)])
    for text, ents in zip(notes[:-1], preds.entities[:-1]):
        assert [(e.label, e.text) for e in ents] == [], text
    last = preds.entities[-1]
    assert {(e.label, e.text) for e in last} >= {("NAME", "Tovi"), ("DATE", "21Sep2023"), ("NAME", "Okafor"),
                                                 ("CONTACT", "617-555-0142")}
    assert all(e.reason.startswith(("rule: ", "model: ")) for e in last)
    assert preds.rows()[1]["entities"] == [] and "reason" in preds.rows()[-1]["entities"][0]
