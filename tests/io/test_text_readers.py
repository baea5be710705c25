import io
import json
import zipfile

import pytest

from biofm.io import InputError, read_paste, read_text_file, read_text_upload
from biofm.io.text import guess_column, peek_columns


def test_paste_single_and_per_line():
    assert [r.text for r in read_paste("Chest pain.\nDyspnoea.").records] == ["Chest pain.\nDyspnoea."]
    res = read_paste("Chest pain.\n\n  \nDyspnoea.", one_per_line=True)
    assert [r.text for r in res.records] == ["Chest pain.", "Dyspnoea."]
    assert [r.id for r in res.records] == ["1", "4"]  # ids are line numbers, blank lines skipped


def test_empty_paste_is_refused():
    with pytest.raises(InputError, match="empty"):
        read_paste("   \n ")


def test_txt_is_one_document_named_after_the_file():
    res = read_text_upload("Line one.\nLine two.\n".encode(), "note_17.txt")
    assert len(res.records) == 1 and res.records[0].id == "note_17"


def test_csv_with_quoted_newlines_ids_and_bom():
    data = '\ufeffid,note\nA1,"first line\nsecond line"\nA2,plain\n'.encode()
    res = read_text_upload(data, "notes.csv")
    assert [(r.id, r.text) for r in res.records] == [("A1", "first line\nsecond line"), ("A2", "plain")]
    assert res.text_column == "note" and not res.errors


def test_csv_semicolon_delimited():
    res = read_text_upload(b"id;text\n1;alpha\n2;beta\n", "x.csv")
    assert [r.text for r in res.records] == ["alpha", "beta"]


def test_csv_bad_rows_are_reported_and_good_rows_kept():
    data = b'id,text\n1,good one\n2,\n3,"too",many,fields\n4,caf\xe9 latin-1\n5,good two\n'
    res = read_text_upload(data, "notes.csv")
    assert [r.id for r in res.records] == ["1", "5"]
    by_row = {e.row: e for e in res.errors}
    assert set(by_row) == {2, 3, 4}
    assert by_row[2].message == "empty text"
    assert "expected 2 fields, found 4" in by_row[3].message
    assert "not valid UTF-8" in by_row[4].message and "0xe9" in by_row[4].message
    assert all(e.source == "notes.csv" for e in res.errors)


def test_csv_wrong_column_names_the_columns_it_has():
    with pytest.raises(InputError, match="column 'body' not found.*id, note"):
        read_text_upload(b"id,note\n1,x\n", "n.csv", text_column="body")


def test_csv_without_recognisable_text_column_asks_for_one():
    with pytest.raises(InputError, match="choose the text column"):
        read_text_upload(b"a,b\n1,x\n", "n.csv")


def test_csv_header_only_and_empty_file():
    with pytest.raises(InputError, match="no rows"):
        read_text_upload(b"id,text\n", "n.csv")
    with pytest.raises(InputError, match="empty"):
        read_text_upload(b"", "n.csv")
    with pytest.raises(InputError, match="empty"):
        read_text_upload(b"  \n\n", "n.txt")


def test_row_limit_reads_the_first_rows_and_says_so():
    data = ("text\n" + "".join(f"note {i}\n" for i in range(10))).encode()
    res = read_text_upload(data, "n.csv", max_rows=4)
    assert len(res.records) == 4
    assert res.errors[0].row == 0 and "10 rows" in res.errors[0].message and "first 4" in res.errors[0].message


def test_upload_size_limit_and_unknown_suffix():
    with pytest.raises(InputError, match="over the 1 MB upload limit"):
        read_text_upload(b"x" * (2 * 2**20), "big.txt", max_bytes=2**20)
    with pytest.raises(InputError, match="unsupported file type .docx"):
        read_text_upload(b"x", "n.docx")


def test_jsonl_rows_with_errors():
    lines = [json.dumps({"id": "a", "text": "fine"}), "{not json", json.dumps({"id": "c"}), json.dumps([1, 2]),
             json.dumps({"id": "e", "text": 5}), json.dumps({"id": "f", "text": "also fine", "label": "x"})]
    res = read_text_upload("\n".join(lines).encode(), "n.jsonl", label_column="label")
    assert [(r.id, r.label) for r in res.records] == [("a", None), ("f", "x")]
    messages = {e.row: e.message for e in res.errors}
    assert messages[2].startswith("invalid JSON")
    assert messages[3] == "key 'text' missing"
    assert messages[4] == "each line must be a JSON object"
    assert "must be a string" in messages[5]


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_of_txt_files():
    data = _zip({"a/n1.txt": b"Note one.", "n2.txt": b"Note two.", "image.png": b"\x89PNG", "bad.txt": b"caf\xe9 note",
                 "__MACOSX/._n1.txt": b"junk", "empty.txt": b""})
    res = read_text_upload(data, "batch.zip")
    assert sorted((r.id, r.text) for r in res.records) == [("n1", "Note one."), ("n2", "Note two.")]
    errs = {e.field: e.message for e in res.errors}
    assert "only .txt" in errs["image.png"]
    assert "not valid UTF-8" in errs["bad.txt"]
    assert errs["empty.txt"] == "empty text"


def test_not_a_zip():
    with pytest.raises(InputError, match="not a valid ZIP"):
        read_text_upload(b"plain text", "x.zip")


def test_read_text_file_missing(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_text_file(tmp_path / "nope.csv")


def test_peek_and_guess_columns():
    cols = peek_columns(b'Report_ID,Note\n1,"a\nb"\n', "x.csv")
    assert cols == ["Report_ID", "Note"]
    assert guess_column(cols, "text") == "Note" and guess_column(cols, "id") == "Report_ID"
    assert guess_column(["a", "b"], "text") is None
    assert peek_columns(b'{"id": 1, "abstract": "x"}\n', "x.jsonl") == ["id", "abstract"]
    assert peek_columns(b"whatever", "x.txt") == []


def test_txt_blocks_separated_by_blank_lines_keep_their_line_breaks():
    data = b"FINDINGS: Clear.\nIMPRESSION: Normal.\n\n\n  \nNo pneumothorax.\n\nLast report"
    res = read_text_upload(data, "reports.txt", blocks=True)
    assert [r.text for r in res.records] == ["FINDINGS: Clear.\nIMPRESSION: Normal.", "No pneumothorax.", "Last report"]
    assert [r.id for r in res.records] == ["1", "6", "8"]  # ids are the first line of each block


def _lying_zip(real_bytes: int, declared: int = 10) -> bytes:
    """A ZIP whose one member inflates to ``real_bytes`` zeros while both its headers declare ``declared`` bytes."""
    import io as _io
    import struct
    import zipfile as _zipfile

    buf = _io.BytesIO()
    with _zipfile.ZipFile(buf, "w", _zipfile.ZIP_DEFLATED) as zf, zf.open("note.txt", "w") as fh:
        block = b"\0" * 2**20
        for _ in range(real_bytes // 2**20):
            fh.write(block)
    data = bytearray(buf.getvalue())
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, declared)
    struct.pack_into("<I", data, central + 24, declared)
    return bytes(data)


def test_a_zip_member_is_inflated_in_bounded_reads_whatever_its_header_says():
    import tracemalloc

    from biofm.io import read_text_upload

    data = _lying_zip(150 * 2**20)
    assert len(data) < 400_000
    tracemalloc.start()
    result = read_text_upload(data, "notes.zip", max_chars=1_000_000)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 30 * 2**20, f"{peak / 2**20:.0f} MB inflated for a member declaring 10 bytes"
    assert result.records == [] and len(result.errors) == 1
    assert result.errors[0].field == "note.txt"
