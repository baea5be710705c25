"""Zero-shot suggestions: calibration arithmetic, and sensible top labels from the embedded encoder."""

from __future__ import annotations

import numpy as np
import pytest

from biofm import api
from biofm.config import load_settings
from biofm.records import TextRecord
from biofm.tasks.custom import label_set, save_label_set
from biofm.tasks.custom.zeroshot import batch_stats, fit_platt, zero_shot_probs


def test_batch_calibration_removes_a_labels_bias():
    rng = np.random.default_rng(0)
    sims = rng.normal(0.3, 0.02, (40, 3))
    truth = np.arange(40) % 3
    sims[np.arange(40), truth] += 0.1  # each note is closer to its own label...
    sims[:, 2] += 0.2  # ...but label 2's description is close to everything
    assert (sims.argmax(1) == 2).mean() > 0.9  # raw similarity: label 2 nearly always wins
    p = zero_shot_probs(sims, multi_label=False)
    assert np.allclose(p.sum(1), 1) and (p.argmax(1) == truth).mean() > 0.9


def test_one_note_falls_back_to_pooled_statistics():
    p = zero_shot_probs(np.array([[0.2, 0.5, 0.3]]), multi_label=False)
    assert np.isfinite(p).all() and p.argmax() == 1
    stats = batch_stats(np.array([[0.2, 0.2]]))
    assert (stats.std > 0).all()
    multi = zero_shot_probs(np.array([[0.2, 0.5, 0.3]]), multi_label=True)
    assert ((0 < multi) & (multi < 1)).all()


def test_platt_scaling_fits_reviewed_items_per_label():
    sims = np.array([[0.1, 0.6], [0.2, 0.5], [0.6, 0.1], [0.7, 0.2], [0.65, 0.55]])
    y = np.array([[0, 1], [0, 1], [1, 0], [1, 0], [1, 1]])
    platt = fit_platt(sims, y)
    assert (platt.a > 0).all()  # more similar: more likely
    p = zero_shot_probs(sims, multi_label=True, calibration=platt)
    assert (p[y == 1].min() > p[y == 0].max())
    with pytest.raises(ValueError, match="with and without"):
        fit_platt(sims, np.ones((5, 2), int))


@pytest.fixture(scope="module")
def notes():
    return [TextRecord(str(i), t) for i, t in enumerate([
        "Crushing chest pain radiating to the left arm; ECG shows ST elevation and troponin is raised.",
        "Generalised tonic-clonic seizure this morning; EEG arranged, levetiracetam started.",
        "Biopsy confirms adenocarcinoma of the colon with liver metastases; first cycle of chemotherapy.",
        "Palpitations with atrial fibrillation at 140 beats per minute, started on a beta blocker.",
        "Sudden left-sided weakness and slurred speech; CT shows an infarct in the right MCA territory.",
        "Breast lump, core biopsy shows invasive ductal carcinoma; referred to oncology."])]


def test_zero_shot_suggests_the_right_label_from_descriptions_alone(tmp_path, notes):
    ls = label_set("specialty", {"cardiology": "heart disease: chest pain, arrhythmia, heart attack",
                                 "neurology": "brain and nerve disease: seizures, stroke, weakness",
                                 "oncology": "cancer: tumours, biopsy-proven carcinoma, chemotherapy"})
    path = save_label_set(ls, tmp_path / "specialty.json")
    preds = api.predict("custom", notes, model=str(path), settings=load_settings(device="cpu", precision="fp32"))
    assert preds.mode == "zero-shot"
    assert preds.labels == ["cardiology", "neurology", "oncology", "cardiology", "neurology", "oncology"]
    assert np.allclose(preds.probs.sum(1), 1, atol=1e-5) and (preds.scores > 1 / 3).all()
    rows = preds.rows()
    assert set(rows[0]) >= {"id", "text", "label", "score", "p_cardiology", "p_neurology", "p_oncology", "mode"}


def test_zero_shot_multi_label_gives_each_label_its_own_probability(tmp_path, notes):
    ls = label_set("findings", {"pain": "the patient reports pain", "cancer": "a malignant tumour or carcinoma",
                                "seizure": "an epileptic seizure or convulsion"}, multi_label=True)
    path = save_label_set(ls, tmp_path / "findings.json")
    preds = api.predict("custom", notes, model=str(path), settings=load_settings(device="cpu", precision="fp32"))
    assert preds.probs.shape == (6, 3) and not np.allclose(preds.probs.sum(1), 1)
    assert "seizure" in preds.labels[1] and "cancer" in preds.labels[2] and "cancer" in preds.labels[5]
    assert preds.rows()[0]["labels"] == ";".join(preds.labels[0])


def test_reviewed_items_platt_scale_a_folders_zero_shot_suggestions(tmp_path, notes):
    import json

    from biofm.tasks.custom.fewshot import calibrate_zero_shot
    from biofm.tasks.custom.model import write_zero_shot

    ls = label_set("specialty", {"cardiology": "heart disease: chest pain, arrhythmia, heart attack",
                                 "neurology": "brain and nerve disease: seizures, stroke, weakness",
                                 "oncology": "cancer: tumours, biopsy-proven carcinoma, chemotherapy"})
    folder = write_zero_shot(tmp_path / "specialty", ls)
    for r, v in zip(notes, ["cardiology", "neurology", "oncology"] * 2):
        r.meta["value"] = v
    fit = calibrate_zero_shot(folder, notes)
    assert fit["method"] == "platt" and all(a > 0 for a in fit["a"])
    assert json.loads((folder / "biofm.json").read_text())["extra"]["calibration"] == fit
    preds = api.predict("custom", notes, model=str(folder), settings=load_settings(device="cpu", precision="fp32"))
    assert preds.labels == ["cardiology", "neurology", "oncology"] * 2
