"""The phrasing table (tests/reports/cases.py) against the labels biofm shows: rules + the shipped model, combined
as the page and the CLI combine them; and the CheXpert No Finding property on every report we have."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biofm import api
from biofm.config import load_settings
from biofm.records import TextRecord
from biofm.reports import OBSERVATIONS, label_report
from biofm.reports.combine import MODEL_ONLY_THRESHOLD, combine
from biofm.reports.generator import generate_reports
from biofm.reports.observations import PATHOLOGIES
from biofm.tasks.reports.kind import ReportPredictions
from tests.reports.cases import CASES, ISSUE, answer

pytestmark = pytest.mark.slow
EXAMPLE = Path(__file__).parents[2] / "assets" / "examples" / "chest_reports.csv"


@pytest.fixture(scope="module")
def shown():
    """Combined labels (label, source) of every case, as the page and `biofm predict reports` produce them."""
    records = [TextRecord(str(i), text) for i, (_, text, _) in enumerate(CASES)]
    preds = api.predict("reports", records, settings=load_settings(device="cpu", precision="fp32"))
    return preds


def test_the_table_covers_every_category_with_150_cases_or_more():
    cats = {c for c, _, _ in CASES}
    assert len(CASES) >= 150 and len({t for _, t, _ in CASES}) == len(CASES)
    assert {"issue", "pre-negation", "post-negation", "no new", "no X to suggest Y", "without", "resolved",
            "no change", "double negation", "hedge", "historical", "hypothetical", "mentions", "devices",
            "no finding", "format", "report"} <= cats
    assert len(ISSUE) == 10


@pytest.mark.parametrize("i", range(len(CASES)), ids=[f"{c}:{t[:40]}" for c, t, _ in CASES])
def test_case(shown, i):
    category, text, spec = CASES[i]
    got = {o: lab for o, (lab, _) in shown.final()[i].items()}
    want = answer(spec)
    wrong = {o: f"want {want[o]}, got {got[o]} ({shown.final()[i][o][1]})" for o in OBSERVATIONS if got[o] != want[o]}
    assert not wrong, f"{category}: {text!r}: {wrong}"
    for o, f in shown.combined()[i].items():  # every positive / uncertain label says why
        if f.label in ("positive", "uncertain") and f.source == "rules" and o != "No Finding":
            assert f.evidence and f.evidence in text
        if f.source == "model":
            assert f.probability >= MODEL_ONLY_THRESHOLD and not f.evidence


def _no_finding_holds(preds: ReportPredictions) -> list[str]:
    bad = []
    for rid, fin in zip(preds.ids, preds.final()):
        if fin["No Finding"][0] == "positive":
            hit = [o for o in PATHOLOGIES if fin[o][0] in ("positive", "uncertain")]
            if hit:
                bad.append(f"{rid}: No Finding positive with {hit}")
    return bad


def test_no_report_gets_no_finding_with_a_positive_or_uncertain_pathology(shown):
    gen = generate_reports(150, seed=5) + generate_reports(150, seed=5, style="heldout")
    texts = pd.read_csv(EXAMPLE)["report"].tolist() + [g.text for g in gen]
    preds = api.predict("reports", [TextRecord(f"r{i}", t) for i, t in enumerate(texts)],
                        settings=load_settings(device="cpu", precision="fp32"))
    assert _no_finding_holds(shown) == [] and _no_finding_holds(preds) == []
    for text, labels in zip(preds.texts, preds.combined()):  # and every positive / uncertain label says why
        for o, f in labels.items():
            if f.label in ("positive", "uncertain"):
                assert (f.model_only and f.probability >= MODEL_ONLY_THRESHOLD) or (
                    f.evidence and text[f.rules.start:f.rules.end] == f.evidence) or o == "No Finding", (o, text)
    # and the rules agree with the generator's own labels (which follow the same convention)
    for g, fin in zip(gen, preds.final()[-len(gen):]):
        assert fin["No Finding"][0] == g.labels["No Finding"], g.text


def test_a_model_that_insists_on_no_finding_does_not_get_it():
    """Worst case for the aggregation: the model is sure of No Finding and of a pathology no sentence mentions."""
    text = "Lungs are clear. Heart size is normal."
    probs = np.full((1, 14, 4), 0.001, dtype=np.float32)
    probs[0, :, 3] = 0.997
    probs[0, OBSERVATIONS.index("No Finding")] = [0.997, 0.001, 0.001, 0.001]
    probs[0, OBSERVATIONS.index("Edema")] = [0.99, 0.004, 0.003, 0.003]
    preds = ReportPredictions(["a"], [text], None, "m", [1], probs, [label_report(text)])
    fin = preds.final()[0]
    assert fin["Edema"] == ("positive", "model")
    assert fin["No Finding"] == ("not mentioned", "rules")
    assert _no_finding_holds(preds) == []
    # the model never overrides a sentence: here the rules read Lung Opacity as negative ("Lungs are clear")
    probs[0, OBSERVATIONS.index("Lung Opacity")] = [0.999, 0.0, 0.0, 0.001]
    assert combine(label_report(text), probs[0])["Lung Opacity"].label == "negative"
