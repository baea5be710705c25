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
