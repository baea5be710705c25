"""Issue 25 item 7: a CSV saved by Excel may start with the delimiter hint ``sep=;``; every CSV reader takes its
delimiter from it and reads the next line as the header."""

import pytest

from biofm.io import read_text_upload
from biofm.io.decoding import csv_text
from biofm.io.molecules import read_molecules
from biofm.io.text import peek_columns, peek_rows

HINTS = [("sep=;", ";"), ("sep=,", ","), ("sep=\t", "\t"), ("sep=\\t", "\t"), ("sep=|", "|"), ('"sep=;"', ";"),
         ("SEP=;", ";"), ("sep=;;", ";")]


@pytest.mark.parametrize("hint,delimiter", HINTS)
def test_hint_names_the_delimiter_and_is_dropped(hint, delimiter):
    body = f"id{delimiter}text\n1{delimiter}a\n"
    assert csv_text(f"{hint}\n{body}") == (delimiter, body, 1)


def test_without_a_hint_the_header_line_decides():
    assert csv_text("id;text,with comma;x\n") == (";", "id;text,with comma;x\n", 0)
    assert csv_text("separation,text\n1,a\n")[2] == 0  # a column named like the hint is a header


@pytest.mark.parametrize("hint,delimiter", [("sep=;", ";"), ("sep=,", ","), ("sep=\t", "\t")])
def test_notes_csv_from_excel(hint, delimiter):
    d = delimiter
    data = f"\ufeff{hint}\r\nid{d}text{d}label\r\nn1{d}\"Chest pain{'; ' if d != ';' else ', '}dyspnoea\"{d}2\r\n" \
           f"n2{d}Fever{d}1\r\n".encode()
    res = read_text_upload(data, "notes.csv", label_column="label")
    assert res.columns == ["id", "text", "label"] and not res.errors
    assert [(r.id, r.label) for r in res.records] == [("n1", "2"), ("n2", "1")]
    assert res.records[0].text.startswith("Chest pain") and res.records[1].text == "Fever"
    assert peek_columns(data, "notes.csv") == ["id", "text", "label"]
    assert [r["id"] for r in peek_rows(data, "notes.csv")] == ["n1", "n2"]


def test_unterminated_quote_names_the_file_lines_counting_the_hint():
    res = read_text_upload(b'sep=;\nid;text\n1;ok\n2;"never closed\n3;more\n', "n.csv")
    assert [r.id for r in res.records] == ["1"]
    assert "opened on line 4" in res.errors[-1].message


def test_molecules_csv_from_excel():
    res = read_molecules(b"sep=;\nname;smiles;FDA_APPROVED\nethanol;CCO;1\nbenzene;c1ccccc1;0\n", "m.csv")
    assert not res.errors and [r.smiles for r in res.records] == ["CCO", "c1ccccc1"]
    assert res.records[0].meta["columns"] == {"FDA_APPROVED": "1"}


def test_training_files_from_excel(tmp_path):
    from biofm.reports.observations import OBSERVATIONS
    from biofm.tasks.reports.train import read_chexpert_pairs
    from biofm.tasks.text_classify.data import check_text_file, read_label_map

    train = tmp_path / "train.csv"
    rows = [f"{i};note {i} text;{'cardio' if i % 2 else 'neuro'}" for i in range(8)]
    train.write_text("sep=;\ntext_id;text;label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert "8" in check_text_file(train, {})
    mapping = tmp_path / "map.csv"
    mapping.write_text("sep=;\ncode;label\n1;cardiovascular\n2;neoplasms\n", encoding="utf-8")
    assert read_label_map(str(mapping)) == {"1": "cardiovascular", "2": "neoplasms"}
    reports = tmp_path / "reports.csv"
    header = ";".join(["id", "report", *OBSERVATIONS])
    body = "\n".join(";".join([str(i), f"report {i}", *["1" if j == i % 3 else "" for j in range(len(OBSERVATIONS))]])
                     for i in range(5))
    reports.write_text(f"sep=;\n{header}\n{body}\n", encoding="utf-8")
    assert [text for text, _ in read_chexpert_pairs(str(reports))] == [f"report {i}" for i in range(5)]
