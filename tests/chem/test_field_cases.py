"""Field cases from issues #25 and #20: salt parents, inorganic-only salts, tokens the transformer never saw, Tox21's
twelfth assay."""

import json

import pytest

from biofm.chem.smiles import SmilesTokenizer, parse_smiles
from biofm.config import SHIPPED_MODELS_DIR
from biofm.io.molecules import read_molecules
from biofm.tasks.molecules.kind import MoleculePredictor
from tests.conftest import load_tiny

TAFAMIDIS = "O=C(O)c1ccc2nc(-c3cc(Cl)cc(Cl)c3)oc2c1"
MEGLUMINE_SALT = "CNC[C@@H]([C@H]([C@@H]([C@@H](CO)O)O)O)O.c1cc2c(cc1C(=O)O)oc(n2)c3cc(cc(c3)Cl)Cl"


def test_strip_salts_keeps_the_heavy_atom_parent_and_flags_the_free_acid_duplicate():
    res = read_molecules(f"id,smiles\nacid,{TAFAMIDIS}\nsalt,{MEGLUMINE_SALT}\n".encode(), "t.csv", strip_salts=True)
    acid, salt = res.records
    assert salt.canonical == acid.canonical == TAFAMIDIS  # not meglumine, which has more atoms with hydrogens
    assert salt.stripped and salt.duplicate_of == "acid"


def test_strip_salts_on_an_inorganic_salt_is_that_rows_error():
    res = read_molecules(b"id,smiles\nnacl,[Na+].[Cl-]\nacetate,CC(=O)[O-].[Na+]\n", "s.csv", strip_salts=True)
    assert [r.canonical for r in res.records] == ["CC(=O)[O-]"]
    assert len(res.errors) == 1 and res.errors[0].row == 1 and "no organic parent" in res.errors[0].message
    assert parse_smiles("[Na+].[Cl-]").valid  # without stripping the salt is read as written


@pytest.mark.parametrize("smiles,token", [("[U]", "[U]"), ("[13CH4]", "[13CH4]"), ("[NH4+]", "[NH4+]"),
                                          ("*CCO", "*")])
def test_shipped_vocabulary_names_the_tokens_it_never_saw(smiles, token):
    tok = SmilesTokenizer.load(SHIPPED_MODELS_DIR / "esol")
    assert tok.unknown_tokens(smiles) == [token]
    assert tok.unknown_tokens("CCO") == []


def test_molecules_with_unknown_tokens_are_row_errors_for_the_transformer(tiny_molecule_dir):
    predictor = MoleculePredictor(load_tiny(tiny_molecule_dir, "molecules"))
    res = read_molecules(b"CCO\n[U]\n[13CH4]\n*CC\nc1ccccc1O\n", "x.smi")
    preds = predictor.predict(res.records)
    assert preds.smiles == ["CCO", "Oc1ccccc1"]  # never three molecules with one 'unknown token' value
    assert {e.row: e.message.split(" are ")[0] for e in preds.rejected} == {
        2: "token(s) [U]", 3: "token(s) [13CH4]", 4: "token(s) *"}


def test_tox21_twelfth_output_is_the_sr_p53_assay():
    spec = json.loads((SHIPPED_MODELS_DIR / "tox21" / "biofm.json").read_text())
    assert spec["labels"][-1] == "SR-p53" and "Class" not in spec["labels"]
