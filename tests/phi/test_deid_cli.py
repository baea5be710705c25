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


@pytest.mark.slow
def test_surrogates_last_across_runs_through_the_encrypted_vault(tmp_path, monkeypatch):
    """Two separate `deid` runs (no --seed) give John Smith the same surrogate; the vault on disk is encrypted and
    private, and only its key re-identifies."""
    import os

    from biofm.phi.actions import SurrogateVault

    data = tmp_path / "data"
    monkeypatch.setenv("BIOFM_DATA_DIR", str(data))
    fakes = []
    for run, note in enumerate(NOTES):
        src = tmp_path / f"run{run}.csv"
        pd.DataFrame({"id": [f"r{run}"], "text": [note]}).to_csv(src, index=False)
        out = tmp_path / f"run{run}.jsonl"
        assert main(["deid", str(src), "-o", str(out), "--action", "surrogate", "-q"]) == 0
        row = json.loads(out.read_text().splitlines()[0])
        start = next(s for s in row["spans"] if s["text"] == "John Smith")["start"]
        assert "John Smith" not in row["deidentified"]
        fakes.append(row["deidentified"][start:start + 40])
    vault = data / SurrogateVault.FILE
    assert vault.exists() and b"John" not in vault.read_bytes() and b"Smith" not in vault.read_bytes()
    assert oct(os.stat(vault).st_mode & 0o777) == "0o600"
    fake_name = next(f for f in SurrogateVault(data).known.items() if f[0][0] == "NAME")[1]
    assert fakes[0].startswith(fake_name) and fakes[1].startswith(fake_name)  # the same fake in both runs
    assert SurrogateVault(data).reidentify(fake_name, "NAME")
