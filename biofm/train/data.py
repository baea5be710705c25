"""Readers for labelled training files that are not plain text: molecule tables and CheXpert-convention CSVs."""

from __future__ import annotations

import csv
import sys

import numpy as np

from biofm.train.common import TrainingDataError


def molecule_table(path: str, smiles_column: str | None, targets: list[str], skip_invalid: bool):
    """Canonical SMILES and a float target matrix (NaN = missing) from a CSV or SDF, checked before training."""
    from biofm.io.molecules import read_molecule_file

    res = read_molecule_file(path, smiles_column=smiles_column, max_rows=None)
    bad = [e for e in res.errors if e.row > 0]
    if bad and not skip_invalid:
        listing = "; ".join(f"row {e.row}: {e.message}" for e in bad[:5])
        raise TrainingDataError(f"{path}: {len(bad)} molecule(s) do not parse ({listing}); fix them or pass "
                                "--skip-invalid")
    if bad:
        print(f"skipping {len(bad)} invalid molecule(s) in {path}", file=sys.stderr)
    smiles, rows = [], []
    for r in res.records:
        values = {**r.meta.get("columns", {}), **r.meta.get("props", {})}
        missing = [t for t in targets if t not in values]
        if missing:
            raise TrainingDataError(f"{path}: target column(s) {missing} not found; available: {sorted(values)}")
        row = []
        for t in targets:
            v = str(values[t]).strip()
            try:
                row.append(float(v) if v != "" else float("nan"))
            except ValueError:
                raise TrainingDataError(f"{path} row {r.row}: {t} is not a number: {v!r}") from None
        smiles.append(r.canonical)
        rows.append(row)
    if len(smiles) < 10:
        raise TrainingDataError(f"{path}: too few molecules ({len(smiles)})")
    return smiles, np.array(rows, dtype=np.float32)


def read_chexpert_pairs(path: str) -> list[tuple[str, dict]]:
    """(report, labels) from a CSV in the CheXpert convention (id, report, one column per observation)."""
    from biofm.reports import OBSERVATIONS

    values = {"1": "positive", "1.0": "positive", "0": "negative", "0.0": "negative", "-1": "uncertain",
              "-1.0": "uncertain", "": "not mentioned"}
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [o for o in OBSERVATIONS if o not in (reader.fieldnames or [])]
        text_col = next((c for c in ("report", "text", "report_text") if c in (reader.fieldnames or [])), None)
        if missing or text_col is None:
            raise TrainingDataError(f"{path}: needs a 'report' column and one column per observation; missing: "
                                    f"{', '.join(missing + ([] if text_col else ['report']))}")
        out = []
        for row_no, row in enumerate(reader, start=2):
            bad = [o for o in OBSERVATIONS if row[o].strip() not in values]
            if bad:
                raise TrainingDataError(f"{path} line {row_no}: {bad[0]} must be 1, 0, -1 or empty, got {row[bad[0]]!r}")
            if row[text_col].strip():
                out.append((row[text_col], {o: values[row[o].strip()] for o in OBSERVATIONS}))
    if len(out) < 4:
        raise TrainingDataError(f"{path}: too few labelled reports ({len(out)})")
    return out
