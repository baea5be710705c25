"""Inputs for the table-driven test of every task (``tests/tasks/test_every_task.py``), kept with the task.

Written by the project: a SMILES file with one unparsable row, and toy molecules with a learnable target (their
C count). The model is the test suite's tiny molecule model (the ``tiny_molecule_dir`` fixture, built on a tiny
SMILES encoder pre-trained on :data:`SMILES`).
"""

from __future__ import annotations

from pathlib import Path

INPUT = ("mols.smi", "CCO ethanol\nC1CC broken\nc1ccccc1O phenol\nCC(=O)O acid\n")
FIXTURE = "tiny_molecule_dir"
SMILES = ["CCO", "CCN", "CCC", "CCCl", "CCBr", "c1ccccc1", "c1ccccc1O", "c1ccccc1N", "CC(=O)O", "CC(=O)N",
          "C1CCCCC1", "C1CCNCC1", "OCC(O)CO", "CC(C)O", "CC(C)N", "c1ccncc1", "Cc1ccccc1", "Clc1ccccc1",
          "CCOC(=O)C", "NCCO", "C[C@H](N)C(=O)O", "[NH4+]", "CC[O-]", "C%10CCCCC%10", "FC(F)F"]


def carbons(smiles: str) -> int:
    """The toy target: the ``C`` and ``c`` characters of the SMILES (a learnable stand-in for the carbon count)."""
    return smiles.count("C") + smiles.count("c")


def train_config(tmp_path: Path, folder: Path, encoder: Path | None = None) -> dict:
    """The toy molecules and their carbon counts, on the tiny SMILES encoder beside the model folder."""
    path = Path(tmp_path) / "mols.csv"
    path.write_text("smiles,carbons\n" + "\n".join(f"{s},{carbons(s)}" for s in SMILES))
    return {"train": str(path), "targets": ["carbons"], "split": "random", "encoder": str(Path(folder).parent / "enc")}
