"""``biofm deid`` with the shipped PHI model: JSONL spans with offsets, CSV with the text column replaced."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from biofm.cli import main

NOTES = ["John Smith, MRN 4829174, seen 03/14/2021; call 617-555-0142.",
         "Follow-up for John Smith on 04/01/2021 at Boston General Hospital."]


@pytest.mark.slow
def test_deid_jsonl_has_spans_with_offsets_and_surrogates_are_consistent(tmp_path):
    src = tmp_path / "notes.csv"
    pd.DataFrame({"id": ["a", "b"], "text": NOTES, "ward": ["3", "5"]}).to_csv(src, index=False)
    out = tmp_path / "deid.jsonl"
    assert main(["deid", str(src), "-o", str(out), "--action", "surrogate", "--seed", "1", "-q"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    for row in rows:
        for s in row["spans"]:
            assert row["text"][s["start"]:s["end"]] == s["text"] and s["source"] in ("model", "rules")
        assert "John Smith" not in row["deidentified"] and "617-555-0142" not in row["deidentified"]
    name_a = next(s for s in rows[0]["spans"] if s["label"] == "NAME")
    assert name_a["text"] == "John Smith"
    fake = rows[0]["deidentified"].split(",")[0]
    assert fake in rows[1]["deidentified"]  # the same name maps to the same fake across the batch
    csv_out = tmp_path / "deid.csv"
    assert main(["deid", str(src), "-o", str(csv_out), "-q"]) == 0
    table = pd.read_csv(csv_out, dtype=str)
    assert list(table.columns) == ["id", "text", "ward"] and table["ward"].tolist() == ["3", "5"]
    assert table["text"].iloc[0].startswith("[NAME], MRN [ID], seen [DATE]")
