import pandas as pd
import pytest

from tests.e2e.conftest import download, shot, upload

pytestmark = pytest.mark.e2e

CSV = (
    "note_id,note\n"
    'a1,"Colonoscopy shows an ulcerated mass; biopsy confirms adenocarcinoma, staging CT planned."\n'
    'a2,"Sudden weakness of the right arm and aphasia; CT head shows an acute ischaemic stroke."\n'
    "a3,\n"
    'a4,"Crushing chest pain with ST elevation in the anterior leads; troponin rising."\n'
)


def test_upload_csv_see_predictions_and_download(server, page, tmp_path):
    src = tmp_path / "notes.csv"
    src.write_text(CSV)
    page.goto(f"{server}/Clinical_text")
    upload(page, src)
    page.get_by_role("button", name="Classify").click()
    page.get_by_text("3 document(s) classified with disease-category").wait_for()
    page.get_by_text("1 row(s) could not be used").wait_for()
    page.get_by_role("button", name="Download CSV").wait_for()
    page.get_by_text("Predictions", exact=True).wait_for()
    assert page.locator("[data-testid='stDataFrame']").count() >= 2  # row errors and predictions
    shot(page, "clinical-text-upload")
    out = download(page, "Download CSV", tmp_path / "pred.csv")
    frame = pd.read_csv(out)
    assert frame["id"].tolist() == ["a1", "a2", "a4"]
    # the page gives exactly what the engine gives for the same rows
    from biofm import api
    from biofm.io import read_text_file

    expected = pd.DataFrame(api.predict("text-classify", read_text_file(src).records).rows())
    assert frame["label"].tolist() == expected["label"].tolist()
    assert abs(frame["p_neoplasms"] - expected["p_neoplasms"].astype(float)).max() < 1e-3
    assert frame["label"][0] == "neoplasms"  # a biopsy-proven adenocarcinoma
    # explain the first document for its predicted class
    page.get_by_role("button", name="Explain").click()
    page.get_by_text("supports neoplasms").wait_for()
    page.get_by_text("IG convergence delta").wait_for()
    shot(page, "clinical-text-explained")
