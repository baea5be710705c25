"""The Molecules page shows which model kind predicted, the conformal interval or prediction set, and the kinds'
comparison; the user picks the kind (the model's winner by default) and the confidence."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.app.conftest import submit

MOL_PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "4_Molecules.py")


def _predict(model: str, smiles: str, **widgets) -> AppTest:
    at = AppTest.from_file(MOL_PAGE, default_timeout=120).run()
    at.selectbox(key="mol-model").set_value(model).run()
    if "kind" in widgets:
        at.selectbox(key=f"mol-kind-{model}").set_value(widgets["kind"]).run()
    if "confidence" in widgets:
        at.select_slider(key="mol-confidence").set_value(widgets["confidence"]).run()
    at.text_area(key="mol-text").input(smiles)
    submit(at).click().run()
    assert not at.exception and not at.error
    return at


def test_interval_and_kind_for_a_regression_model(app_env):
    at = _predict("tiny-mol", "CCO ethanol\nc1ccccc1Cl chlorobenzene\n", kind="random_forest", confidence=0.8)
    assert any("Predicted by: random forest on Morgan fingerprints (ECFP4) · 80% conformal prediction interval"
               in m.value for m in at.markdown)
    table = next(d.value for d in at.dataframe if "carbons" in d.value.columns)
    assert (table["model_kind"] == "random_forest").all()
    assert (table["carbons_low"] <= table["carbons"]).all() and (table["carbons"] <= table["carbons_high"]).all()
    grid = [c.value for c in at.caption if "carbons:" in c.value]
    assert len(grid) == 2 and all("[" in g and "]" in g for g in grid)  # "carbons: 2.00 [1.10, 2.90]"


def test_prediction_set_and_default_kind_for_shipped_bbbp(app_env):
    at = _predict("bbbp", "CCO ethanol\nCN1C=NC2=C1C(=O)N(C(=O)N2C)C caffeine\n")
    kinds = at.table[0].value  # the comparison of the three kinds, from the card
    assert len(kinds) == 3 and any("(default)" in k for k in kinds.index)
    from biofm.models import default_registry

    default = default_registry().get("bbbp").extra["default_kind"]  # the winner on its scaffold test split
    assert at.selectbox(key="mol-kind-bbbp").options[0].endswith("(default: best on test)")
    assert any("90% conformal prediction set" in m.value for m in at.markdown)
    table = next(d.value for d in at.dataframe if "BBB_penetration" in d.value.columns)
    assert (table["model_kind"] == default).all()
    assert set(table["BBB_penetration_set"]) <= {"{active}", "{inactive}", "{active, inactive}", "{}"}
    assert ((table["BBB_penetration_calibrated"] >= 0) & (table["BBB_penetration_calibrated"] <= 1)).all()
    assert any("BBB_penetration:" in c.value and "{" in c.value for c in at.caption)
