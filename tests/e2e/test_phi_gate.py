"""The PHI gate in Chromium: upload notes with identifiers, see the counts, de-identify, run, send to review, and find
no original identifier in the review database file."""

import pytest

from tests.e2e.conftest import shot, upload

pytestmark = pytest.mark.e2e

IDENTIFIERS = ["Margaret Oduya", "4829174", "03/14/2021", "617-555-0142", "m.oduya@example.org", "12 Elm Street",
               "Harold Quist", "555-12-3456", "2020-11-02"]
CSV = (
    "id,note\n"
    'p1,"Margaret Oduya (MRN 4829174) seen 03/14/2021 with crushing chest pain; call 617-555-0142 or '
    'm.oduya@example.org. Lives at 12 Elm Street, Boston MA 02115."\n'
    'p2,"Harold Quist, SSN 555-12-3456, admitted 2020-11-02 with acute ischaemic stroke and aphasia."\n'
)


def test_upload_with_phi_is_deidentified_before_it_runs_or_is_stored(server, server_data_dir, page, tmp_path):
    src = tmp_path / "identified.csv"
    src.write_text(CSV)
    page.goto(f"{server}/Clinical_text")
    upload(page, src)
    page.get_by_role("button", name="Classify").click()
    page.get_by_text("Protected health information found:").wait_for()
    banner = page.get_by_text("Protected health information found:").inner_text()
    assert "NAME" in banner and "ID" in banner and "DATE" in banner and "CONTACT" in banner
    page.locator("mark").first.wait_for()
    shot(page, "phi-gate")
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("2 document(s) classified with").wait_for()
    page.get_by_text("de-identified (redact) before the model ran").wait_for()
    page.get_by_role("button", name="Send this batch to review").click()
    page.get_by_text("is ready to review").wait_for()
    shot(page, "phi-deidentified")
    db = (server_data_dir / "biofm.db").read_bytes()
    for wal in server_data_dir.glob("biofm.db*"):
        db += wal.read_bytes()
    assert b"[NAME]" in db
    assert [x for x in IDENTIFIERS if x.encode() in db] == []
