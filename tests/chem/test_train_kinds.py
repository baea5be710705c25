"""`biofm train molecules` fits the transformer, a fingerprint forest and their ensemble, reports which wins and
saves the winner as the model's default kind, with conformal calibration beside it."""

import json

import numpy as np
import pytest

from biofm.cli import main


def _file(tmp_path):
    # a label a fingerprint can learn: whether the molecule has an aromatic ring
    tails = ["C", "CC", "CCC", "CO", "CCO", "CN", "CCN", "CCl", "CBr", "CF", "C(=O)O", "C(=O)N", "OC", "NC", "CC(C)C"]
    rows = []
    for i, t in enumerate(tails):
        rows += [(f"c1ccccc1{t}", 1), (f"c1ccncc1{t}", 1), (f"C1CCCCC1{t}", 0), (f"CCCC{t}", 0)]
    path = tmp_path / "bbb_like.csv"
    path.write_text("smiles,penetrates\n" + "".join(f"{s},{y}\n" for s, y in rows), encoding="utf-8")
    return path


def test_train_fits_every_kind_and_saves_the_winner(tmp_path, tiny_molecule_dir, capsys):
    out = tmp_path / "bbb-model"
    assert main(["train", "molecules", "--train", str(_file(tmp_path)), "--targets", "penetrates", "--kind", "binary",
                 "--split", "random", "--out", str(out), "--epochs", "1", "--encoder", str(tiny_molecule_dir.parent / "enc"),
                 "--device", "cpu", "-q"]) == 0
    err = capsys.readouterr().err
    spec = json.loads((out / "biofm.json").read_text())
    kinds = json.loads((out / "metrics.json").read_text())["model_kinds"]
    test_auc = {k: v["test"]["roc_auc"] for k, v in kinds["kinds"].items()}
    winner = spec["extra"]["default_kind"]
    assert test_auc[winner] == max(test_auc.values()) and f"default model kind: {winner}" in err
    assert test_auc["random_forest"] > 0.9  # the aromatic ring is one fingerprint bit away
    assert (out / "forest.safetensors").is_file() and (out / "conformal.safetensors").is_file()
    card = (out / "README.md").read_text()
    assert "random forest on Morgan fingerprints (ECFP4)" in card and "test coverage at 90%" in card
    assert "**(default)**" in card
    n = kinds["calibration_size"]  # split conformal: bounded up to n/(n+1); 60 molecules leave a small split here
    assert n < 9  # so the warning below must be printed
    assert kinds["max_bounded_confidence"] == pytest.approx(n / (n + 1))
    assert ("WARNING: conformal calibration used only" in err) == (0.9 > n / (n + 1)), err
    for k in ("transformer", "random_forest", "ensemble"):  # every kind calibrated, coverage on the card's test
        assert 0 <= kinds["kinds"][k]["coverage"]["coverage"] <= 1

    pred = tmp_path / "pred.csv"
    (tmp_path / "in.smi").write_text("c1ccccc1CCO\nCCCCCO\n")
    assert main(["predict", "molecules", str(tmp_path / "in.smi"), "-o", str(pred), "--model", str(out), "-q"]) == 0
    import pandas as pd

    frame = pd.read_csv(pred, keep_default_na=False)
    assert (frame["model_kind"] == winner).all() and (frame["confidence"] == 0.9).all()
    assert set(frame["penetrates_set"]) <= {"{active}", "{inactive}", "{active, inactive}", "{}"}

    forced = tmp_path / "forced"
    assert main(["train", "molecules", "--train", str(_file(tmp_path)), "--targets", "penetrates", "--kind", "binary",
                 "--split", "random", "--out", str(forced), "--epochs", "1", "--encoder",
                 str(tiny_molecule_dir.parent / "enc"), "--device", "cpu", "--model-kind", "transformer", "-q"]) == 0
    assert json.loads((forced / "biofm.json").read_text())["extra"]["default_kind"] == "transformer"
    assert "chosen by --model-kind" in capsys.readouterr().err
