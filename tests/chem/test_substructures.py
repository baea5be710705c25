"""Substructure explanations: candidates, deletion, occlusion scores, the batch aggregate and the faithfulness check."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from rdkit import Chem
from rdkit.Chem import rdFingerprintGenerator

from biofm.chem import substructures as sub

ROOT = Path(__file__).resolve().parents[2]
NITRO = Chem.MolFromSmarts("[N+](=O)[O-]")
NITRO_MOLECULES = ["O=[N+]([O-])c1ccc(Cl)cc1", "Cc1ccc([N+](=O)[O-])cc1C(=O)O", "O=C(O)c1ccc(o1)[N+](=O)[O-]",
                   "CCOC(=O)c1ccc([N+](=O)[O-])cc1", "O=[N+]([O-])c1cccc2ccccc12", "CC(C)(C)c1ccc([N+](=O)[O-])cc1O"]


def nitro_count(smiles: list[str]) -> np.ndarray:
    """A model whose answer is the number of nitro groups (column 0) and the number of atoms (column 1)."""
    mols = [Chem.MolFromSmiles(s) for s in smiles]
    return np.array([[len(m.GetSubstructMatches(NITRO)), m.GetNumAtoms()] for m in mols], dtype=float)


def test_candidates_are_the_scaffold_side_chains_and_fingerprint_environments():
    aspirin = "CC(=O)Oc1ccccc1C(=O)O"
    cands = sub.candidate_substructures(aspirin)
    by_kind = {k: [c for c in cands if c.kind == k] for k in (sub.SCAFFOLD, sub.SIDE_CHAIN, sub.ENVIRONMENT)}
    assert [c.smiles for c in by_kind[sub.SCAFFOLD]] == ["c1ccccc1"]
    assert sorted(c.smiles for c in by_kind[sub.SIDE_CHAIN]) == ["*C(=O)O", "*OC(C)=O"]
    assert len({c.atoms for c in cands}) == len(cands)  # one candidate per atom set
    assert all(len(c.atoms) < 13 for c in cands)  # never the whole molecule
    mol = Chem.MolFromSmiles(aspirin)
    on = set(rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048).GetFingerprint(mol).GetOnBits())
    envs = by_kind[sub.ENVIRONMENT]
    assert envs and all(c.bits and set(c.bits) <= on and c.radius in (1, 2) for c in envs)
    for c in envs:  # the SMARTS of an environment matches the molecule at those atoms
        matches = mol.GetSubstructMatches(Chem.MolFromSmarts(c.smarts), uniquify=False)
        assert c.atoms in {tuple(sorted(m)) for m in matches}
    assert len(sub.candidate_substructures("CC12CCC3C(CCC4=CC(=O)CCC34C)C1CCC2O", max_candidates=10)) == 10


def test_deleting_atoms_caps_with_hydrogens_and_keeps_valid_molecules():
    assert sub.delete_atoms("O=[N+]([O-])c1ccccc1", [0, 1, 2]) == "c1ccccc1"
    assert sub.delete_atoms("CC(=O)Oc1ccccc1C(=O)O", [4, 5, 6, 7, 8, 9]) == "CC(=O)O.O=CO"  # scaffold: pieces stay
    broken = sub.delete_atoms("Clc1ccccc1", [2])  # part of an aromatic ring: a conjugated chain, not an error
    assert broken is not None and Chem.MolFromSmiles(broken).GetNumAtoms() == 6
    assert sub.delete_atoms("CCO", [0, 1, 2]) is None
    with pytest.raises(ValueError, match="cannot parse"):
        sub.delete_atoms("C1CC", [0])


def test_the_top_substructure_is_the_group_the_model_counts():
    explanations = sub.explain_batch(NITRO_MOLECULES, nitro_count, target=0)
    for smiles, ex in zip(NITRO_MOLECULES, explanations):
        nitro_atoms = set(Chem.MolFromSmiles(smiles).GetSubstructMatch(NITRO))
        top = ex.top(1)[0]
        assert set(top.atoms) == nitro_atoms, (smiles, top)
        assert top.smiles == "*[N+](=O)[O-]" and top.score == pytest.approx(1.0)
        assert ex.prediction == 1.0
        scaffold = next(s for s in ex.substructures if s.kind == sub.SCAFFOLD)
        assert scaffold.score == 0.0  # the ring goes, the nitro group stays: no change
    effects = sub.aggregate(explanations, min_count=2)
    assert effects[0].smiles == "*[N+](=O)[O-]" and effects[0].mean_effect == pytest.approx(1.0)
    assert effects[0].molecules == len(NITRO_MOLECULES) == effects[0].count
    assert [e.mean_effect for e in effects] == sorted((e.mean_effect for e in effects), reverse=True)

    check = sub.faithfulness(explanations, nitro_count, n_random=10)
    assert check.molecules == len(NITRO_MOLECULES) and check.passed
    assert check.top_change == pytest.approx(1.0) and check.random_change < 0.5


def test_a_distinct_top_list_does_not_repeat_one_ring():
    ex = sub.explain_substructures("CC(=O)Oc1ccccc1C(=O)O", nitro_count, target=1)  # scores = atom counts
    top = ex.top(4, max_overlap=0.5)
    assert top[0].atoms == ex.substructures[0].atoms
    for i, a in enumerate(top):
        for b in top[:i]:
            assert len(set(a.atoms) & set(b.atoms)) / len(set(a.atoms) | set(b.atoms)) <= 0.5
    assert [s.atoms for s in ex.top(4)] == [s.atoms for s in ex.substructures[:4]]  # without it: the plain ranking
    assert [s.atoms for s in top] != [s.atoms for s in ex.top(4)]  # the overlapping radius-2 rings were passed over


def test_the_target_column_decides_and_atom_scores_are_summed():
    smiles = "O=[N+]([O-])c1ccc(Cl)cc1"
    by_size = sub.explain_substructures(smiles, nitro_count, target=1)  # column 1 counts atoms
    assert all(s.score == len(s.atoms) for s in by_size.substructures)  # deleting k atoms removes k atoms
    weights = [float(i) for i in range(Chem.MolFromSmiles(smiles).GetNumAtoms())]
    ex = sub.explain_substructures(smiles, nitro_count, target=0, atom_scores=weights)
    summed = [s for s in ex.substructures if s.method == sub.ATTRIBUTION_SUM]
    assert summed and all(s.score == sum(s.atoms) for s in summed)
    assert [abs(s.score) for s in summed] == sorted((abs(s.score) for s in summed), reverse=True)
    with pytest.raises(ValueError, match="atom scores"):
        sub.explain_substructures(smiles, nitro_count, atom_scores=[1.0, 2.0])
    with pytest.raises(ValueError, match="out of range"):
        sub.explain_substructures(smiles, nitro_count, target=2)
    with pytest.raises(ValueError, match="expected"):
        sub.explain_substructures(smiles, lambda s: np.zeros((1, 1)))


def test_molecules_too_small_to_delete_from_are_explained_empty_and_left_out_of_the_check():
    exs = sub.explain_batch(["C", "[Na+].[Cl-]", "O=[N+]([O-])c1ccccc1"], nitro_count, target=0)
    assert exs[0].substructures == [] and exs[0].prediction == 0.0
    assert [s.smiles for s in exs[1].substructures] == []  # two single atoms: radius-1 environments are the atoms
    check = sub.faithfulness(exs, nitro_count, n_random=3)
    assert check.molecules == 1 and [r["smiles"] for r in check.per_molecule] == ["O=[N+]([O-])c1ccccc1"]
    good, bad = sub.explain_batch(["O=[N+]([O-])c1ccccc1", "C1CC"], nitro_count)  # a bad row costs only itself
    assert good.error is None and good.top(1)[0].smiles == "*[N+](=O)[O-]"
    assert "cannot parse" in bad.error and bad.substructures == [] and np.isnan(bad.prediction)
    with pytest.raises(ValueError, match="cannot parse"):
        sub.explain_substructures("C1CC", nitro_count)


def test_random_connected_sets_are_connected_and_of_the_size_asked():
    import random

    mol = Chem.MolFromSmiles("CC(=O)Oc1ccccc1C(=O)O.CCO")
    rng = random.Random(1)
    for _ in range(30):
        atoms = sub.random_connected_atoms(mol, 4, rng)
        if atoms is None:  # grown inside ethanol (3 atoms): too small
            continue
        assert len(atoms) == 4
        frag = Chem.MolFragmentToSmiles(mol, atomsToUse=list(atoms))
        assert "." not in frag


def test_drawing_highlights_the_substructure():
    plain = sub.draw_substructure("CC(=O)Oc1ccccc1C(=O)O", [])
    drawn = sub.draw_substructure("CC(=O)Oc1ccccc1C(=O)O", [4, 5, 6, 7, 8, 9], 1.0)
    assert drawn.startswith(b"\x89PNG") and drawn != plain
    assert drawn != sub.draw_substructure("CC(=O)Oc1ccccc1C(=O)O", [4, 5, 6, 7, 8, 9], -1.0)  # red, not green


@pytest.mark.slow
def test_deleting_the_top_substructure_moves_the_shipped_esol_model_more_than_a_random_one():
    from biofm import api
    from biofm.chem.smiles import parse_smiles
    from biofm.tasks.molecules import model_predict_fn

    with open(ROOT / "assets" / "examples" / "molecules.csv", newline="") as f:
        parsed = [parse_smiles(r["smiles"], strip_salts=True) for r in csv.DictReader(f)]
    smiles = list(dict.fromkeys(p.canonical for p in parsed if p.valid))[:8]
    fn = model_predict_fn(api.load("esol", "molecules"))
    explanations = sub.explain_batch(smiles, fn, target=0)
    check = sub.faithfulness(explanations, fn, n_random=5)
    assert check.molecules == len(smiles)
    assert check.passed and check.wins >= 0.5, check.per_molecule
