import pytest

from biofm.reports import OBSERVATIONS, chexpert_value, label_report
from biofm.reports.generator import generate_reports
from biofm.reports.rules import split_sentences


def labels(text: str) -> dict[str, str]:
    return {k: v for k, v in label_report(text).as_row().items() if v != "not mentioned"}


@pytest.mark.parametrize("text,expected", [
    ("No pneumothorax.", {"Pneumothorax": "negative", "No Finding": "positive"}),
    ("There is no evidence of pneumothorax.", {"Pneumothorax": "negative", "No Finding": "positive"}),
    ("Pneumothorax is not seen.", {"Pneumothorax": "negative", "No Finding": "positive"}),
    ("Cannot exclude pneumonia.", {"Pneumonia": "uncertain"}),
    ("Pneumonia cannot be excluded.", {"Pneumonia": "uncertain"}),
    ("Opacity at the left base may represent atelectasis.", {"Lung Opacity": "positive", "Atelectasis": "uncertain"}),
    ("No effusion but there is consolidation.", {"Pleural Effusion": "negative", "Consolidation": "positive"}),
    ("No pneumothorax; however, a small left effusion is seen.", {"Pneumothorax": "negative",
                                                                  "Pleural Effusion": "positive"}),
    ("No focal consolidation, pleural effusion, or pneumothorax.",
     {"Consolidation": "negative", "Pleural Effusion": "negative", "Pneumothorax": "negative", "No Finding": "positive"}),
    ("No change in the small right pleural effusion.", {"Pleural Effusion": "positive"}),
    ("Endotracheal tube terminates 4 cm above the carina.", {"Support Devices": "positive", "No Finding": "positive"}),
    ("The nasogastric tube has been removed.", {"Support Devices": "negative", "No Finding": "positive"}),
    ("Heart size is normal. The lungs are clear.", {"Cardiomegaly": "negative", "Lung Opacity": "negative",
                                                    "No Finding": "positive"}),
    ("Moderate cardiomegaly with pulmonary edema.", {"Cardiomegaly": "positive", "Edema": "positive"}),
    ("Healed left rib fractures.", {"Fracture": "positive"}),
    ("Right apical pleural thickening.", {"Pleural Other": "positive"}),
    ("Widened mediastinum.", {"Enlarged Cardiomediastinum": "positive"}),
    ("Spiculated right upper lobe nodule.", {"Lung Lesion": "positive"}),
])
def test_cues_and_scope(text, expected):
    assert labels(text) == expected


def test_normal_report_is_no_finding_with_its_evidence():
    rep = label_report("FINDINGS: Lungs are clear. Heart size is normal.\nIMPRESSION: No acute cardiopulmonary process.")
    assert rep.labels["No Finding"].label == "positive"
    assert rep.labels["No Finding"].evidence == "No acute cardiopulmonary process."


def test_indication_is_ignored_and_impression_overrides_findings():
    text = ("INDICATION: Cough, evaluate for pneumonia.\nFINDINGS: Patchy opacity at the right base, possibly "
            "pneumonia.\nIMPRESSION: Right lower lobe pneumonia.")
    rep = label_report(text)
    assert rep.labels["Pneumonia"].label == "positive"
    assert rep.labels["Pneumonia"].section == "impression"
    assert rep.labels["Pneumonia"].evidence == "Right lower lobe pneumonia."
    assert text[rep.labels["Pneumonia"].start:rep.labels["Pneumonia"].end] == "Right lower lobe pneumonia."
    assert labels("INDICATION: rule out pneumothorax.") == {"No Finding": "positive"}


def test_numbered_lists_placeholders_and_line_breaks():
    text = "IMPRESSION:\n1. Small left pleural effusion.\n2. Mild cardiomegaly. XXXX\n3. No pneumothorax."
    sents = [s.text for s in split_sentences(text)]
    assert sents == ["Small left pleural effusion.", "Mild cardiomegaly.", "XXXX", "No pneumothorax."]
    assert labels(text) == {"Pleural Effusion": "positive", "Cardiomegaly": "positive", "Pneumothorax": "negative"}


def test_every_observation_is_always_reported_in_order():
    assert list(label_report("").labels) == list(OBSERVATIONS)
    assert [chexpert_value(v) for v in ("positive", "negative", "uncertain", "not mentioned")] == ["1", "0", "-1", ""]


def test_generator_labels_and_styles_are_disjoint_and_reproducible():
    a = generate_reports(50, seed=3, style="train")
    assert [r.text for r in a] == [r.text for r in generate_reports(50, seed=3, style="train")]
    b = generate_reports(50, seed=3, style="heldout")
    assert not {r.text for r in a} & {r.text for r in b}
    for r in a + b:
        assert set(r.labels) == set(OBSERVATIONS)
        pathology = [o for o in OBSERVATIONS if o not in ("No Finding", "Support Devices")]
        has = any(r.labels[o] in ("positive", "uncertain") for o in pathology)
        assert not (has and r.labels["No Finding"] == "positive")


def test_generator_phrase_lists_are_disjoint_between_styles():
    from biofm.reports import generator

    pairs = [v for v in vars(generator).values() if isinstance(v, tuple) and len(v) == 2
             and all(isinstance(x, (list, tuple)) for x in v)]
    pairs += list(generator.FINDING.values())
    assert len(pairs) >= 15
    for train, heldout in pairs:
        assert not set(map(str, train)) & set(map(str, heldout))


def test_the_rules_read_generated_reports_as_the_generator_wrote_them():
    for style in ("train", "heldout"):
        for r in generate_reports(300, seed=11, style=style):
            assert label_report(r.text).as_row() == r.labels, r.text


def test_generator_covers_the_conventions_and_the_layouts():
    text = "\n".join(r.text for r in generate_reports(400, seed=2) + generate_reports(400, seed=2, style="heldout"))
    for phrase in (": none.", "No new ", "to suggest", "has resolved", "No change in", "cannot be excluded",
                   "versus", "History of", "IMPRESSION:\n1. ", "Conclusion:", "\n- ", "oedema", "granuloma"):
        assert phrase in text, phrase
