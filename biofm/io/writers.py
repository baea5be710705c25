"""The one output writer: every command's and page download's file goes through here.

* :func:`check_output` validates a path before any work is done (format by the name's suffix, not a directory, not
  an input, a folder that exists or can be made and that this user can write), so a bad ``-o`` is refused before a
  model loads.
* :func:`atomic_output` writes to a temporary file in the same folder and moves it into place with ``os.replace``
  only when everything was written: a reader never sees half a file, and a failed or killed run leaves the previous
  file (or nothing). Disk errors (read-only, full, permission) become an :class:`OutputError` with one line.
* Tables are CSV or JSONL by the output's suffix (:func:`write_table`, :func:`write_rows`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

# A writer never fails on what a reader accepted: an undecodable byte that reached a value is written as \udcXX.
SAFE = "backslashreplace"
TABLE_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl"}


class OutputError(ValueError):
    """An output path that cannot be written (wrong format, a directory, an input, a read-only or full disk)."""


def _names(formats: dict[str, str] | Iterable[str]) -> str:
    suffixes = list(dict.fromkeys(formats))
    return ", ".join(suffixes[:-1]) + (" or " if len(suffixes) > 1 else "") + suffixes[-1]


def output_format(path: str | Path, formats: dict[str, str]) -> str:
    """The format ``formats`` maps the path's suffix to; OutputError naming the accepted suffixes otherwise."""
    path = Path(path)
    fmt = formats.get(path.suffix.lower())
    if fmt is None:
        got = f" (got {path.suffix})" if path.suffix else ""
        raise OutputError(f"{path}: the output must end in {_names(formats)}{got}")
    return fmt


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def check_output(path: str | Path, formats: dict[str, str] | None = None, inputs: Iterable[str | Path] = ()) -> str:
    """Validate an output path before any work; returns its format (``formats``: suffix -> format name).

    Raises OutputError: a suffix not in ``formats``, a directory, one of ``inputs`` (never written over), a parent
    that is a file, or a folder this user cannot write."""
    path = Path(path).expanduser()
    if str(path) in ("", ".") or path.is_dir():
        raise OutputError(f"{path}: is a directory; give a file name"
                          + (f" ending in {_names(formats)}" if formats else ""))
    fmt = output_format(path, formats) if formats is not None else ""
    for src in inputs:
        if "://" not in str(src) and _same_file(path, Path(src)):
            raise OutputError(f"{path}: is an input file; biofm never writes over its input, choose another name")
    folder = path.parent if str(path.parent) else Path(".")
    existing = folder
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"{path}: {existing} is a file, not a folder")
    try:  # a real probe: os.access says yes to root on a read-only mount
        fd, probe = tempfile.mkstemp(dir=existing, prefix=".biofm-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        reason = {errno.EROFS: "is on a read-only file system", errno.ENOSPC: "is on a full disk"}.get(
            exc.errno, "is not writable")
        raise OutputError(f"{path}: the folder {existing} {reason}") from None
    return fmt


def disk_error(path: str | Path, exc: OSError) -> OutputError:
    """One line for an OSError while writing ``path`` (full disk, read-only file system, permission)."""
    reason = {errno.ENOSPC: "the disk is full", errno.EROFS: "the file system is read-only",
              errno.EACCES: "permission denied", errno.EDQUOT: "the disk quota is exceeded"}.get(exc.errno)
    return OutputError(f"could not write {path}: {reason or exc.strerror or exc}; nothing was written there")


@contextlib.contextmanager
def atomic_output(path: str | Path, mode: str = "w", **open_kwargs) -> Iterator:
    """Open a temporary file next to ``path`` (0600); on a clean exit it replaces ``path`` (``os.replace``), on an
    exception it is removed and ``path`` is untouched. OSErrors (full or read-only disk) become OutputError."""
    path = Path(path).expanduser()
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        if "b" not in mode:
            open_kwargs = {"encoding": "utf-8", "errors": SAFE, "newline": "", **open_kwargs}
        with os.fdopen(fd, mode, **open_kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise disk_error(path, exc) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def write_bytes(path: str | Path, data: bytes) -> Path:
    """``data`` to ``path`` atomically."""
    with atomic_output(path, "wb") as fh:
        fh.write(data)
    return Path(path)


def write_text(path: str | Path, text: str) -> Path:
    """``text`` (UTF-8) to ``path`` atomically."""
    return write_bytes(path, text.encode("utf-8", errors=SAFE))


INPUT_SUFFIX = "_input"


def with_input_columns(rows: list[dict], columns) -> list[dict]:
    """Each output row followed by the user's other input columns (``columns[i]``: a dict, or None, for ``rows[i]``),
    so a download or ``biofm predict`` output keeps them (a ClinTox file's ``FDA_APPROVED``). An input column whose
    name is one of biofm's own output columns is written as ``<name>_input`` (``label`` -> ``label_input``; the
    suffix repeats while the name is still taken): no output column is overwritten and no input value lost."""
    columns = list(columns)
    own = {k for r in rows for k in r}
    names = list(dict.fromkeys(k for c in columns if c for k in c))
    taken, rename = set(own) | set(names), {}
    for name in names:
        new = name
        if name in own:
            while new in taken:
                new += INPUT_SUFFIX
            taken.add(new)
        rename[name] = new
    if not names:
        return rows
    return [{**row, **{rename[k]: v for k, v in (cols or {}).items()}} for row, cols in zip(rows, columns)]


def table_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """Serialise a table as 'csv' or 'jsonl' bytes (UTF-8): the bytes a page download and the CLI both write."""
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8", errors=SAFE)
    if fmt == "jsonl":
        return frame.to_json(orient="records", lines=True, force_ascii=False).encode("utf-8", errors=SAFE)
    raise OutputError(f"unknown format {fmt!r}; use csv or jsonl")


def rows_bytes(rows: list[dict], fmt: str) -> bytes:
    """Rows as 'csv' (flat) or 'jsonl' (one JSON object a row, nesting kept) bytes."""
    import json

    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows).encode("utf-8", SAFE)
    return table_bytes(pd.DataFrame(rows), fmt)


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write CSV or JSONL chosen by the suffix of ``path`` (atomically)."""
    return write_bytes(path, table_bytes(frame, output_format(path, TABLE_FORMATS)))


def write_row_errors(errors, path: str | Path) -> Path | None:
    """``source,row,field,message`` for every row that could not be used (nothing when there is none)."""
    import csv

    if not errors:
        return None
    with atomic_output(path) as fh:
        writer = csv.DictWriter(fh, fieldnames=["source", "row", "field", "message"])
        writer.writeheader()
        for err in errors:
            writer.writerow(err.as_dict())
    return Path(path)


def write_rows(rows: list[dict], out: Path, fmt: str | None = None) -> Path:
    """CSV (flat rows) or JSONL (one JSON object a row) by ``fmt`` or the output's suffix (atomically)."""
    return write_bytes(out, rows_bytes(rows, fmt or output_format(out, TABLE_FORMATS)))
