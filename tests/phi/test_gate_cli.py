"""The PHI gate on every command: predict, explain, embed, batch, train, deid (all columns) and deid eval."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from biofm.cli import main

pytestmark = pytest.mark.slow

NOTES = pd.DataFrame({"id": ["Jane Doe", "n2", "n3"],
                      "text": ["Chest pain since 03/14/2021; call 617-555-0142.", "Cough and fever for two days.",
                               "Stable angina, follow up in clinic."],
                      "comments": ["spoke with Tovi Lane at 617-555-0199", "none", "none"],
                      "label": ["cardiac", "neuro", "cardiac"]})


@pytest.fixture
def notes(tmp_path, monkeypatch):
    monkeypatch.setenv("BIOFM_DATA_DIR", str(tmp_path / "home"))
    monkeypatch.delenv("BIOFM_PHI_GATE", raising=False)  # the default: warn
    path = tmp_path / "notes.csv"
    NOTES.to_csv(path, index=False)
    return path


def test_predict_warn_deidentifies_and_says_so(notes, tiny_model_dir, tmp_path, capsys):
    out = tmp_path / "pred.csv"
    assert main(["predict", "text-classify", str(notes), "-o", str(out), "--model", str(tiny_model_dir), "-q"]) == 0
    err = capsys.readouterr().err
    assert "PHI gate (warn):" in err and "de-identified (redact)" in err and "column comments" in err
    table = pd.read_csv(out, dtype=str)
    written = table.to_csv()
    assert "Jane Doe" not in written and "617-555-0142" not in written and "03/14/2021" not in written


def test_require_refuses_with_exit_2_naming_the_row(notes, tiny_model_dir, tmp_path, capsys):
    out = tmp_path / "pred.csv"
    code = main(["predict", "text-classify", str(notes), "-o", str(out), "--model", str(tiny_model_dir), "-q",
                 "--phi-gate", "require"])
    err = capsys.readouterr().err
    assert code == 2 and "refused" in err and "row 1" in err and "CONTACT" in err and not out.exists()
    assert "Jane Doe" not in err


def test_off_is_explicit_and_env_is_overridden_by_the_flag(notes, tiny_model_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BIOFM_PHI_GATE", "require")
    out = tmp_path / "pred.csv"
    assert main(["predict", "text-classify", str(notes), "-o", str(out), "--model", str(tiny_model_dir), "-q",
                 "--phi-gate", "off"]) == 0
    assert "nothing was scanned" in capsys.readouterr().err
    assert "Jane Doe" in pd.read_csv(out, dtype=str).to_csv()


def test_explain_and_embed_are_gated(notes, tiny_model_dir, tmp_path, capsys):
    out = tmp_path / "x.json"
    assert main(["explain", "text-classify", "--text", "Seen by Dr. Smith, call 617-555-0142.", "-o", str(out),
                 "--model", str(tiny_model_dir), "--method", "gxi", "-q"]) == 0
    assert "617-555-0142" not in out.read_text() and "PHI gate (warn)" in capsys.readouterr().err
    assert main(["embed", str(notes), "--task", "text-classify", "-o", str(tmp_path / "m.csv"), "--model",
                 str(tiny_model_dir), "--method", "pca", "-q", "--phi-gate", "require"]) == 2


def test_batch_local_deidentifies_and_refuses_in_require(notes, tiny_model_dir, tmp_path, capsys):
    out = tmp_path / "b.csv"
    assert main(["batch", "text-classify", str(notes), "-o", str(out), "--model", str(tiny_model_dir),
                 "--engine", "local", "-q"]) == 0
    assert "Jane Doe" not in out.read_text() and "617-555-0142" not in out.read_text()
    assert "de-identified (redact) before the model ran" in capsys.readouterr().err
    out2 = tmp_path / "b2.csv"
    assert main(["batch", "text-classify", str(notes), "-o", str(out2), "--model", str(tiny_model_dir),
                 "--engine", "local", "-q", "--phi-gate", "require"]) == 2
    errors = pd.read_csv(tmp_path / "b2.errors.csv", dtype=str)
    assert errors["field"].tolist() == ["phi"] and "refused by the PHI gate" in errors["message"].iloc[0]
    assert "Jane Doe" not in out2.read_text() and len(pd.read_csv(out2)) == 2


def test_train_uses_a_deidentified_copy_and_require_refuses(notes, tmp_path, capsys):
    with pytest.raises(SystemExit):
        pass_args = ["train", "text-classify", "--train", str(notes), "--out", str(tmp_path / "m"), "--phi-gate",
                     "require"]
        raise SystemExit(main(pass_args))
    assert "refused" in capsys.readouterr().err and not (tmp_path / "m").exists()
    from biofm.config import load_settings
    from biofm.phi.files import gate_training_file

    path, line = gate_training_file(str(notes), load_settings(phi_gate="warn", data_dir=tmp_path / "home"),
                                    {"label_column": "label"})
    copy = pd.read_csv(path, dtype=str)
    assert list(copy.columns) == list(NOTES.columns) and copy["label"].tolist() == NOTES["label"].tolist()
    assert "Jane Doe" not in copy.to_csv() and "617-555-0199" not in copy.to_csv() and "de-identified" in line
    assert (tmp_path / "home" / "uploads") in __import__("pathlib").Path(path).parents


def test_deid_scans_every_column_and_reports_the_unscanned(notes, tmp_path, capsys):
    out = tmp_path / "deid.csv"
    assert main(["deid", str(notes), "-o", str(out), "--label-column", "label", "-q"]) == 0
    table = pd.read_csv(out, dtype=str)
    assert "Tovi Lane" not in table["comments"].iloc[0] and "617-555-0199" not in table["comments"].iloc[0]
    assert "Jane Doe" not in table["id"].iloc[0] and table["label"].tolist() == NOTES["label"].tolist()
    err = capsys.readouterr().err
    assert "label (labels are kept as they are)" in err
    assert main(["deid", str(notes), "-o", str(tmp_path / "d.jsonl"), "--columns", "none_of_them", "-q"]) == 0
    assert "not scanned: column comments (not named by --columns)" in capsys.readouterr().err


def test_deid_jsonl_input_scans_its_extra_keys(tmp_path):
    src = tmp_path / "n.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "Cough.", "patient_name": "Margaret Oduya",
                               "phone": "617-555-0142", "meta": {"x": 1}}) + "\n")
    out = tmp_path / "o.jsonl"
    assert main(["deid", str(src), "-o", str(out), "-q"]) == 0
    row = json.loads(out.read_text())
    assert row["columns"] == {"patient_name": "[NAME]", "phone": "[CONTACT]"}


GOLD_TEXT = "Jane Doe was seen on 03/14/2021. Call 617-555-0142. Chest clear."
GOLD_SPANS = [(0, 8, "PATIENT"), (21, 31, "DATE"), (38, 50, "PHONE")]


def _gold(tmp_path):
    brat = tmp_path / "brat"
    brat.mkdir()
    (brat / "n1.txt").write_text(GOLD_TEXT)
    (brat / "n1.ann").write_text("".join(f"T{i}\t{lab} {s} {e}\t{GOLD_TEXT[s:e]}\n"
                                         for i, (s, e, lab) in enumerate(GOLD_SPANS, 1)))
    jsonl = tmp_path / "gold.jsonl"
    jsonl.write_text(json.dumps({"text": GOLD_TEXT, "spans": [{"start": s, "end": e, "label": lab}
                                                               for s, e, lab in GOLD_SPANS]}) + "\n")
    conll = tmp_path / "gold.conll"
    conll.write_text("Jane\tB-NAME\nDoe\tI-NAME\nhas\tO\nasthma\tO\n\nCall\tO\n617-555-0142\tB-CONTACT\n")
    return brat, jsonl, conll


def test_gold_readers_agree_and_scores_are_per_type(tmp_path):
    from biofm.phi.gold import read_gold, score
    from biofm.entities import Entity

    brat, jsonl, conll = _gold(tmp_path)
    a, b = read_gold(brat)[0], read_gold(jsonl)[0]
    assert a.spans == b.spans == [(0, 8, "NAME"), (21, 31, "DATE"), (38, 50, "CONTACT")]
    c = read_gold(conll)
    assert [n.spans for n in c] == [[(0, 8, "NAME")], [(5, 17, "CONTACT")]]
    # a detector that finds the name and a wrong word, misses the date and the phone
    found = [[Entity(0, 8, "NAME", "Jane Doe", 1.0), Entity(52, 57, "NAME", "Chest", 0.5)]]
    s = score([a], found)
    assert s["per_type"]["NAME"]["token_recall"] == 1.0 and s["per_type"]["DATE"]["token_recall"] == 0.0
    assert s["per_type"]["NAME"]["token_precision"] == pytest.approx(2 / 3, abs=1e-3)
    assert s["entity_recall"] == pytest.approx(1 / 3, abs=1e-3) and s["entity_precision"] == 0.5
    r, p = s["token_recall"], s["token_precision"]
    assert s["token_f2"] == pytest.approx(5 * p * r / (4 * p + r), abs=1e-3)


def test_deid_eval_exits_non_zero_below_min_recall(tmp_path, capsys):
    brat, jsonl, conll = _gold(tmp_path)
    out = tmp_path / "scores.json"
    assert main(["deid", "eval", str(brat), "-o", str(out), "-q", "--min-recall", "0.5"]) == 0
    scores = json.loads(out.read_text())
    assert scores["per_type"]["CONTACT"]["token_recall"] == 1.0 and "token F2" in capsys.readouterr().out
    assert main(["deid", "eval", str(jsonl), "-q", "--min-recall", "1.01"]) == 2  # out of range
    assert main(["deid", "eval", str(conll), "-q", "--min-recall", "1.0"]) in (0, 1)
    # a perfect recall bar the detector cannot meet on a note it misses entirely
    miss = tmp_path / "miss.jsonl"
    miss.write_text(json.dumps({"text": "Seen in clinic today.", "spans": [{"start": 0, "end": 4, "label": "NAME"}]})
                    + "\n")
    assert main(["deid", "eval", str(miss), "-q", "--min-recall", "0.9"]) == 1
    assert "below --min-recall" in capsys.readouterr().err
