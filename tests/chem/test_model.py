import json

import numpy as np
import pandas as pd
import pytest

from biofm.chem.explain import AtomMappingError, attribute_atoms, attribution_sdf, draw_attribution
from biofm.chem.features import nearest_tanimoto, morgan_matrix, scaffold_split
from biofm.chem.metrics import molecule_metrics
from biofm.tasks.molecules.kind import MoleculePredictor
from biofm.io.molecules import read_molecules
from tests.conftest import load_tiny


@pytest.fixture(scope="module")
def predictor(tiny_molecule_dir):
    # the tiny model's dev split holds 4 molecules: enough for a 50% interval, not for 90% (that one is unbounded)
    return MoleculePredictor(load_tiny(tiny_molecule_dir, "molecules"), confidence=0.5)


def test_predictions_with_conformal_intervals_and_nearest_neighbour(predictor, tiny_molecule_dir):
    res = read_molecules(b"CCO\nc1ccccc1Cl\nCCCCCCCCCCCCCCCC\n", "x.smi")
    preds = predictor.predict(res.records)
    assert preds.values.shape == (3, 1) and preds.uncertainty.shape == (3, 1)
    assert (preds.low < preds.values).all() and (preds.values < preds.high).all()
    np.testing.assert_allclose(preds.uncertainty, (preds.high - preds.low) / 2)
    assert preds.model_kind == json.loads((tiny_molecule_dir / "biofm.json").read_text())["extra"]["default_kind"]
    assert preds.nearest_smiles[0] == "CCO" and preds.nearest_similarity[0] == pytest.approx(1.0)
    frame = pd.DataFrame(preds.rows())
    assert list(frame.columns) == ["id", "input_smiles", "canonical_smiles", "valid", "error", "carbons", "carbons_low",
                                   "carbons_high", "uncertainty", "model_kind", "confidence",
                                   "nearest_train_similarity", "nearest_train_smiles"]
    assert (frame["confidence"] == 0.5).all()
    assert preds.embeddings.shape == (3, 32)
    unbounded = MoleculePredictor(predictor.loaded, confidence=0.9).predict(res.records)
    assert np.isinf(unbounded.high).all() and unbounded.rows()[0]["carbons_high"] == "inf"


def test_a_molecule_gets_the_same_interval_alone_duplicated_or_in_a_batch(predictor):
    res = read_molecules(b"CCO\nc1ccccc1Cl\nOCC\nCCO\nCCCCN\n", "x.smi")  # OCC and CCO: one molecule
    preds = predictor.predict(res.records)
    np.testing.assert_allclose(preds.high[0], preds.high[2])
    np.testing.assert_allclose(preds.high[0], preds.high[3])
    alone = predictor.predict(read_molecules(b"c1ccccc1Cl\n", "y.smi").records)
    np.testing.assert_allclose(alone.low[0], preds.low[1], atol=1e-5)
    np.testing.assert_allclose(alone.high[0], preds.high[1], atol=1e-5)


def test_every_model_kind_and_the_ensemble_is_their_mean(predictor):
    records = read_molecules(b"CCO\nc1ccccc1Cl\nCC(=O)O\n", "x.smi").records
    got = {k: MoleculePredictor(predictor.loaded, model_kind=k, confidence=0.5).predict(records)
           for k in ("transformer", "random_forest", "ensemble")}
    np.testing.assert_allclose(got["ensemble"].values, (got["transformer"].values + got["random_forest"].values) / 2)
    assert not np.allclose(got["transformer"].values, got["random_forest"].values)
    assert {p.model_kind for p in got.values()} == set(got)
    assert got["random_forest"].rows()[0]["model_kind"] == "random_forest"
    with pytest.raises(ValueError, match="has no 'svm' model"):
        MoleculePredictor(predictor.loaded, model_kind="svm")


def test_atom_attributions_map_onto_atoms_and_export(predictor):
    attr = attribute_atoms(predictor.loaded, "Clc1ccccc1", "carbons", "ig", n_steps=16)
    assert len(attr.atom_scores) == 7
    assert [t for t, _ in attr.other_tokens] == ["1", "1"]
    total = sum(attr.atom_scores) + sum(s for _, s in attr.other_tokens)
    assert attr.delta is not None and abs(attr.delta) < 0.05 * max(1e-6, abs(total)) + 1e-3
    assert draw_attribution(attr)[:4] == b"\x89PNG"
    sdf = attribution_sdf(attr)
    assert "atom.dprop.attribution" in sdf and sdf.rstrip().endswith("$$$$")
    assert json.loads(json.dumps(attr.to_json()))["target"] == "carbons"
    with pytest.raises(ValueError, match="unknown target"):
        attribute_atoms(predictor.loaded, "CCO", "logP")


def test_mapping_failure_refuses_to_draw(predictor):
    with pytest.raises(AtomMappingError, match="mapping failed"):
        attribute_atoms(predictor.loaded, "CC?", "carbons")


def test_scaffold_split_keeps_scaffolds_together():
    smiles = ["c1ccccc1C", "c1ccccc1CC", "c1ccccc1O", "C1CCCCC1", "CCO", "CCN", "c1ccncc1", "C1CCNCC1", "CCC", "CC"]
    tr, dv, te = scaffold_split(smiles, (0.6, 0.2, 0.2))
    assert sorted(tr + dv + te) == list(range(10))
    parts = [set(tr), set(dv), set(te)]
    assert sum({0, 1, 2} <= p for p in parts) == 1  # the benzene scaffold is never split across parts
    assert {4, 5, 8, 9} <= set(tr)  # the largest group (acyclic) fills train first


def test_tanimoto_and_metrics():
    fps = morgan_matrix(["CCO", "CCO", "c1ccccc1"])
    sim, idx = nearest_tanimoto(fps[:1], fps[1:])
    assert sim[0] == pytest.approx(1.0) and idx[0] == 0
    m = molecule_metrics("multilabel", ["a", "b"], np.array([[1, np.nan], [0, 1], [1, 0]]),
                         np.array([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3]]))
    assert m["roc_auc_per_target"] == {"a": 1.0, "b": 1.0}
    r = molecule_metrics("regression", ["y"], np.array([[1.0], [2.0]]), np.array([[1.0], [4.0]]))
    assert r["rmse"] == pytest.approx(np.sqrt(2))


def test_single_class_dev_sets_fall_back_to_log_loss():
    m = molecule_metrics("binary", ["a"], np.array([[1.0], [1.0]]), np.array([[0.9], [0.6]]))
    assert np.isnan(m["roc_auc"]) and m["score"] == pytest.approx(-np.mean([-np.log(0.9), -np.log(0.6)]))


@pytest.mark.slow
def test_training_reads_dative_bonds_and_names_the_rows_it_skips(tmp_path, capsys):
    """The cobalamin/cisplatin case of ClinTox: a dative bond no longer stops training; bad rows are listed."""
    from biofm.cli import main

    base = ["CCO", "c1ccccc1O", "CCN(CC)CC", "[NH3]->[Pt](<-[NH3])(Cl)Cl", "CCCl", "OCCO", "CC(C)O", "C1CCCCC1",
            "c1ccc2ccccc2c1", "CC(=O)O", "not_smiles"]
    path = tmp_path / "train.csv"
    path.write_text("smiles,y\n" + "".join(f"{base[i % len(base)]},{(i * 7 % 11) / 3:.2f}\n" for i in range(44)),
                    encoding="utf-8")
    assert main(["train", "molecules", "--train", str(path), "--targets", "y", "--kind", "regression", "--out",
                 str(tmp_path / "dative-model"), "--epochs", "1", "--skip-invalid", "-q"]) == 0
    err = capsys.readouterr().err
    assert "skipping 4 invalid molecule(s)" in err and "row 11: unparsable SMILES" in err
    assert main(["train", "molecules", "--train", str(path), "--targets", "y", "--kind", "regression", "--out",
                 str(tmp_path / "esol"), "--epochs", "1", "--skip-invalid", "-q"]) == 2
    assert "'esol' is a shipped model" in capsys.readouterr().err
