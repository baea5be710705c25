"""Streaming output for ``biofm batch``: Parquet, CSV or JSONL by suffix, written as rows arrive.

The columns are fixed from the first ``BUFFER_ROWS`` rows (every column ``biofm predict`` would write appears there
unless every one of those rows lacks it, which is then reported instead of dropped)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

BUFFER_ROWS = 10_000
FORMATS = {".parquet": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl"}


class SinkError(ValueError):
    pass


def output_format(path: str | Path, flat_rows: bool = True) -> str:
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise SinkError(f"{path}: the output must end in .parquet, .csv or .jsonl")
    if fmt == "csv" and not flat_rows:
        raise SinkError(f"{path}: this task's predictions nest (one list of entities a row); write .jsonl or .parquet")
    return fmt


class RowSink:
    def __init__(self, path: str | Path, fmt: str) -> None:
        self.path, self.fmt = Path(path), fmt
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.buffer: list[dict] = []
        self.columns: list[str] | None = None
        self.rows = 0
        self._fh = None
        self._parquet = None

    def write(self, rows: list[dict]) -> None:
        self.rows += len(rows)
        if self.columns is None:
            self.buffer += rows
            if len(self.buffer) >= BUFFER_ROWS:
                self._start()
            return
        self._emit(rows)

    def close(self) -> None:
        if self.columns is None:
            self._start()
        if self._fh is not None:
            self._fh.close()
        if self._parquet is not None:
            self._parquet.close()

    def _start(self) -> None:
        rows, self.buffer = self.buffer, []
        self.columns = list(pd.DataFrame(rows).columns) if rows else []
        if self.fmt == "parquet":
            self._open_parquet(rows)
        else:
            self._fh = self.path.open("w", encoding="utf-8", newline="", errors="backslashreplace")
        if rows or self.fmt != "parquet":
            self._emit(rows, header=True)

    def _open_parquet(self, rows: list[dict]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist(rows) if rows else pa.table({})
        fields = [pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in table.schema]
        self.schema = pa.schema(fields)
        self._parquet = pq.ParquetWriter(self.path, self.schema)

    def _emit(self, rows: list[dict], header: bool = False) -> None:
        unknown = {k for r in rows for k in r} - set(self.columns)
        if unknown:
            raise SinkError(f"column(s) {', '.join(sorted(unknown))} first appear after row {BUFFER_ROWS}; "
                            "write .jsonl, which has no fixed columns")
        if self.fmt == "jsonl":
            self._fh.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        elif self.fmt == "csv":
            if rows or header:
                self._fh.write(pd.DataFrame(rows, columns=self.columns).to_csv(index=False, header=header))
        elif rows:
            import pyarrow as pa

            self._parquet.write_table(pa.Table.from_pylist(rows, schema=self.schema))
