"""The default PHI gate (warn) in Chromium on a real-looking radiology report CSV: findings, measurements and list
numbers survive de-identification, while a name and a phone number planted in a second column are removed from
everything shown, exported and stored."""

import csv
import io

import pytest

from tests.e2e.conftest import download, upload

pytestmark = pytest.mark.e2e

REPORT = ("FINDINGS: 1. Endotracheal tube tip is 4 cm above the carina. 2. Round density in the right lower lobe "
          "measuring 1.9 x 1.8 cm. 3. Old fractures of the left 7th and 8th ribs. IMPRESSION: 1. Small bilateral "
          "pleural effusions. 2. Basilar atelectasis.")
KEPT = ["4 cm above the carina", "1.9 x 1.8 cm", "left 7th and 8th ribs", "1. Small bilateral pleural effusions",
        "2. Basilar atelectasis", "Round density in the right lower lobe"]
PLANTED = ["Margaret Oduya", "617-555-0142"]


def test_default_gate_keeps_the_medicine_and_removes_a_planted_column(server, server_data_dir, page, tmp_path):
    src = tmp_path / "reports.csv"
    with src.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "report", "notes"])
        w.writerow(["r1", REPORT, "Discussed with Margaret Oduya by phone 617-555-0142 after the study."])
        w.writerow(["r2", "No acute cardiopulmonary process. Heart size is normal.", "none"])
    page.goto(f"{server}/Imaging_reports")
    upload(page, src)
    page.get_by_role("button", name="Label reports").click()
    page.get_by_text("Protected health information found:").wait_for()
    assert "column notes" in page.get_by_text("Scanned:").first.inner_text()
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("report(s) labelled with").wait_for()
    page.get_by_text("de-identified (redact) before the model ran").wait_for()
    body = page.locator("body").inner_text()
    assert [x for x in PLANTED if x in body] == []
    rows = list(csv.DictReader(io.StringIO(download(page, "Download CSV (CheXpert convention)",
                                                    tmp_path / "labels.csv").read_text())))
    text = rows[0]["report"]
    assert [k for k in KEPT if k not in text] == [], text
    page.get_by_role("button", name="Send this batch to review").click()
    page.get_by_text("is ready to review").wait_for()
    db = b"".join(p.read_bytes() for p in server_data_dir.glob("biofm.db*"))
    assert [x for x in PLANTED if x.encode() in db] == []
