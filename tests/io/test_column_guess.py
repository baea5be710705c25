"""Choosing the text column of an upload: by name, else by content; ids and codes are never taken for prose."""

from biofm.io.text import guess_text_by_content, looks_like_ids, peek_rows

DATA = ("patient,comment,age\nP001,Severe headache with vomiting since this morning,54\n"
        "P002,Chest pain radiating to the jaw on exertion,61\nP003,Biopsy shows a malignant melanoma,47\n")


def test_prose_column_is_guessed_by_content_and_ids_are_recognised():
    rows = peek_rows(DATA.encode(), "x.csv")
    assert len(rows) == 3 and rows[0]["patient"] == "P001"
    assert guess_text_by_content(rows, ["patient", "comment", "age"]) == "comment"
    assert looks_like_ids([r["patient"] for r in rows]) and looks_like_ids([r["age"] for r in rows])
    assert not looks_like_ids([r["comment"] for r in rows])


def test_jsonl_preview_and_no_prose_at_all():
    rows = peek_rows(b'{"id": 1, "code": "A1"}\n{"id": 2, "code": "B7"}\n', "x.jsonl")
    assert rows == [{"id": 1, "code": "A1"}, {"id": 2, "code": "B7"}]
    assert guess_text_by_content(rows, ["id", "code"]) is None
    assert peek_rows(b"\x00\x00\x00\x01\x02" * 50, "x.csv") == []  # binary: no preview, no crash
    assert peek_rows(b"a,b\n1,2\n", "x.txt") == []  # not a table
