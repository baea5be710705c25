"""Writers: tables to CSV or JSONL by the output file's suffix."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

# A writer never fails on what a reader accepted: an undecodable byte that reached a value is written as \udcXX.
SAFE = "backslashreplace"


def table_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """Serialise a table as 'csv' or 'jsonl' bytes (UTF-8)."""
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8", errors=SAFE)
    if fmt == "jsonl":
        return frame.to_json(orient="records", lines=True, force_ascii=False).encode("utf-8", errors=SAFE)
    raise ValueError(f"unknown format {fmt!r}; use csv or jsonl")


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write CSV or JSONL chosen by the suffix of ``path``."""
    path = Path(path)
    fmt = {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl"}.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: output must end in .csv or .jsonl")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(table_bytes(frame, fmt))
    return path


def write_row_errors(errors, path: str | Path) -> Path | None:
    """``source,row,field,message`` for every row that could not be used (nothing when there is none)."""
    import csv

    if not errors:
        return None
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8", errors=SAFE) as fh:
        writer = csv.DictWriter(fh, fieldnames=["source", "row", "field", "message"])
        writer.writeheader()
        for err in errors:
            writer.writerow(err.as_dict())
    return path


def write_rows(rows: list[dict], out: Path, fmt: str | None = None) -> Path:
    """CSV (flat rows) or JSONL (one JSON object a row) by ``fmt`` or the output's suffix."""
    import json

    out = Path(out)
    if fmt == "jsonl" or (fmt is None and out.suffix.lower() in (".jsonl", ".json")):
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8", errors=SAFE)
        return out
    return write_table(pd.DataFrame(rows), out)
