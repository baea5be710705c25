"""The PHI gate's core: every field scanned (text, id, file name, columns), require/warn/off, the site's lists."""

from __future__ import annotations

import json
import stat

import pytest

from biofm.config import load_settings
from biofm.io.text import read_text_upload
from biofm.phi.gate import PhiRefused, check, column_hint
from biofm.phi.lists import SiteLists, load_lists, parse, save_list

CSV = (b"id,text,comments,ward\n"
       b'Jane Doe,"Chest pain since yesterday, seen on 03/14/2021.","call 617-555-0142 about the result",3\n'
       b'r2,"Normal chest radiograph. No effusion.","none",5\n')


@pytest.fixture
def settings(tmp_path):
    return load_settings(device="cpu", data_dir=tmp_path)


def _read(data=CSV, name="notes.csv"):
    return read_text_upload(data, name).records


def test_lists_allow_deny_and_roster_with_reasons():
    from biofm.phi.lists import ListEntity

    lists = SiteLists(allow=["Boston General"], deny=[("LOCATION", "Ward 7B")], roster=["Jane Doe", "4829174"])
    text = "Seen at Boston General, Ward 7B. Ms. Doe (MRN 4829174); Doe, Jane agreed."
    model_spans = [ListEntity(8, 14, "ORGANIZATION", "Boston", 0.4, "model"),
                   ListEntity(15, 22, "NAME", "General", 0.4, "model")]
    spans = lists.apply(text, model_spans)
    found = {(text[s.start:s.end], s.label, s.reason) for s in spans}
    assert ("Ward 7B", "LOCATION", "deny list: Ward 7B") in found
    assert ("Doe", "NAME", "roster: Jane Doe") in found  # a roster name's part, capitalised
    assert ("Doe, Jane", "NAME", "roster: Jane Doe") in found  # "Last, First"
    assert ("4829174", "ID", "roster: 4829174") in found
    assert not [s for s in spans if "Boston" in text[s.start:s.end] or "General" in text[s.start:s.end]]


def test_list_files_are_private_and_bad_labels_are_refused(settings):
    path = save_list(settings, "deny", "# site terms\nLOCATION: Ward 7B\nProject Lark\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_lists(settings).deny == [("LOCATION", "Ward 7B"), ("ID", "Project Lark")]
    with pytest.raises(ValueError, match="unknown label 'PLACE'"):
        save_list(settings, "deny", "PLACE: Ward 9\n")
    assert parse("roster", "Jane Doe\n\n# note\n4829174\n")[0] == ["Jane Doe", "4829174"]


def test_column_names_announce_identifiers():
    assert column_hint("patient_name") == "NAME" and column_hint("MRN") == "ID" and column_hint("HomePhone") == \
        "CONTACT" and column_hint("dob") == "DATE" and column_hint("comments") is None and column_hint("ward") is None


@pytest.mark.slow
def test_warn_deidentifies_every_field_and_says_what_it_scanned(settings):
    records = _read()
    result = check(records, "warn", settings=settings)
    first, second = result.records
    assert "Jane Doe" not in first.id and "03/14/2021" not in first.text
    assert "617-555-0142" not in first.meta["columns"]["comments"]
    assert first.meta["columns"]["ward"] == "3" and second.id == "r2" and second.text == records[1].text
    assert {"text", "id", "file name", "column comments", "column ward"} <= set(result.scanned)
    assert "de-identified (redact)" in result.summary() and "1 of 2 row(s)" in result.summary()
    assert records[0].id == "Jane Doe"  # the caller's records are not modified


@pytest.mark.slow
def test_require_refuses_naming_the_row_and_types_without_the_values(settings):
    with pytest.raises(PhiRefused) as err:
        check(_read(), "require", settings=settings)
    message = str(err.value)
    assert "row 1" in message and "CONTACT" in message and "DATE" in message and "NAME" in message
    assert "column comments" in message and "Jane Doe" not in message and "617-555-0142" not in message
    assert "row 2" not in message


@pytest.mark.slow
def test_a_file_name_with_a_name_and_ssn_is_deidentified(settings):
    records = read_text_upload(b"Seen for a cough; lungs clear.", "Jane_Doe_412-73-9051.txt").records
    result = check(records, "warn", settings=settings)
    rec = result.records[0]
    assert "Jane" not in rec.id and "412-73-9051" not in rec.id
    assert "Jane" not in rec.meta["source"] and rec.meta["source"].endswith(".txt")
    assert result.sources == {"Jane_Doe_412-73-9051.txt": rec.meta["source"]}


@pytest.mark.slow
def test_columns_named_limit_the_scan_and_the_rest_is_reported(settings):
    result = check(_read(), "warn", settings=settings, columns=["comments"])
    assert "column ward (not named by --columns)" in result.unscanned
    assert "not scanned: column ward" in result.summary()


@pytest.mark.slow
def test_off_scans_nothing_and_as_is_is_audited(settings):
    records = _read()
    off = check(records, "off", settings=settings)
    assert off.records == records and off.findings == [] and "nothing was scanned" in off.summary()
    as_is = check(records, "warn", as_is=True, settings=settings, task="text-classify")
    assert as_is.records[0].id == "Jane Doe" and "run as is" in as_is.summary()
    event = json.loads((settings.data_dir / "audit.log").read_text().splitlines()[-1])
    assert event["event"] == "phi_run_as_is" and event["rows_with_identifiers"] == 1
    assert "Jane" not in json.dumps(event)
    assert stat.S_IMODE((settings.data_dir / "audit.log").stat().st_mode) == 0o600


@pytest.mark.slow
def test_lists_from_the_settings_reach_the_gate(settings):
    save_list(settings, "roster", "Oduya\n")
    save_list(settings, "allow", "Ward 7B\n")
    records = read_text_upload(b"id,text\na,oduya reviewed on Ward 7B; stable.\n", "n.csv").records
    result = check(records, "warn", settings=settings)
    spans = result.entities(0)
    assert [(s.text, s.reason) for s in spans if getattr(s, "reason", "")] == [("oduya", "roster: Oduya")]
    assert "Ward 7B" in result.records[0].text


@pytest.mark.slow
def test_scanning_reports_progress_with_counts(settings):
    from biofm.records import TextRecord

    records = [TextRecord(f"n{i}", f"Note {i}: cough for {i % 7 + 2} days, lungs clear.", meta={"row": i + 1})
               for i in range(100)]
    seen = []
    check(records, "warn", settings=settings, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1] >= 100 and all(t == seen[-1][1] for _, t in seen)
