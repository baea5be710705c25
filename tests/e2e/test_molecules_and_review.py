from pathlib import Path

import pandas as pd

import pytest

from tests.e2e.conftest import download, shot, upload

pytestmark = pytest.mark.e2e


def test_molecules_upload_validate_predict_and_draw_atoms(server, page, tmp_path):
    src = tmp_path / "mols.csv"
    src.write_text("id,smiles\naspirin,CC(=O)Oc1ccccc1C(=O)O\nbroken,C1CC\ncaffeine,Cn1cnc2c1c(=O)n(C)c(=O)n2C\n"
                   "ethanol,CCO\n")
    page.goto(f"{server}/Molecules")
    upload(page, src)
    page.get_by_role("button", name="Predict").click()
    page.get_by_text("3 molecule(s) kept, 1 rejected").wait_for()
    page.get_by_role("button", name="Explain").click()
    page.get_by_text("green raises it").wait_for()
    shot(page, "molecules")
    out = download(page, "Download CSV", tmp_path / "pred.csv")
    frame = pd.read_csv(out)
    assert frame["id"].astype(str).tolist() == ["aspirin", "broken", "caffeine", "ethanol"]  # the rejected row in place, its id kept
    assert frame["valid"].tolist() == [True, False, True, True] and "unclosed ring" in frame["error"][1]
    frame = frame[frame["valid"]]
    assert {"logS", "uncertainty", "nearest_train_similarity"} <= set(frame.columns)
    # solubility: ethanol is miscible, aspirin and caffeine far less soluble
    by_id = frame.set_index("id")["logS"]
    assert by_id["ethanol"] > by_id["aspirin"] and by_id["ethanol"] > by_id["caffeine"]


def test_review_two_items_and_export(server, page, tmp_path):
    page.goto(f"{server}/Clinical_text")
    page.get_by_label("Notes").fill("Crushing chest pain with ST elevation.\nNew glioblastoma on MRI.\n")
    page.get_by_text("One document per line").click()
    page.get_by_role("button", name="Classify").click()
    page.get_by_text("2 document(s) classified").wait_for()
    page.get_by_role("button", name="Send this batch to review").click()
    page.get_by_text("is ready to review").wait_for()
    page.goto(f"{server}/Review")
    page.get_by_label("Your name (recorded on every decision)").fill("Dr E2E")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Accept").wait_for()
    page.get_by_role("button", name="Accept").click()
    page.get_by_text("1 of 2 accepted or corrected").wait_for()
    page.get_by_text("The model against the batch's labels").wait_for()  # agreement/metrics update without a reload
    page.get_by_role("button", name="Accept").click()
    page.get_by_text("Nothing left to review in this batch").wait_for()
    shot(page, "review")
    downloads = []
    page.on("download", lambda d: downloads.append(d))
    page.get_by_role("button", name="Export CSV").first.click()  # CSV then JSONL within a second: both download
    page.get_by_role("button", name="Export JSONL").first.click()
    for _ in range(300):
        if len(downloads) >= 2:
            break
        page.wait_for_timeout(100)
    by_kind = {Path(d.suggested_filename).suffix: d for d in downloads}
    assert sorted(by_kind) == [".csv", ".jsonl"], [d.suggested_filename for d in downloads]
    by_kind[".csv"].save_as(tmp_path / "reviewed.csv")
    by_kind[".jsonl"].save_as(tmp_path / "reviewed.jsonl")
    frame = pd.read_csv(tmp_path / "reviewed.csv")
    assert list(frame.columns) == ["id", "text", "label", "adjudicated"] and len(frame) == 2
    assert len((tmp_path / "reviewed.jsonl").read_text().splitlines()) == 2
    out = download(page, "Export CSV", tmp_path / "again.csv")
    assert len(pd.read_csv(out)) == 2
