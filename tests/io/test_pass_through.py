"""Issue 25 item 13: outputs keep the user's other input columns (clashing names suffixed ``_input``), the
classification CSV has its ``windows`` column, and explanation downloads name the document and the model."""

import json

import pandas as pd

from biofm.cli import main
from biofm.io.writers import with_input_columns


def test_input_columns_follow_biofm_columns_and_clashes_are_suffixed():
    rows = [{"id": "a", "label": "x", "score": 0.9}, {"id": "b", "label": "y", "score": 0.8}]
    cols = [{"FDA_APPROVED": "1", "label": "cardio", "label_input": "keep"}, None]
    got = with_input_columns(rows, cols)
    assert list(got[0]) == ["id", "label", "score", "FDA_APPROVED", "label_input_input", "label_input"]
    assert got[0]["label"] == "x" and got[0]["label_input_input"] == "cardio" and got[0]["label_input"] == "keep"
    assert "FDA_APPROVED" not in got[1] and got[1]["label"] == "y"
    assert with_input_columns(rows, [None, None]) == rows


def test_molecule_predictions_keep_the_clintox_columns(tiny_molecule_dir, tmp_path):
    src = tmp_path / "clintox.csv"
    src.write_text("smiles,FDA_APPROVED,CT_TOX,valid\nCCO,1,0,yes\nC1CC,1,1,no\nc1ccccc1O,0,1,yes\n")
    out = tmp_path / "pred.csv"
    assert main(["predict", "molecules", str(src), "-o", str(out), "--model", str(tiny_molecule_dir),
                 "--confidence", "0.9", "-q"]) == 0
    frame = pd.read_csv(out, keep_default_na=False, dtype=str)
    assert frame["FDA_APPROVED"].tolist() == ["1", "1", "0"]  # the rejected row keeps its place and its columns
    assert frame["CT_TOX"].tolist() == ["0", "1", "1"]
    assert frame["valid"].tolist() == ["True", "False", "True"]  # biofm's own column is not overwritten...
    assert frame["valid_input"].tolist() == ["yes", "no", "yes"]  # ...the input's is kept beside it
    assert list(frame.columns[-3:]) == ["FDA_APPROVED", "CT_TOX", "valid_input"]


def test_rejected_molecules_keep_the_files_id_and_name(tiny_molecule_dir, tmp_path):
    src = tmp_path / "own.csv"
    src.write_bytes(b"id,smiles,name,batch\nm1,CCO,ethanol,b1\nm2,C1CC,broken ring,b2\nm3,CCN,caf\xe9,b3\n"
                    b"m4,c1ccccc1O,phenol,b4\n")
    out = tmp_path / "pred.csv"
    assert main(["predict", "molecules", str(src), "-o", str(out), "--model", str(tiny_molecule_dir), "-q"]) == 0
    frame = pd.read_csv(out, keep_default_na=False, dtype=str)
    assert frame["id"].tolist() == ["m1", "m2", "m3", "m4"]  # users join on their ids, rejected rows included
    assert frame["valid"].tolist() == ["True", "False", "False", "True"]
    assert frame["name"].tolist()[:2] == ["ethanol", "broken ring"] and frame["batch"].tolist()[1] == "b2"
    assert frame["input_smiles"].tolist()[2] == "CCN"  # a bad byte in another column keeps the SMILES shown


def test_text_predictions_keep_input_columns_and_windows(tiny_model_dir, tmp_path):
    src = tmp_path / "notes.csv"
    long = " ".join(["hypertension"] * 80)
    src.write_text(f"id,text,ward,score\nn1,Chest pain.,A3,7\nn2,{long},B1,2\n")
    for suffix in ("csv", "jsonl"):
        out = tmp_path / f"out.{suffix}"
        assert main(["predict", "text-classify", str(src), "-o", str(out), "--model", str(tiny_model_dir), "-q"]) == 0
        frame = pd.read_csv(out, dtype=str) if suffix == "csv" else pd.read_json(out, lines=True, dtype=str)
        assert frame["ward"].tolist() == ["A3", "B1"] and frame["score_input"].tolist() == ["7", "2"]
        assert frame["windows"].astype(int).tolist()[0] == 1 and int(frame["windows"][1]) > 1
        assert float(frame["score"][0]) <= 1


def test_explanations_name_the_document_and_the_model(tiny_model_dir, tmp_path):
    from biofm import api
    from biofm.explain import standalone_html
    from biofm.explain.render import explanation_filename, explanation_record
    from tests.conftest import load_tiny

    src = tmp_path / "notes.csv"
    src.write_text("id,text\nnote-17,Seizure after a fall.\n")
    out = tmp_path / "why.json"
    assert main(["explain", "text-classify", "--input", str(src), "-o", str(out), "--model", str(tiny_model_dir),
                 "--method", "gxi", "--html", str(tmp_path / "why.html"), "--phi-gate", "off"]) == 0
    item = json.loads(out.read_text())[0]
    assert item["id"] == "note-17" and item["model"] == "tiny-text"
    page = (tmp_path / "why.html").read_text()
    assert "document: note-17" in page and "model: tiny-text" in page

    loaded = load_tiny(tiny_model_dir, "text-classify")
    attr = api.explain("text-classify", loaded, "Seizure after a fall.", "neuro", "gxi")
    assert explanation_record(attr, "note-17", "tiny-text")["model"] == "tiny-text"
    assert "<title>biofm explanation: note-17 (tiny-text)</title>" in standalone_html(attr, "note-17", "tiny-text")
    assert explanation_filename("note 17/a", "tiny-text", "html") == "explanation-note_17_a-tiny-text.html"
    assert explanation_filename(None, "esol", "json", "atom_attributions") == "atom_attributions-esol.json"
