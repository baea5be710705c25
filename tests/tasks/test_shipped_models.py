"""Every shipped model still gives the predictions recorded before the task-registry refactor."""

import json
from pathlib import Path

import numpy as np
import pytest

from biofm import api
from biofm.config import load_settings
from biofm.io.molecules import read_molecules
from biofm.records import TextRecord

GOLDEN = json.loads((Path(__file__).parents[1] / "data" / "shipped_golden.json").read_text())
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def settings():
    return load_settings(device="cpu", precision="fp32")


def _records(texts):
    return [TextRecord(str(i), t) for i, t in enumerate(texts)]


def test_disease_category(settings):
    preds = api.predict("text-classify", _records(GOLDEN["notes"]), settings=settings)
    expected = GOLDEN["expected"]["disease-category"]
    assert preds.labels == expected["labels"]
    np.testing.assert_allclose(preds.probs, expected["probs"], atol=2e-4)


def test_bc5cdr_ner(settings):
    preds = api.predict("ner", _records(GOLDEN["notes"]), settings=settings)
    got = [[[e.start, e.end, e.label] for e in ents] for ents in preds.entities]
    assert got == GOLDEN["expected"]["bc5cdr-ner"]


def test_chexpert_reports(settings):
    preds = api.predict("reports", _records(GOLDEN["reports"]), settings=settings)
    expected = GOLDEN["expected"]["chexpert-reports"]
    assert [{o: v[0] for o, v in f.items()} for f in preds.final()] == expected["final"]
    np.testing.assert_allclose(preds.probs, expected["probs"], atol=2e-4)


@pytest.mark.parametrize("model", ["esol", "bbbp", "tox21"])
def test_molecule_models(settings, model):
    records = read_molecules(GOLDEN["smiles"].encode(), "x.smi").records
    preds = api.predict("molecules", records, model=model, settings=settings, model_kind="transformer")
    expected = GOLDEN["expected"][model]  # the transformer's values (uncertainty is now conformal, not MC dropout)
    np.testing.assert_allclose(preds.values, expected["values"], atol=2e-4)
    np.testing.assert_allclose(preds.nearest_similarity, expected["nearest"], atol=1e-4)
    forest = api.predict("molecules", records, model=model, settings=settings, model_kind="random_forest")
    ensemble = api.predict("molecules", records, model=model, settings=settings, model_kind="ensemble")
    np.testing.assert_allclose(ensemble.values, (preds.values + forest.values) / 2, atol=1e-6)
    assert ensemble.confidence == 0.9 and np.isfinite(ensemble.uncertainty).all()
