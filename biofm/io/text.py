"""Clinical-text readers: paste, .txt, .csv, .jsonl and .zip of .txt files."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from biofm.io.decoding import (InputError, bad_utf8, check_header, csv_text, decode_text,  # noqa: F401
                               drop_unterminated, limit_length, parquet_as_csv, unterminated_quote)
from biofm.records import ReadResult, RowError, TextRecord

SUPPORTED_TEXT_SUFFIXES = (".txt", ".csv", ".jsonl", ".zip", ".parquet")
TEXT_COLUMN_GUESSES = ("text", "note", "report", "report_text", "findings", "document", "abstract", "medical_abstract",
                       "body")
ID_COLUMN_GUESSES = ("id", "note_id", "doc_id", "document_id", "report_id", "study_id", "accession", "accession_number")
MAX_ZIP_UNCOMPRESSED = 500 * 1024 * 1024
MAX_DOC_CHARS = 1_000_000

csv.field_size_limit(64 * 1024 * 1024)


def _cap(result: ReadResult, total: int, max_rows: int | None, source: str) -> None:
    if max_rows is not None and total > max_rows:
        result.errors.append(
            RowError(0, "file", f"{total} rows in the file; only the first {max_rows} were read "
                     f"(limit BIOFM_MAX_UPLOAD_ROWS)", source)
        )


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV: Excel's ``sep=`` hint line, else whichever of , tab ; | occurs most in the header
    line (',' if none). Readers use :func:`csv_text`, which also drops the hint line."""
    return csv_text(text)[0]


def _pick_column(columns: list[str], wanted: str | None, guesses: tuple[str, ...], what: str,
                 required: bool, source: str = "") -> str | None:
    where = f"{source}: " if source else ""  # which file (a training and a dev file may both be read)
    if wanted:
        if wanted not in columns:
            raise InputError(f"{where}{what} column {wanted!r} not found; the file has columns: {', '.join(columns)}")
        return wanted
    guessed = _guess(columns, guesses)
    if guessed:
        return guessed
    if required:
        raise InputError(f"{where}choose the {what} column; the file has columns: {', '.join(columns)}")
    return None


def _make_record(row: int, text, rid, label, source: str, field_name: str,
                 result: ReadResult, meta: dict | None = None) -> None:
    if text is None:
        result.errors.append(RowError(row, field_name, "missing text", source))
        return
    if not isinstance(text, str):
        result.errors.append(RowError(row, field_name, f"text must be a string, got {type(text).__name__}", source))
        return
    bad = bad_utf8(text)
    if bad:
        result.errors.append(RowError(row, field_name, bad, source))
        return
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.replace("\x00", "").strip():
        result.errors.append(RowError(row, field_name, "empty text", source))
        return
    rid = str(rid).strip() if rid not in (None, "") else str(row)
    result.records.append(TextRecord(id=rid, text=text, label=label_value(label),
                                     meta={"row": row, "source": source, **(meta or {})}))


NAN_LABELS = ("nan", "NaN", "NAN")


def label_value(value) -> str | None:
    """A label as text, or None when there is none: empty, JSON null or NaN (never a class called 'nan').
    A whole number is one label however it is written (JSON ``0`` and ``0.0`` are both ``"0"``). A JSON list (a
    multi-label value, as Review's JSONL export writes it) is its names joined by ``;`` (an empty list: None)."""
    if isinstance(value, (list, tuple)):
        names = [n for n in (label_value(v) for v in value) if n is not None]
        return ";".join(names) or None  # biofm.tasks.fields.LABEL_SEPARATOR (io imports no task)
    if value is None or isinstance(value, bool):
        return None if value is None else str(value)
    if isinstance(value, float):
        if value != value:
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value).strip()
    return None if text == "" or text in NAN_LABELS else text


def read_paste(text: str, one_per_line: bool = False, blocks: bool = False) -> ReadResult:
    """Pasted text: one document, one per non-empty line, or one per blank-line-separated block."""
    result = ReadResult([], [])
    if not text or not text.strip():
        raise InputError("nothing to read: the text is empty")
    if blocks:
        return _read_txt(text, "paste", False, None, blocks=True)
    if one_per_line:
        for i, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                _make_record(i, line, None, None, "paste", "text", result)
    else:
        _make_record(1, text, None, None, "paste", "text", result)
    return result


def _read_txt(text: str, source: str, one_per_line: bool, max_rows: int | None, blocks: bool = False) -> ReadResult:
    result = ReadResult([], [])
    if blocks:
        pieces, row = [], 1
        for m in re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|$))+", text):
            pieces.append((text.count("\n", 0, m.start()) + 1, m.group().strip("\n")))
        _cap(result, len(pieces), max_rows, source)
        for row, block in pieces[:max_rows]:
            _make_record(row, block, None, None, source, "text", result)
        return result
    if one_per_line:
        lines = [(i, ln) for i, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
        _cap(result, len(lines), max_rows, source)
        for i, line in lines[:max_rows]:
            _make_record(i, line, None, None, source, "text", result)
    else:
        _make_record(1, text, PurePosixPath(source).stem or "1", None, source, "text", result)
    return result


def _read_csv(text: str, source: str, text_column: str | None, id_column: str | None,
              label_column: str | None, max_rows: int | None) -> ReadResult:
    delimiter, text, hint_lines = csv_text(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{source}: the file has no header row") from None
    header = [h.strip() for h in header]
    if not any(header):
        raise InputError(f"{source}: the header row is empty")
    check_header(header, source)
    tcol = _pick_column(header, text_column, TEXT_COLUMN_GUESSES, "text", required=len(header) > 1, source=source)
    tcol = tcol or header[0]
    icol = _pick_column(header, id_column, ID_COLUMN_GUESSES, "id", required=False, source=source)
    lcol = _pick_column(header, label_column, (), "label", required=False, source=source) if label_column else None
    ti, ii = header.index(tcol), header.index(icol) if icol else None
    li = header.index(lcol) if lcol else None
    result = ReadResult([], [], columns=header, text_column=tcol)
    total, last_row, last_line = 0, 0, reader.line_num
    for row_no, row in enumerate(reader, start=1):
        last_row, start_line, last_line = row_no, last_line + 1, reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        total += 1
        if max_rows is not None and total > max_rows:
            continue
        if len(row) != len(header):
            result.errors.append(RowError(row_no, "row", f"expected {len(header)} fields, found {len(row)}", source))
            continue
        extra = {h: row[k] for k, h in enumerate(header) if k not in (ti, ii, li)}
        _make_record(row_no, row[ti], row[ii] if ii is not None else None, row[li] if li is not None else None,
                     source, tcol, result, meta={"columns": extra})
    if total == 0:
        raise InputError(f"{source}: the file has a header but no rows")
    # only the last row can hold a quote that never closes (it runs to the end): check that row's lines, not the file
    if last_row and unterminated_quote(text.split("\n", start_line - 1)[-1], delimiter):
        drop_unterminated(result, last_row, start_line + hint_lines, last_line + hint_lines, source)
    _cap(result, total, max_rows, source)
    return result


def _read_jsonl(text: str, source: str, text_column: str | None, id_column: str | None,
                label_column: str | None, max_rows: int | None) -> ReadResult:
    result = ReadResult([], [])
    tkey = text_column or None
    total, first_keys = 0, None
    for row_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        total += 1
        if max_rows is not None and total > max_rows:
            continue
        bad = bad_utf8(line)
        if bad:
            result.errors.append(RowError(row_no, "line", bad, source))
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            result.errors.append(RowError(row_no, "line", f"invalid JSON: {exc.msg} at column {exc.colno}", source))
            continue
        if not isinstance(obj, dict):
            result.errors.append(RowError(row_no, "line", "each line must be a JSON object", source))
            continue
        if tkey is None:
            tkey = _guess(list(obj), TEXT_COLUMN_GUESSES)
            if tkey is None:  # this row has no text key: the next one that has one decides
                first_keys = first_keys or list(obj)
                result.errors.append(RowError(row_no, "line", "no text key (one of "
                                              f"{', '.join(TEXT_COLUMN_GUESSES[:4])}, ...); keys: "
                                              f"{', '.join(map(str, obj)) or 'none'}", source))
                continue
            result.text_column = tkey
        if tkey not in obj:
            result.errors.append(RowError(row_no, tkey, f"key {tkey!r} missing", source))
            continue
        ikey = id_column if id_column else next((k for k in ID_COLUMN_GUESSES if k in obj), None)
        rid = obj.get(ikey) if ikey else None
        for key in obj:
            if key not in result.columns:
                result.columns.append(key)
        rest = {k: v for k, v in obj.items() if k not in (tkey, ikey, label_column) and v is not None}
        extra = {"columns": {k: v for k, v in rest.items() if not isinstance(v, (dict, list))}}
        nested = [k for k, v in rest.items() if isinstance(v, (dict, list))]
        _make_record(row_no, obj[tkey], rid, obj.get(label_column) if label_column else None, source, tkey, result,
                     meta={**extra, **({"nested": nested} if nested else {})})
    if total == 0:
        raise InputError(f"{source}: the file has no JSON lines")
    if tkey is None and first_keys is not None:
        _pick_column(first_keys, None, TEXT_COLUMN_GUESSES, "text", required=True, source=source)  # none had one
    _cap(result, total, max_rows, source)
    result.text_column = result.text_column or tkey
    return result


ZIP_READ = 64 * 1024


def read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int) -> bytes | None:
    """A member's bytes inflated in 64 KB reads that stop past ``limit`` bytes (None then), whatever its header
    declares: ``ZipFile.read`` asks zlib for up to 2 GB in one call, so a member whose header says 10 bytes could
    inflate gigabytes before the CRC check refuses it."""
    pieces, size = [], 0
    with archive.open(member) as fh:
        while True:
            piece = fh.read(ZIP_READ)
            if not piece:
                return b"".join(pieces)
            size += len(piece)
            if size > limit:
                return None
            pieces.append(piece)


def _read_zip(data: bytes, source: str, max_rows: int | None, max_members: int,
              max_chars: int | None = None) -> ReadResult:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError(f"{source}: not a valid ZIP archive") from None
    result = ReadResult([], [])
    members = [m for m in archive.infolist() if not m.is_dir() and not PurePosixPath(m.filename).name.startswith(".")
               and "__MACOSX" not in m.filename]
    if not members:
        raise InputError(f"{source}: the archive is empty")
    if sum(m.file_size for m in members) > MAX_ZIP_UNCOMPRESSED:
        raise InputError(f"{source}: the archive unpacks to more than {MAX_ZIP_UNCOMPRESSED // 2**20} MB")
    limit, inflated = min(max_rows or max_members, max_members), 0
    _cap(result, len(members), limit, source)
    for idx, member in enumerate(members[:limit], start=1):
        name = member.filename
        if PurePosixPath(name).suffix.lower() != ".txt":
            result.errors.append(RowError(idx, name, "skipped: only .txt files are read from a ZIP", source))
            continue
        if max_chars is not None and member.file_size > 4 * max_chars:
            result.errors.append(RowError(idx, name, f"{member.file_size / 2**20:.1f} MB unpacked: over the "
                                          f"{max_chars:,}-character document limit (BIOFM_MAX_DOC_CHARS)", source))
            continue
        limit = min(4 * max_chars if max_chars is not None else MAX_ZIP_UNCOMPRESSED, MAX_ZIP_UNCOMPRESSED - inflated)
        try:
            data = read_member(archive, member, limit)
            inflated += len(data or b"")
            if data is None:
                result.errors.append(RowError(idx, name, f"unpacks to more than {limit / 2**20:.1f} MB (whatever its "
                                              "header says): over the document limit (BIOFM_MAX_DOC_CHARS)", source))
                continue
            text = decode_text(data, name)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, InputError) as exc:
            result.errors.append(RowError(idx, name, f"could not read this member: {exc}", source))
            continue
        _make_record(idx, text, PurePosixPath(name).stem, None, f"{source}:{name}", name, result)
    return result


def read_text_upload(data: bytes, filename: str, *, text_column: str | None = None, id_column: str | None = None,
                     label_column: str | None = None, one_per_line: bool = False, max_rows: int | None = 10_000,
                     max_bytes: int | None = None, max_zip_members: int = 10_000, blocks: bool = False,
                     max_chars: int | None = MAX_DOC_CHARS) -> ReadResult:
    """Read an uploaded file's bytes by its suffix. Raises InputError only when no row can be read at all.

    A ``.parquet`` file is read as a table, like a CSV with the same columns.
    A ``.txt`` is one document, one per line (``one_per_line``) or one per blank-line-separated block (``blocks``).
    """
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix not in SUPPORTED_TEXT_SUFFIXES:
        raise InputError(f"{filename}: unsupported file type {suffix or '(none)'}; use one of "
                         f"{', '.join(SUPPORTED_TEXT_SUFFIXES)}")
    if max_bytes is not None and len(data) > max_bytes:
        raise InputError(f"{filename}: {len(data) / 2**20:.1f} MB is over the {max_bytes / 2**20:.0f} MB upload limit")
    if not data or not data.strip():
        raise InputError(f"{filename}: the file is empty")
    if suffix == ".zip":
        return limit_length(_read_zip(data, filename, max_rows, max_zip_members, max_chars), max_chars)
    if suffix == ".parquet":
        data, suffix = parquet_as_csv(data, filename), ".csv"
    text = decode_text(data, filename)
    if suffix == ".txt":
        result = _read_txt(text, filename, one_per_line, max_rows, blocks)
    elif suffix == ".csv":
        result = _read_csv(text, filename, text_column, id_column, label_column, max_rows)
    else:
        result = _read_jsonl(text, filename, text_column, id_column, label_column, max_rows)
    return limit_length(result, max_chars)


def read_text_file(path: str | Path, **kwargs) -> ReadResult:
    """Read a file from disk with :func:`read_text_upload`."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    return read_text_upload(path.read_bytes(), path.name, **kwargs)


def peek_columns(data: bytes, filename: str) -> list[str]:
    """Column names of a CSV header or the keys of a JSONL file's first object ([] for other formats)."""
    suffix = PurePosixPath(filename).suffix.lower()
    try:
        head = decode_text(data[:65536])
    except InputError:
        return []
    if suffix == ".csv":
        try:
            delimiter, head, _ = csv_text(head)
            return [h.strip() for h in next(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter))]
        except (StopIteration, csv.Error):
            return []
    if suffix == ".jsonl":
        for line in head.splitlines():
            if line.strip():
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    return []
                return list(obj) if isinstance(obj, dict) else []
    return []


def peek_rows(data: bytes, filename: str, n: int = 20) -> list[dict]:
    """The first ``n`` rows of a CSV or JSONL upload as dicts (a preview; [] for other formats or unreadable)."""
    suffix = PurePosixPath(filename).suffix.lower()
    try:
        head = decode_text(data[:262144])
    except InputError:
        return []
    rows: list[dict] = []
    if suffix == ".csv":
        try:
            delimiter, head, _ = csv_text(head)
            reader = csv.DictReader(io.StringIO(head, newline=""), delimiter=delimiter)
            for row in reader:
                rows.append({(k or "").strip(): v for k, v in row.items()})
                if len(rows) >= n:
                    break
        except csv.Error:
            pass
    elif suffix == ".jsonl":
        for line in head.splitlines()[:n]:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                rows.append(obj)
    return rows


def _words(value) -> int:
    return len(str(value).split()) if value is not None else 0


def looks_like_ids(values: list) -> bool:
    """Values that read as identifiers or codes, not prose: short (under three words on average) and either
    numeric or all different."""
    values = [v for v in values if v not in (None, "")]
    if not values:
        return False
    short = sum(_words(v) for v in values) / len(values) < 3
    numeric = all(str(v).replace(".", "", 1).replace("-", "", 1).strip().isdigit() for v in values)
    return short and (numeric or len(set(map(str, values))) == len(values))


def guess_text_by_content(rows: list[dict], columns: list[str]) -> str | None:
    """The column holding prose: the most words per value, among columns that do not look like ids."""
    scored = [(sum(_words(r.get(c)) for r in rows) / max(len(rows), 1), c) for c in columns
              if not looks_like_ids([r.get(c) for r in rows])]
    best = max(scored, default=(0, None))
    return best[1] if best[0] >= 3 else None


def guess_column(columns: list[str], kind: str = "text") -> str | None:
    """The column a reader would pick by name for 'text', 'id' or 'label' (a true label: ``label``,
    ``true_label``, ``category``... see ``biofm.io.labels.LABEL_COLUMN_GUESSES``), if any."""
    from biofm.io.labels import LABEL_COLUMN_GUESSES

    guesses = {"text": TEXT_COLUMN_GUESSES, "id": ID_COLUMN_GUESSES, "label": LABEL_COLUMN_GUESSES}[kind]
    return _guess(columns, guesses)


def _guess(columns: list[str], guesses: tuple[str, ...]) -> str | None:
    lowered = {c.lower().strip(): c for c in columns}
    return next((lowered[g] for g in guesses if g in lowered), None)
