import pandas as pd
import numpy as np
import pytest

from biofm.models import spec_from_dir
from tests.conftest import load_tiny
from biofm.records import TextRecord
from biofm.reports import OBSERVATIONS, label_report
from biofm.tasks.reports.train import report_metrics
from biofm.tasks.reports.kind import ReportLabeler, ReportPredictions


def test_training_lowers_the_loss_and_saves_a_loadable_model(tiny_report):
    out, result = tiny_report
    losses = [h["train_loss"] for h in result["history"]]
    assert losses[-1] < losses[0]
    assert (out / "report_head.safetensors").is_file() and (out / "biofm.json").is_file()
    spec = spec_from_dir(out)
    assert spec.task == "reports" and spec.name == "tiny-reports"


def test_predictions_exports_follow_the_chexpert_convention(tiny_report):
    out, _ = tiny_report
    labeler = ReportLabeler(load_tiny(out, "reports"))
    texts = ["No pneumothorax. Small left pleural effusion.", "Cannot exclude pneumonia.\n" * 30]
    preds = labeler.predict([TextRecord("r1", texts[0]), TextRecord("r2", texts[1])], batch_size=2)
    assert preds.probs.shape == (2, 14, 4) and preds.windows[1] > 1
    frame = pd.DataFrame(preds.rows())
    assert list(frame.columns) == ["id", "report", *OBSERVATIONS, *(f"{o}_source" for o in OBSERVATIONS)]
    assert set(frame.iloc[0, 2:16]) <= {"1", "0", "-1", ""} and set(frame.iloc[0, 16:]) <= {"rules", "model"}
    assert frame.loc[0, "Pneumothorax"] == "0" and frame.loc[0, "Pleural Effusion"] == "1"
    rec = preds.rows(detail=True)[0]
    eff = rec["observations"]["Pleural Effusion"]
    assert eff["source"] == "rules" and eff["evidence"] == "Small left pleural effusion."
    assert texts[0][eff["evidence_start"]:eff["evidence_end"]] == eff["evidence"]
    prev = preds.prevalence()
    assert list(prev.columns) == ["positive", "negative", "uncertain", "not mentioned"]
    assert (prev.sum(axis=1) == 2).all()


def test_ensemble_uses_rules_with_evidence_then_a_very_sure_model_for_positive_or_uncertain_only():
    text = "Heart is big."
    probs = np.full((1, 14, 4), 0.005, dtype=np.float32)
    probs[0, :, 3] = 0.985  # model: not mentioned everywhere ...
    j = OBSERVATIONS.index("Cardiomegaly")
    probs[0, j] = [0.98, 0.01, 0.005, 0.005]  # ... except a very sure Cardiomegaly positive
    k = OBSERVATIONS.index("Edema")
    probs[0, k] = [0.9, 0.04, 0.03, 0.03]  # an Edema positive at 0.9 is not sure enough
    n = OBSERVATIONS.index("Pneumothorax")
    probs[0, n] = [0.005, 0.99, 0.0, 0.005]  # a negative no sentence supports is not taken
    preds = ReportPredictions(["a"], [text], None, "m", [1], probs, [label_report(text)])
    final = preds.final()[0]
    assert final["Cardiomegaly"] == ("positive", "model")
    assert final["Edema"] == ("not mentioned", "rules")
    assert final["Pneumothorax"] == ("not mentioned", "rules")
    assert final["No Finding"] == ("not mentioned", "rules")  # a model-only pathology keeps No Finding off
    row = preds.rows()[0]
    assert row["Cardiomegaly"] == "1" and row["Cardiomegaly_source"] == "model"
    assert row["Edema_source"] == "rules"
    detail = preds.rows(detail=True)[0]["observations"]["Cardiomegaly"]
    assert detail["source"] == "model" and detail["evidence"] == "" and detail["model_probability"] == 0.98


def test_report_metrics_on_a_known_table():
    gold = [{o: "not mentioned" for o in OBSERVATIONS} for _ in range(2)]
    pred = [dict(g) for g in gold]
    pred[0]["Edema"] = "positive"
    m = report_metrics(gold, pred)
    assert m["per_observation"]["Edema"]["accuracy"] == 0.5
    assert m["per_observation"]["Fracture"]["accuracy"] == 1.0
    assert m["accuracy"] == pytest.approx((13 + 0.5) / 14)


def test_explaining_one_observation(tiny_report):
    from biofm import api

    out, _ = tiny_report
    loaded = load_tiny(out, "reports")
    attr = api.explain("reports", loaded, "Small left pleural effusion. No pneumothorax.", "Pleural Effusion", "ig",
                       n_steps=16)
    assert attr.target.startswith("Pleural Effusion: ")
    assert len(attr.units) == len(attr.scores) == 8
    with pytest.raises(ValueError, match="observation target"):
        api.explain("reports", loaded, "x", "Kidney", "gxi")


def test_predict_counts_reports_both_labelers_finished(tiny_report):
    out, _ = tiny_report
    labeler = ReportLabeler(load_tiny(out, "reports"))
    texts = ["No pneumothorax. Small left pleural effusion.", "Cannot exclude pneumonia.", "Heart size is normal.",
             "Mild cardiomegaly. No edema."] * 3
    calls = []
    preds = labeler.predict([TextRecord(str(i), t) for i, t in enumerate(texts)], batch_size=2,
                            progress=lambda d, t: calls.append((d, t)))
    done = [d for d, _ in calls]
    assert done == sorted(done) and calls[-1] == (12, 12) and {t for _, t in calls} == {12}
    assert [r.as_row() for r in preds.rules] == [label_report(t).as_row() for t in texts]  # in input order
    assert preds.final()[0]["Pleural Effusion"] == ("positive", "rules")
