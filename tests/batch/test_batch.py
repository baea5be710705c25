"""``biofm batch``: the same rows and row errors as ``biofm predict``, in-process and on a local Ray cluster."""

from __future__ import annotations

import csv
import io
import json
import random

import numpy as np
import pandas as pd
import pytest

from biofm.cli import main

WORDS = ("patient presents with chest pain fever cough diabetes hypertension tumour fracture renal failure asthma "
         "seizure headache stroke biopsy carcinoma").split()
SMILES = ["CCO", "c1ccccc1O", "CC(=O)Oc1ccccc1C(=O)O", "CCN(CC)CC", "not_a_smiles", "C1CC", "CCCCCCCCCC", "O=C=O",
          "c1ccncc1", "CC(C)Cc1ccc(cc1)C(C)C(=O)O", "[Na+].[Cl-]", "C1=CC=CC=C1Cl"]


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BIOFM_DATA_DIR", str(tmp_path / "home"))


def _notes(path, n=300, seed=1):
    """n rows; every 50th has empty text, every 70th too many fields, one has a byte that is not UTF-8."""
    rng = random.Random(seed)
    bad = set()
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text"])
        for i in range(n):
            if i % 50 == 7:
                w.writerow([f"n{i}", ""])
                bad.add(i + 1)
            elif i % 70 == 3:
                fh.write(f"n{i},too,many,fields\n")
                bad.add(i + 1)
            else:
                w.writerow([f"n{i}", " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 80)))])
    with open(path, "ab") as fh:
        fh.write(b"n_latin1,caf\xe9 patient with fever\n")
    bad.add(n + 1)
    return bad


def _molecules(path, n=200):
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(f"{SMILES[i % len(SMILES)]} m{i}\n" for i in range(n))
    return {i + 1 for i in range(n) if SMILES[i % len(SMILES)] in ("not_a_smiles", "C1CC")}


def _assert_same_rows(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected)
    numeric = [c for c in expected.columns if pd.api.types.is_float_dtype(expected[c])]
    # batches group rows differently from one whole-file run: probabilities may differ in the 6th decimal
    np.testing.assert_allclose(got[numeric].to_numpy(float), expected[numeric].to_numpy(float), atol=2e-6)
    other = [c for c in expected.columns if c not in numeric]
    pd.testing.assert_frame_equal(got[other].reset_index(drop=True), expected[other].reset_index(drop=True),
                                  check_dtype=False)


def _errors(path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False)


CASES = {
    "text-classify": (_notes, "notes.csv", []),
    "molecules": (_molecules, "mols.smi", ["--confidence", "0"]),
}


def _predict_and_batch(tmp_path, task, engine, suffix=".csv", extra=()):
    make, name, opts = CASES[task]
    src = tmp_path / name
    bad_rows = make(src)
    assert main(["predict", task, str(src), "-o", str(tmp_path / "p.csv"), "-q", *opts]) == 0
    out = tmp_path / f"b{suffix}"
    assert main(["batch", task, str(src), "-o", str(out), "--engine", engine, "--chunk-rows", "64", "-q",
                 *opts, *extra]) == 0
    return bad_rows, out


@pytest.mark.slow
@pytest.mark.parametrize("task", list(CASES))
def test_local_engine_writes_the_rows_and_errors_predict_writes(tmp_path, task):
    bad_rows, out = _predict_and_batch(tmp_path, task, "local")
    _assert_same_rows(pd.read_csv(tmp_path / "p.csv"), pd.read_csv(out))
    errors = _errors(tmp_path / "b.errors.csv")
    pd.testing.assert_frame_equal(errors, _errors(tmp_path / "p.errors.csv"))
    assert set(errors["row"]) == bad_rows


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


@pytest.mark.slow
@pytest.mark.parametrize("task", list(CASES))
def test_ray_engine_with_two_workers_equals_predict_row_for_row(tmp_path, task, local_ray):
    bad_rows, out = _predict_and_batch(tmp_path, task, "ray", ".parquet", ["--workers", "2"])
    as_csv = io.StringIO(pd.read_parquet(out).to_csv(index=False))  # Parquet keeps ids as text; CSV re-reads them
    _assert_same_rows(pd.read_csv(tmp_path / "p.csv"), pd.read_csv(as_csv))
    errors = _errors(tmp_path / "b.errors.csv")
    pd.testing.assert_frame_equal(errors, _errors(tmp_path / "p.errors.csv"))
    assert set(errors["row"]) == bad_rows


@pytest.mark.slow
def test_a_directory_with_an_unreadable_file_keeps_the_good_files(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _notes(folder / "a.csv", n=40, seed=2)
    pd.DataFrame({"id": ["p1", "p2"], "text": ["fever and cough", "renal failure"]}).to_parquet(folder / "b.parquet")
    (folder / "c.csv").write_text("patient,diagnosis\nx,y\n", encoding="utf-8")  # no text column it can pick
    (folder / "d.jsonl").write_text('{"text": "chest pain"}\n{"text": 5}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["batch", "text-classify", str(folder), "-o", str(out), "--engine", "local", "-q"]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows if r["id"] in ("p1", "p2", "1")] == ["p1", "p2", "1"]
    assert len(rows) == 38 + 2 + 1  # a.csv: 41 rows, 3 of them bad; both Parquet rows; d.jsonl's good line
    errors = _errors(tmp_path / "out.errors.csv")
    whole = errors[errors["source"] == "c.csv"]
    assert list(whole["row"]) == [0] and "choose the text column" in whole["message"].iloc[0]
    assert errors[errors["source"] == "d.jsonl"]["row"].tolist() == [2]


@pytest.mark.slow
def test_a_row_whose_prediction_fails_costs_only_itself(tmp_path, monkeypatch):
    from tests.conftest import break_predict

    break_predict(monkeypatch, lambda r: "BOOM" in r.text, RuntimeError("cannot run this row"))
    src = tmp_path / "in.csv"
    pd.DataFrame({"id": ["a", "b", "c"], "text": ["fever", "BOOM here", "renal failure"]}).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    assert main(["batch", "text-classify", str(src), "-o", str(out), "--engine", "local", "-q"]) == 0
    assert pd.read_csv(out)["id"].tolist() == ["a", "c"]
    errors = _errors(tmp_path / "out.errors.csv")
    assert errors["row"].tolist() == [2] and "cannot run this row" in errors["message"].iloc[0]


def test_without_ray_the_command_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    src = tmp_path / "in.csv"
    src.write_text("text\nfever\n", encoding="utf-8")
    assert main(["batch", "text-classify", str(src), "-o", str(tmp_path / "o.csv"), "--engine", "ray", "-q"]) == 2
    assert "pip install 'biofm[ray]'" in capsys.readouterr().err


def test_entities_cannot_go_to_a_flat_csv_and_missing_inputs_are_named(tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_text("text\nfever\n", encoding="utf-8")
    assert main(["batch", "ner", str(src), "-o", str(tmp_path / "o.csv"), "--engine", "local", "-q"]) == 2
    assert "write .jsonl or .parquet" in capsys.readouterr().err
    assert main(["batch", "ner", str(tmp_path / "nothing*.csv"), "-o", str(tmp_path / "o.jsonl"), "-q"]) == 2
    assert "no input files found" in capsys.readouterr().err


def test_isolating_a_failure_keeps_rows_the_model_refused_as_their_own_errors(monkeypatch, tiny_molecule_dir):
    """One record breaks the model, one is refused (too long): the others are predicted, both are reported."""
    from biofm import api
    from biofm.io.molecules import read_molecules
    from tests.conftest import break_predict, load_tiny

    loaded = load_tiny(tiny_molecule_dir, "molecules")
    res = read_molecules(b"CCO\nCCCC\n" + b"C" * 400 + b"\nc1ccccc1\n", "x.smi")
    break_predict(monkeypatch, lambda r: r.canonical == "CCCC", RuntimeError("broken on butane"))
    kept, preds, failed = api.predict_isolating("molecules", res.records, loaded)
    assert [r.canonical for r in kept] == ["CCO", "C" * 400, "c1ccccc1"]
    assert preds.ids == ["1", "4"] and preds.embeddings.shape[0] == 2
    assert [e.row for e in failed] == [2] and "broken on butane" in failed[0].message
    assert [e.row for e in preds.rejected] == [3]
