import csv
import json

import pandas as pd
import pytest

from biofm.cli import main


@pytest.fixture
def notes_csv(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_bytes(b'note_id,body\nn1,"Chest pain, troponin up."\nn2,\nn3,"Glioma on MRI\nsecond line"\n')
    return path


def test_predict_text_classify_writes_stable_columns(tiny_model_dir, notes_csv, tmp_path, capsys):
    out = tmp_path / "out.csv"
    rc = main(["predict", "text-classify", str(notes_csv), "-o", str(out), "--model", str(tiny_model_dir),
               "--text-column", "body", "--id-column", "note_id", "-q"])
    assert rc == 0
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["id", "text", "label", "score", "p_cardiac", "p_neuro", "p_onco", "windows"]
    assert frame["id"].tolist() == ["n1", "n3"]
    assert frame["text"][1] == "Glioma on MRI\nsecond line"
    assert set(frame["label"]) <= {"cardiac", "neuro", "onco"}
    assert (frame[["p_cardiac", "p_neuro", "p_onco"]].sum(axis=1).round(4) == 1).all()
    errors = list(csv.DictReader(open(tmp_path / "out.errors.csv")))
    assert errors == [{"source": "notes.csv", "row": "2", "field": "body", "message": "empty text"}]
    assert "row 2 (body): empty text" in capsys.readouterr().err


def test_predict_jsonl_output(tiny_model_dir, tmp_path):
    src = tmp_path / "notes.txt"
    src.write_text("first note\nsecond note\n")
    out = tmp_path / "out.jsonl"
    assert main(["predict", "text-classify", str(src), "-o", str(out), "--model", str(tiny_model_dir),
                 "--one-per-line", "-q"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["1", "2"] and {"label", "score", "p_onco"} <= set(rows[0])


def test_predict_reports_bad_column_without_traceback(tiny_model_dir, notes_csv, tmp_path, capsys):
    rc = main(["predict", "text-classify", str(notes_csv), "-o", str(tmp_path / "o.csv"), "--model",
               str(tiny_model_dir), "--text-column", "nope"])
    assert rc == 2
    assert "text column 'nope' not found; the file has columns: note_id, body" in capsys.readouterr().err


def test_unknown_model_is_a_clear_error(notes_csv, tmp_path, capsys):
    assert main(["predict", "text-classify", str(notes_csv), "-o", str(tmp_path / "o.csv"), "--model",
                 "nope-model"]) == 2
    assert "unknown model 'nope-model'" in capsys.readouterr().err


def test_models_list_shows_task_and_source(tiny_model_dir, monkeypatch, capsys):
    monkeypatch.setenv("BIOFM_MODEL_DIRS", str(tiny_model_dir.parent))
    assert main(["models", "list"]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    by_name = {r["name"]: r for r in rows}
    assert by_name["tiny-text"]["task"] == "text-classify" and by_name["tiny-text"]["source"] == "local"
    assert by_name["disease-category"]["source"] == "shipped"


def test_train_refuses_single_class_data_before_training(tmp_path, capsys):
    src = tmp_path / "train.csv"
    src.write_text("text,label\n" + "".join(f"note {i},cardiac\n" for i in range(10)))
    rc = main(["train", "text-classify", "--train", str(src), "--out", str(tmp_path / "m"), "-q"])
    assert rc == 2 and "at least two classes" in capsys.readouterr().err
    assert not (tmp_path / "m" / "biofm.json").exists()


def test_predict_ner_jsonl_and_conll(tiny_tagger_dir, tmp_path):
    src = tmp_path / "notes.jsonl"
    src.write_text(json.dumps({"id": "n1", "text": "Aspirin induced asthma."}) + "\n")
    out = tmp_path / "ents.jsonl"
    assert main(["predict", "ner", str(src), "-o", str(out), "--model", str(tiny_tagger_dir), "-q"]) == 0
    rec = json.loads(out.read_text())
    assert set(rec) == {"id", "text", "entities", "windows"} and rec["id"] == "n1" and rec["windows"] == 1
    for e in rec["entities"]:
        assert rec["text"][e["start"]:e["end"]] == e["text"]
    conll = tmp_path / "in.conll"
    conll.write_text("Aspirin\tB-Chemical\ninduced\tO\nasthma\tB-Disease\n\nFever\tO\n")
    out2 = tmp_path / "out.conll"
    assert main(["predict", "ner", str(conll), "-o", str(out2), "--model", str(tiny_tagger_dir), "-q"]) == 0
    rows = [line.split("\t") for line in out2.read_text().splitlines()]
    assert [r[:2] for r in rows if r != [""]] == [["Aspirin", "B-Chemical"], ["induced", "O"], ["asthma", "B-Disease"],
                                                  ["Fever", "O"]]
    assert all(r[2] == "O" or r[2][:2] in ("B-", "I-") for r in rows if r != [""])


def test_explain_text_classify_writes_json_and_html(tiny_model_dir, tmp_path):
    out = tmp_path / "ex.json"
    rc = main(["explain", "text-classify", "--text", "Seizure <b>x</b>", "--method", "gxi", "--target", "neuro",
               "--model", str(tiny_model_dir), "-o", str(out), "--html", str(tmp_path / "ex.html")])
    assert rc == 0
    [item] = json.loads(out.read_text())
    assert {"units", "scores", "target", "method", "delta"} <= set(item)
    assert item["target"] == "neuro" and item["method"] == "gxi" and len(item["units"]) == len(item["scores"])
    assert "<b>" not in (tmp_path / "ex.html").read_text()


def test_explain_ner_entity_span(tiny_tagger_dir, tmp_path):
    out = tmp_path / "ex.json"
    rc = main(["explain", "ner", "--text", "Aspirin induced asthma.", "--entity", "16-22", "--target", "Disease",
               "--method", "occlusion", "--model", str(tiny_tagger_dir), "-o", str(out)])
    assert rc == 0
    [item] = json.loads(out.read_text())
    assert item["target"] == "Disease: asthma"


def test_embed_writes_coordinates_and_colour_columns(tiny_model_dir, tmp_path):
    src = tmp_path / "n.csv"
    src.write_text("id,text,label,ward\n" + "".join(f"{i},note {i} words,{'ab'[i % 2]},W{i % 3}\n" for i in range(9)))
    out = tmp_path / "map.csv"
    assert main(["embed", str(src), "--task", "text-classify", "--model", str(tiny_model_dir), "--label-column",
                 "label", "--method", "pca", "-o", str(out), "-q"]) == 0
    frame = pd.read_csv(out)
    assert list(frame.columns[:3]) == ["id", "x", "y"] and len(frame) == 9
    assert {"prediction", "confidence", "true label", "correct", "ward"} <= set(frame.columns)
    html_out = tmp_path / "map.html"
    assert main(["embed", str(src), "--task", "text-classify", "--model", str(tiny_model_dir), "--method", "tsne",
                 "--perplexity", "2", "--colour", "ward", "-o", str(html_out), "-q"]) == 0
    page = html_out.read_text()
    assert "scattergl" in page and "W1" in page


def test_predict_molecules_keeps_rejected_rows_in_place(tiny_molecule_dir, tmp_path, capsys):
    src = tmp_path / "m.csv"
    src.write_text("id,smiles\na,CCO\nb,C1CC\nc,[Na+].CC(=O)[O-]\n")
    out = tmp_path / "pred.csv"
    assert main(["predict", "molecules", str(src), "-o", str(out), "--model", str(tiny_molecule_dir),
                 "--strip-salts", "--confidence", "0.8", "-q"]) == 0
    frame = pd.read_csv(out, keep_default_na=False)
    assert list(frame.columns[:5]) == ["id", "input_smiles", "canonical_smiles", "valid", "error"]
    assert {"carbons", "uncertainty", "nearest_train_similarity"} <= set(frame.columns)
    assert frame["input_smiles"].tolist() == ["CCO", "C1CC", "[Na+].CC(=O)[O-]"]
    assert frame["valid"].astype(str).tolist() == ["True", "False", "True"]
    assert frame.loc[2, "canonical_smiles"] == "CC(=O)[O-]"
    assert "unclosed ring" in frame.loc[1, "error"]
    assert "row 2 (C1CC)" in capsys.readouterr().err


def test_predict_reports_csv_with_quirks(tiny_report, tmp_path, capsys):
    model_dir, _ = tiny_report
    src = tmp_path / "reports.csv"
    src.write_text('study,text\n'
                   'r1,"FINDINGS:\n1. No pneumothorax.\n2. Small left pleural effusion.\nIMPRESSION: XXXX effusion."\n'
                   'r2,\n'
                   'r3,"Cannot exclude pneumonia; no effusion, but there is consolidation."\n')
    out = tmp_path / "labels.csv"
    assert main(["predict", "reports", str(src), "-o", str(out), "--model", str(model_dir), "--id-column", "study",
                 "-q"]) == 0
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert frame["id"].tolist() == ["r1", "r3"]
    row = frame.set_index("id")
    assert (row.loc["r1", "Pneumothorax"], row.loc["r1", "Pleural Effusion"]) == ("0", "1")
    assert (row.loc["r3", "Pneumonia"], row.loc["r3", "Pleural Effusion"], row.loc["r3", "Consolidation"]) == \
        ("-1", "0", "1")
    assert row.loc["r1", "Pleural Effusion_source"] == "rules"  # each label says whether a sentence decided it
    assert "row 2 (text): empty text" in capsys.readouterr().err
    jl = tmp_path / "labels.jsonl"
    assert main(["predict", "reports", str(src), "-o", str(jl), "--model", str(model_dir), "-q"]) == 0
    first = json.loads(jl.read_text().splitlines()[0])
    assert first["observations"]["Pleural Effusion"]["evidence"] == "XXXX effusion."
    assert first["observations"]["Pleural Effusion"]["source"] == "rules"


def test_explain_without_target_explains_the_predicted_class_and_no_rows_is_an_error(tiny_model_dir, tmp_path):
    out = tmp_path / "e.json"
    assert main(["explain", "text-classify", "--text", "Seizure and headache", "--method", "gxi", "--model",
                 str(tiny_model_dir), "-o", str(out)]) == 0
    pred = tmp_path / "p.csv"
    (tmp_path / "one.txt").write_text("Seizure and headache", encoding="utf-8")
    assert main(["predict", "text-classify", str(tmp_path / "one.txt"), "--model", str(tiny_model_dir),
                 "-o", str(pred), "-q"]) == 0
    assert json.loads(out.read_text())[0]["target"] == pd.read_csv(pred)["label"].iloc[0]
    empty = tmp_path / "empty.csv"
    empty.write_text("id,text\n1,\n2,   \n", encoding="utf-8")
    assert main(["explain", "text-classify", "--input", str(empty), "--model", str(tiny_model_dir),
                 "-o", str(tmp_path / "x.json")]) == 2
