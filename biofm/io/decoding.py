"""Bytes to text: UTF-8 (or UTF-16 with a BOM) with undecodable bytes named by position, binary data refused,
Parquet as CSV, a CSV quote that never closes, and the per-document length limit every reader applies."""

from __future__ import annotations

import csv
import io
import re

from biofm.records import ReadResult, RowError

class InputError(ValueError):
    """The whole file cannot be read (empty, wrong format, wrong column)."""


def bad_utf8(text: str) -> str | None:
    """Describe the first undecodable byte of a surrogateescape-decoded string, or None."""
    for i, ch in enumerate(text):
        if 0xDC80 <= ord(ch) <= 0xDCFF:
            return f"not valid UTF-8 (byte 0x{ord(ch) - 0xDC00:02x} at character {i + 1}); re-save the file as UTF-8"
    return None


def decode_text(data: bytes, source: str = "") -> str:
    """UTF-8 (a BOM is dropped; bad bytes kept as surrogates so rows can name them), or UTF-16 with a BOM.

    Line ends become ``\\n``. Raises InputError for UTF-16 without a BOM and for binary data."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(f"{source or 'the file'}: starts like UTF-16 but does not decode; save it as UTF-8")
    else:
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        head = data[:65536]
        if head and head.count(b"\x00") > len(head) // 10:
            hint = "UTF-16 without a byte-order mark" if head[1::2].count(b"\x00") > len(head) // 4 else "binary data"
            raise InputError(f"{source or 'the file'}: this looks like {hint}, not text; save it as UTF-8")
        text = data.decode("utf-8", errors="surrogateescape")
        sample = text[:65536]
        bad = sum(1 for ch in sample if 0xDC80 <= ord(ch) <= 0xDCFF)
        if bad > max(8, len(sample) // 20):
            raise InputError(f"{source or 'the file'}: {bad} bytes in the first {len(sample)} characters are not "
                             "UTF-8: not a text file, or another encoding; save it as UTF-8")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parquet_as_csv(data: bytes, source: str) -> bytes:
    """A Parquet file's table as CSV bytes, so it goes through the CSV reader (row N is the table's N-th row)."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(f"{source}: reading Parquet needs pyarrow (pip install pyarrow, or biofm[ray])") from None
    try:
        frame = pq.read_table(io.BytesIO(data)).to_pandas()
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise InputError(f"{source}: not a readable Parquet file ({str(exc)[:200]})") from None
    return frame.to_csv(index=False).encode("utf-8")


_SEP_HINT = re.compile(r'^"?sep=(\\t|[^\n"])"?(?:\1)*[ \t]*$', re.IGNORECASE)
CSV_DELIMITERS = ",\t;|"


def csv_text(text: str) -> tuple[str, str, int]:
    """``(delimiter, text, dropped_lines)`` of a CSV's decoded text.

    A first line ``sep=;`` (``sep=,``, ``sep=|``, ``sep=`` and a tab, or ``sep=\\t``) is Microsoft Excel's delimiter
    hint: it names the delimiter and is dropped, so the header is the next line (``dropped_lines`` is 1). Otherwise
    the delimiter is whichever of , tab ; | occurs most in the header line (',' if none)."""
    first_line, _, rest = text.partition("\n")
    hint = _SEP_HINT.match(first_line)
    if hint:
        delimiter = "\t" if hint.group(1) == "\\t" else hint.group(1)
        return delimiter, rest, 1
    found = [d for d in CSV_DELIMITERS if d in first_line]
    return (max(found, key=first_line.count) if found else ","), text, 0


def read_csv_file(path) -> tuple[str, str, int]:
    """:func:`csv_text` of a CSV file on disk (UTF-8, a BOM dropped)."""
    with open(path, "rb") as fh:
        return csv_text(decode_text(fh.read(), str(path)))


def check_header(header: list[str], source: str) -> None:
    bad = next((h for h in header if bad_utf8(h)), None)
    if bad is not None:
        raise InputError(f"{source}: the header row is {bad_utf8(bad)}")
    seen: dict[str, list[int]] = {}
    for i, h in enumerate(header, start=1):
        seen.setdefault(h, []).append(i)
    dupes = {h: cols for h, cols in seen.items() if len(cols) > 1 and h}
    if dupes:  # reading the first silently would drop the other: name them instead
        raise InputError(f"{source}: duplicate column names: " + "; ".join(
            f"{h!r} (columns {', '.join(map(str, cols))})" for h, cols in dupes.items()) + "; rename them")


def limit_length(result: ReadResult, max_chars: int | None) -> ReadResult:
    """Documents over ``max_chars`` characters become row errors (memory: one 40 MB note would need gigabytes)."""
    if max_chars is None or all(len(r.text) <= max_chars for r in result.records):
        return result
    kept = []
    for r in result.records:
        if len(r.text) > max_chars:
            result.errors.append(RowError(r.meta.get("row", 0), "text", f"{len(r.text):,} characters: over the "
                                          f"{max_chars:,}-character document limit (BIOFM_MAX_DOC_CHARS)",
                                          r.meta.get("source", "")))
        else:
            kept.append(r)
    result.records = kept
    result.errors.sort(key=lambda e: e.row)
    return result


def unterminated_quote(text: str, delimiter: str) -> bool:
    """Whether a quoted CSV cell runs to the end of the file (Python's csv only says so in strict mode)."""
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def drop_unterminated(result: ReadResult, row: int, first: int, last: int, source: str) -> None:
    """The row whose quoted cell never closes swallowed every later line: report it instead of running it."""
    result.records[:] = [r for r in result.records if r.meta.get("row") != row]
    result.errors[:] = [e for e in result.errors if e.row != row]
    result.errors.append(RowError(row, "row", f"unterminated quote: a quoted cell opened on line {first} runs to the "
                                  f"end of the file, taking in lines {first}-{last}; close the quote", source))
