"""Every reader over the bad-input corpus (tests/data/bad/): what is kept, which rows are reported and why, which
files are refused and with what message; and the CLI writes an uncorrupted output for every file it accepts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from biofm.io import InputError
from biofm.tasks import get_task

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"

# file: (task, kept records, {row: message part}) or (task, refusal message part)
CASES = {
    "empty.csv": ("text-classify", "the file is empty"),
    "header_only.csv": ("text-classify", "header but no rows"),
    "wrong_column.csv": ("text-classify", "choose the text column; the file has columns: patient, diagnosis"),
    "utf16_bom.csv": ("text-classify", 2, {}),
    "utf16_no_bom.csv": ("text-classify", "UTF-16 without a byte-order mark"),
    "binary.csv": ("text-classify", "not a text file"),
    "latin1_row.csv": ("text-classify", 2, {2: "not valid UTF-8 (byte 0xe9"}),
    "latin1_header.csv": ("text-classify", "header row is not valid UTF-8"),
    "unterminated_quote.csv": ("text-classify", 1, {2: "unterminated quote: a quoted cell opened on line 3"}),
    "ragged.csv": ("text-classify", 2, {2: "expected 2 fields, found 4"}),
    "nul_row.csv": ("text-classify", 2, {2: "empty text"}),
    "bad_lines.jsonl": ("text-classify", 2, {2: "invalid JSON", 3: "JSON object", 4: "must be a string"}),
    "crlf_reports.txt": ("reports", 3, {}),
    "fake.zip": ("text-classify", "not a valid ZIP"),
    "bad_crc.zip": ("text-classify", 2, {2: "Bad CRC-32"}),
    "dative.smi": ("molecules", 3, {}),
    "bad_smiles.smi": ("molecules", 2, {2: "unclosed ring", 3: "unparsable SMILES", 4: "valence"}),
    "latin1_name.smi": ("molecules", 2, {2: "not valid UTF-8"}),
    "broken.sdf": ("molecules", 1, {2: "could not read the SDF record"}),
    "duplicate_columns.csv": ("text-classify", "duplicate column names: 'text' (columns 2, 3); rename them"),
    "first_lacks_text.jsonl": ("text-classify", 2, {1: "no text key"}),
}


def test_the_corpus_is_complete():
    on_disk = {p.name for p in BAD.iterdir() if p.suffix != ".py"}
    assert on_disk == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_reader_outcome(name):
    task, *expect = CASES[name]
    read = lambda: get_task(task).read(BAD / name, max_rows=10_000, max_chars=1_000_000)  # noqa: E731
    if isinstance(expect[0], str):
        with pytest.raises(InputError, match=None) as info:
            read()
        assert expect[0] in str(info.value)
        return
    kept, reported = expect
    result = read()
    assert len(result.records) == kept
    assert {e.row for e in result.errors} == set(reported)
    for e in result.errors:
        assert reported[e.row] in e.message
    for r in result.records:  # nothing the writers could choke on reaches a record
        text = getattr(r, "text", None) or r.canonical
        assert "\r" not in text and not any(0xDC80 <= ord(c) <= 0xDCFF for c in text)


def test_crlf_reports_read_back_as_one_row_each(tmp_path):
    from biofm.cli import main

    out = tmp_path / "labels.csv"
    assert main(["predict", "reports", str(BAD / "crlf_reports.txt"), "-o", str(out), "-q"]) == 0
    table = pd.read_csv(out)
    assert len(table) == 3 and table["id"].notna().all()
    assert table["report"].iloc[0] == "Heart size normal.\nNo effusion."


@pytest.mark.slow
def test_dative_bonds_and_long_smiles_are_predicted_or_refused_by_row(tmp_path):
    """Cisplatin's dative bonds ([NH3], ->) are outside the transformer's vocabulary: that row is refused naming the
    tokens (not predicted as unknown tokens); PEG of 180 and 501 units is refused with its token count, never cut."""
    from biofm.cli import main

    src = tmp_path / "mols.smi"
    src.write_text("[NH3]->[Pt](<-[NH3])(Cl)Cl cisplatin\n" + "O" + "CCO" * 60 + " peg60\n"
                   + "O" + "CCO" * 167 + " peg167\nCCO ethanol\n", encoding="utf-8")
    out = tmp_path / "props.csv"
    assert main(["predict", "molecules", str(src), "-o", str(out), "-q", "--confidence", "0"]) == 0
    table = pd.read_csv(out, keep_default_na=False)
    assert table["valid"].tolist() == [False, False, False, True]
    assert "->" in table["error"].iloc[0] and "not in the transformer's vocabulary" in table["error"].iloc[0]
    assert "the model reads at most 126" in table["error"].iloc[1]
    errors = pd.read_csv(tmp_path / "props.errors.csv")
    assert errors["row"].tolist() == [1, 2, 3] and errors["message"].iloc[1:].str.contains("SMILES tokens").all()


def test_the_cli_refuses_a_file_over_the_upload_limit(tmp_path, monkeypatch, capsys):
    from biofm.cli import main

    monkeypatch.setenv("BIOFM_MAX_UPLOAD_MB", "1")
    src = tmp_path / "big.csv"
    src.write_text("text\n" + ("fever and cough " * 8 + "\n") * 9000, encoding="utf-8")
    assert main(["predict", "text-classify", str(src), "-o", str(tmp_path / "o.csv"), "-q"]) == 2
    assert "over the 1 MB upload limit" in capsys.readouterr().err


def test_a_document_over_the_character_limit_is_a_row_error(tmp_path):
    from biofm.io import read_text_upload

    data = b"id,text\na,short note\nb," + b"x" * 5000 + b"\nc,another note\n"
    result = read_text_upload(data, "notes.csv", max_chars=1000)
    assert [r.id for r in result.records] == ["a", "c"]
    assert result.errors[0].row == 2 and "5,000 characters: over the 1,000-character" in result.errors[0].message


def test_conll_lines_without_a_tag_or_with_bad_bytes_are_reported(tmp_path):
    from biofm.io.conll import read_conll

    path = tmp_path / "x.conll"
    path.write_bytes(b"Aspirin\tB-Chemical\ncauses\nulcers\tB-Disease\n\nna\xefve\tO\npatients\tO\n")
    sentences, errors = read_conll(path)
    assert [(e.row, e.field) for e in errors] == [(2, "tag"), (5, "line")]
    assert "has no tag" in errors[0].message and "not valid UTF-8 (byte 0xef" in errors[1].message
    assert sentences[0].tags is None and sentences[1].tags == ["O", "O"]


def test_training_labels_nan_are_skipped_and_numeric_labels_are_one_class(tmp_path):
    """A NaN or empty label is a row error, not a class 'nan'; JSON 0 and 0.0 are the same class (issue #20)."""
    from biofm.tasks.text_classify.data import check_text_file, read_labelled

    csv_file = tmp_path / "train.csv"
    csv_file.write_text("text,label\nfever,a\ncough,NaN\nstroke,b\npain,\nseizure,a\nglioma,b\n")
    res = read_labelled(csv_file, {"label_column": "label"})
    assert sorted({r.label for r in res.records}) == ["a", "b"]
    assert [(e.row, e.field) for e in res.errors] == [(2, "label"), (4, "label")]
    assert "no label" in res.errors[0].message
    assert "2 row(s) without a label skipped" in check_text_file(csv_file, {})
    jsonl = tmp_path / "train.jsonl"
    jsonl.write_text('{"text": "fever", "label": 0}\n{"text": "cough", "label": 0.0}\n{"text": "pain", "label": 1}\n'
                     '{"text": "stroke", "label": NaN}\n{"text": "glioma", "label": 1.0}\n')
    res = read_labelled(jsonl, {"label_column": "label"})
    assert [r.label for r in res.records] == ["0", "0", "1", "1"] and [e.row for e in res.errors] == [4]


def test_explain_messages_name_the_real_problem(tmp_path, capsys):
    from biofm.cli import main

    assert main(["explain", "text-classify", "--text", "", "-o", str(tmp_path / "x.json")]) == 2
    assert "the text is empty" in capsys.readouterr().err
    assert main(["explain", "molecules", "--text", "C1CC", "-o", str(tmp_path / "x.json")]) == 2
    assert "unclosed ring" in capsys.readouterr().err


def test_iob1_tags_are_read_as_iob2_by_the_cli_and_the_page(tmp_path):
    """I- without B- (IOB1) opens an entity: the page's file check counts it, training sees B- tags (issue #20)."""
    from biofm.io.conll import read_conll
    from biofm.tasks.ner.parts import check_conll_file

    path = tmp_path / "iob1.conll"
    path.write_text("Aspirin\tI-Chemical\ncauses\tO\ngastric\tI-Disease\nulcers\tI-Disease\n\n"
                    "Naproxen\tI-Chemical\nand\tO\naspirin\tI-Chemical\n")
    sentences, errors = read_conll(path)
    assert errors == []
    assert sentences[0].tags == ["B-Chemical", "O", "B-Disease", "I-Disease"]
    assert sentences[1].tags == ["B-Chemical", "O", "B-Chemical"]
    assert "entities: Chemical 3, Disease 1" in check_conll_file(path)
