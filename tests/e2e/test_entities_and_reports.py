import pytest

from tests.e2e.conftest import download, shot, upload

pytestmark = pytest.mark.e2e

NOTE = ("A 54-year-old man on long-term lithium developed nephrogenic diabetes insipidus; "
        "cisplatin was stopped after acute kidney injury.")


def test_entities_are_highlighted_and_one_is_explained(server, page):
    page.goto(f"{server}/Clinical_entities")
    page.get_by_label("Notes").fill(NOTE)
    page.get_by_role("button", name="Find entities").click()
    page.get_by_text("document(s) with bc5cdr-ner").wait_for()
    marks = page.locator("mark.biofm-ent")
    marks.first.wait_for()
    texts = [marks.nth(i).inner_text() for i in range(marks.count())]
    assert any(t.startswith("lithium") for t in texts)
    assert any(t.startswith("cisplatin") for t in texts)
    page.get_by_role("button", name="Explain").click()
    page.get_by_text("supports").first.wait_for()
    page.get_by_text("Comprehensiveness").wait_for()
    shot(page, "clinical-entities-explained")


REPORTS_CSV = (
    "study_id,report_text\n"
    's1,"FINDINGS: Endotracheal tube in place. No pneumothorax.\nIMPRESSION: Small left pleural effusion."\n'
    's2,"Lungs are clear. Heart size is normal. No acute cardiopulmonary process."\n'
    's3,"Cannot exclude early pneumonia at the right base."\n'
    "s4,\n"
)


def test_report_batch_upload_table_and_export(server, page, tmp_path):
    src = tmp_path / "reports.csv"
    src.write_text(REPORTS_CSV)
    page.goto(f"{server}/Imaging_reports")
    upload(page, src)
    page.get_by_role("button", name="Label reports").click()
    page.get_by_text("3 report(s) labelled with chexpert-reports").wait_for()
    page.get_by_text("1 row(s) could not be used").wait_for()
    page.locator("mark").first.wait_for()
    shot(page, "imaging-reports-batch")
    out = download(page, "Download CSV (CheXpert convention)", tmp_path / "labels.csv")
    import pandas as pd

    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert frame["id"].tolist() == ["s1", "s2", "s3"]
    row = frame.set_index("id")
    assert row.loc["s1", "Support Devices"] == "1" and row.loc["s1", "Pneumothorax"] == "0"
    assert row.loc["s1", "Pleural Effusion"] == "1"
    assert row.loc["s2", "No Finding"] == "1" and row.loc["s3", "Pneumonia"] == "-1"
    assert row.loc["s1", "Pleural Effusion_source"] == "rules"  # decided by a sentence, not by the model alone
    assert set(row[[c for c in frame.columns if c.endswith("_source")]].stack()) <= {"rules", "model"}
