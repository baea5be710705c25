"""The Imaging reports page shows model-only labels apart from labels with evidence."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from biofm.reports import OBSERVATIONS
from tests.app.conftest import submit

PAGE = str(Path(__file__).parents[2] / "pages" / "3_Imaging_reports.py")


def table(at, *columns):
    """The first table of the page with these columns (AppTest does not look dataframes up by key)."""
    return next((d.value for d in at.dataframe if list(d.value.columns) == list(columns)), None)


def test_model_only_labels_are_shown_apart_and_marked(app_env):
    at = AppTest.from_file(PAGE, default_timeout=90).run()
    at.selectbox(key="reports-model").set_value("tiny-reports").run()
    at.text_area(key="reports-text").input("Small left pleural effusion. No pneumothorax.")
    submit(at).click().run()
    assert not at.exception and not at.error
    evidence = table(at, "observation", "label", "cue", "evidence").set_index("observation")
    assert evidence.loc["Pleural Effusion", "label"] == "positive"
    assert evidence.loc["Pleural Effusion", "evidence"] == "Small left pleural effusion."
    assert evidence.loc["Pneumothorax", "cue"] == "No"
    assert table(at, "observation", "label", "model probability") is None
    assert any(c.value.startswith("None: the model adds a label only") for c in at.caption)
    # a model very sure of Edema, which no sentence mentions: a model-only label, apart and marked in the batch
    preds = at.session_state["reports-result"]["preds"]
    j = OBSERVATIONS.index("Edema")
    preds.probs[0, j] = [0.99, 0.004, 0.003, 0.003]
    preds.__dict__.pop("_combined", None)
    at.run()
    assert not at.exception and not at.error
    only = table(at, "observation", "label", "model probability")
    assert only["observation"].tolist() == ["Edema"] and only["model probability"].tolist() == [0.99]
    assert "Edema" not in table(at, "observation", "label", "cue", "evidence")["observation"].tolist()
    batch = at.dataframe[0].value
    assert batch.loc[0, "Edema"] == "pos*" and batch.loc[0, "Pleural Effusion"] == "pos"
    assert batch.loc[0, "No Finding"] == ""  # a model-only pathology keeps No Finding off too
    assert any("model only" in c.value for c in at.caption)
