import pandas as pd
import pytest

from tests.e2e.conftest import download, shot

pytestmark = pytest.mark.e2e


def test_molecules_example_shows_top_substructures_and_the_file_aggregate(server, page, tmp_path):
    page.goto(f"{server}/Molecules")
    page.get_by_role("button", name="Try the example").click()
    page.get_by_text("molecule(s) kept, 3 rejected").wait_for()
    page.get_by_text("Top substructures").first.wait_for()
    page.get_by_text("substructure(s) whose deletion changes it most").wait_for()
    page.get_by_text("1 · scaffold c1ccccc1").wait_for()  # aspirin, the first molecule: its benzene ring leads (ESOL)
    page.get_by_text("1 · scaffold c1ccccc1").scroll_into_view_if_needed()
    shot(page, "molecules-substructures-one")
    page.get_by_role("button", name="Aggregate over 13 molecule(s)").click()
    page.get_by_text("Top substructure deleted: mean change").wait_for()
    page.get_by_text("Faithful: deleting the top substructure moved the prediction more").wait_for()
    shot(page, "molecules-substructures")
    frame = pd.read_csv(download(page, "Download substructure table (CSV)", tmp_path / "subs.csv"))
    assert {"fragment", "mean effect", "occurrences", "molecules"} <= set(frame.columns)
    assert frame["mean effect"].is_monotonic_decreasing and (frame["molecules"] >= 2).all()


def test_molecules_example_shows_model_kind_interval_and_prediction_set(server, page):
    """#24: the example's predictions say which model kind made them, with a conformal interval (ESOL) or a
    prediction set (BBBP, whose default kind is the one that won on the scaffold test split)."""
    import re

    page.goto(f"{server}/Molecules")
    page.get_by_text("How the model kinds compare on this model's test split").wait_for()
    page.get_by_text("biofm transformer (default)", exact=True).wait_for()  # ESOL: the transformer won
    page.get_by_role("button", name="Try the example").click()
    page.get_by_text("Predicted by: biofm transformer · 90% conformal prediction interval per molecule").wait_for()
    body = page.inner_text("body")
    assert re.search(r"logS: -?\d+\.\d\d \[-?\d+\.\d\d, -?\d+\.\d\d\]", body), body[-2000:]
    assert "Traceback" not in body

    page.get_by_label("Model").first.click()
    page.keyboard.type("bbbp")
    page.keyboard.press("Enter")
    page.get_by_text("ensemble (mean of transformer and random forest) (default)", exact=True).wait_for()
    page.get_by_role("button", name="Try the example").click()
    page.get_by_text("Predicted by: ensemble (mean of transformer and random forest) · 90% conformal prediction set "
                     "per molecule").wait_for()
    body = page.inner_text("body")
    assert re.search(r"BBB_penetration: \d\.\d\d \{(active|inactive)(, (active|inactive))?\}", body), body[-2000:]
    page.get_by_text("Top substructures").first.wait_for()
    shot(page, "molecules-bbbp-kind-set")
