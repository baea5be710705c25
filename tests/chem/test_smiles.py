import pytest

from biofm.chem import atom_token_map, parse_smiles, tokenize_smiles
from biofm.chem.draw import draw_molecule, structure_png
from biofm.chem.smiles import SmilesTokenizer, explicit_mol
from biofm.io.molecules import read_molecules

CASES = ["c1ccccc1O", "[NH4+]", "C[C@@H](O)C(=O)[O-]", "ClCCBr", "C%10CCCCC%10", "F/C=C/F", "[13CH3]O",
         "O=S(=O)(N)c1ccc(Cl)cc1", "[Na+].[Cl-]", "[H]C([H])([H])[H]", "c1cc[nH]c1", "*CC"]


@pytest.mark.parametrize("smiles", CASES)
def test_tokens_round_trip_and_map_onto_atoms(smiles):
    toks = tokenize_smiles(smiles)
    assert "".join(t for t, _, _ in toks) == smiles
    assert all(smiles[s:e] == t for t, s, e in toks)
    mapping, err = atom_token_map(smiles)
    assert err is None
    mol = explicit_mol(smiles)
    atoms = [i for i in mapping if i is not None]
    assert atoms == list(range(mol.GetNumAtoms()))


def test_specific_tokens():
    assert [t for t, _, _ in tokenize_smiles("ClC(Br)C%12CC%12")] == ["Cl", "C", "(", "Br", ")", "C", "%12", "C", "C",
                                                                      "%12"]
    assert [t for t, _, _ in tokenize_smiles("[C@@H](F)=O")] == ["[C@@H]", "(", "F", ")", "=", "O"]
    with pytest.raises(ValueError, match="cannot tokenise"):
        tokenize_smiles("CCX")


@pytest.mark.parametrize("smiles,error", [("", "empty SMILES"), ("C1CC", "unparsable SMILES: SMILES Parse Error: "
                                                                        "unclosed ring"),
                                          ("CN(C)(C)(C)C", "valence error: Explicit valence for atom # 1 N"),
                                          ("not a smiles", "unparsable SMILES")])
def test_invalid_smiles_reasons(smiles, error):
    parsed = parse_smiles(smiles)
    assert not parsed.valid and parsed.error.startswith(error)


def test_salt_stripping_and_canonical():
    assert parse_smiles("OCC").canonical == "CCO"
    p = parse_smiles("CC(=O)[O-].[Na+]", strip_salts=True)
    assert p.canonical == "CC(=O)[O-]" and p.stripped
    assert parse_smiles("CC(=O)[O-].[Na+]").canonical == "CC(=O)[O-].[Na+]"


def test_tokenizer_vocab_round_trip(tmp_path):
    tok = SmilesTokenizer.build(["CCO", "CCO", "c1ccccc1", "c1ccccc1"])
    tok.save(tmp_path)
    again = SmilesTokenizer.load(tmp_path)
    enc = again.encode("CCO")
    assert enc.ids[0] == again.cls_token_id and enc.ids[-1] == again.sep_token_id and len(enc.ids) == 5
    assert again.encode("CCBr").ids[3] == again.unk_token_id  # Br is not in this tiny vocabulary


def test_reader_reports_rejected_rows_and_duplicates():
    data = b"id,smiles,name\nm1,CCO,ethanol\nm2,C1CC,broken\nm3,OCC,ethanol again\nm4,,empty\nm5,CN(C)(C)(C)C,bad N\n"
    res = read_molecules(data, "mols.csv")
    assert [(r.id, r.canonical, r.duplicate_of) for r in res.records] == [("m1", "CCO", None), ("m3", "CCO", "m1")]
    report = {r["row"]: r for r in res.report()}
    assert report[2]["valid"] is False and "unclosed ring" in report[2]["error"]
    assert report[4]["error"] == "empty SMILES" and "valence" in report[5]["error"]


def test_smi_file_with_names_and_comments():
    res = read_molecules(b"# a comment\nCCO ethanol\nc1ccccc1 benzene ring\n\n", "x.smi")
    assert [(r.canonical, r.name) for r in res.records] == [("CCO", "ethanol"), ("c1ccccc1", "benzene ring")]


def test_sdf_with_a_broken_record():
    good = "\n".join(["ethanol", "  test", "", "  3  2  0  0  0  0  0  0  0  0999 V2000",
                      "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0",
                      "    1.5000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0",
                      "    2.0000    1.0000    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0",
                      "  1  2  1  0", "  2  3  1  0", "M  END", ">  <ID>", "E1", "", "$$$$"])
    broken = "\n".join(["broken", "", "", "  2  1  0  0  0  0  0  0  0  0999 V2000",
                        "    0.0000    0.0000    0.0000 C   0  0", "M  END", "$$$$"])
    res = read_molecules((good + "\n" + broken + "\n" + good + "\n").encode(), "x.sdf")
    assert [(r.id, r.canonical, r.name) for r in res.records] == [("E1", "CCO", "ethanol"), ("E1", "CCO", "ethanol")]
    assert len(res.errors) == 1 and res.errors[0].row == 2 and "could not read the SDF record" in res.errors[0].message
    assert res.records[1].duplicate_of == "E1"


def test_drawings_are_png():
    png = draw_molecule(explicit_mol("c1ccccc1O"), [0.1, -0.2, 0, 0, 0.3, 0.05, -0.4])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert structure_png("CCO")[:4] == b"\x89PNG" and structure_png("C1CC") is None


def test_sdf_records_with_empty_names_and_crlf():
    block = "\r\n".join(["", "  RDKit          2D", "", "  2  1  0  0  0  0  0  0  0  0999 V2000",
                         "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0",
                         "    1.5000    0.0000    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0",
                         "  1  2  1  0", "M  END", ">  <SOL>", "-0.77", "", "$$$$"])
    res = read_molecules((block + "\r\n" + block + "\r\n").encode(), "x.sdf")
    assert [r.canonical for r in res.records] == ["CO", "CO"] and not res.errors
    assert res.records[0].meta["props"]["SOL"] == "-0.77" and res.records[0].name == ""
