"""Atom attributions: Integrated Gradients or Gradient x Input on SMILES token embeddings, mapped to atoms.

Atom tokens map one-to-one onto RDKit atoms (see :func:`atom_token_map`, which is self-checked); bond, ring-closure,
branch and dot tokens are reported separately and not folded onto atoms. Where the map fails the explanation
refuses to draw rather than draw a wrong picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from biofm.chem.smiles import atom_token_map, explicit_mol
from biofm.explain.attribution import METHODS, Prepared, lock_for
from biofm.models.load import LoadedModel


@dataclass
class AtomAttribution:
    smiles: str
    target: str
    method: str
    atom_scores: list[float]  # one per RDKit atom of the SMILES as written
    other_tokens: list[tuple[str, float]]  # bonds, ring closures, branches
    delta: float | None
    output: float
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"smiles": self.smiles, "target": self.target, "method": self.method, "atom_scores": self.atom_scores,
                "other_tokens": [list(t) for t in self.other_tokens], "delta": self.delta, "output": self.output,
                "warnings": self.warnings}


class AtomMappingError(ValueError):
    pass


def attribute_atoms(loaded: LoadedModel, smiles: str, target: str, method: str = "ig", **options) -> AtomAttribution:
    if method not in ("ig", "gxi"):
        raise ValueError("atom attributions use 'ig' or 'gxi'")
    spec, tok, model = loaded.spec, loaded.tokenizer, loaded.model
    if target not in spec.labels:
        raise ValueError(f"unknown target {target!r}; the model predicts {list(spec.labels)}")
    mapping, err = atom_token_map(smiles)
    if err:
        raise AtomMappingError(f"token-to-atom mapping failed for {smiles!r}: {err}")
    enc = tok.encode(smiles)
    if len(enc.ids) > spec.max_length:
        raise AtomMappingError(f"{smiles!r} has {len(enc.ids)} tokens, over the model's {spec.max_length}")
    j = list(spec.labels).index(target)
    kind = spec.extra.get("kind", "regression")
    mean = spec.extra.get("mean", [0.0] * len(spec.labels))[j]
    std = spec.extra.get("std", [1.0] * len(spec.labels))[j]

    def score_fn(logits: torch.Tensor) -> torch.Tensor:
        out = logits.float()[:, j]
        return out * std + mean if kind == "regression" else torch.sigmoid(out)

    ids = torch.tensor([enc.ids])
    prep = Prepared(ids, torch.ones_like(ids), [None] * ids.shape[1], [], 0, len(enc.ids) - 2, len(enc.ids) - 2,
                     score_fn, target)
    with lock_for(model):
        raw, delta, _ = METHODS[method](loaded, prep, "fp32", **options)
    with torch.inference_mode():
        output = float(score_fn(model(ids.to(loaded.device), prep.mask.to(loaded.device)).logits)[0])
    token_scores = raw[1:-1]
    n_atoms = sum(1 for m in mapping if m is not None)
    atoms = np.zeros(n_atoms)
    others = []
    for (score, idx, tok_text) in zip(token_scores, mapping, enc.tokens[1:-1]):
        if idx is None:
            others.append((tok_text, float(score)))
        else:
            atoms[idx] = score
    return AtomAttribution(smiles, target, method, atoms.tolist(), others, delta, output)


def draw_attribution(attr: AtomAttribution, size: tuple[int, int] = (420, 320)) -> bytes:
    from biofm.chem.draw import draw_molecule

    return draw_molecule(explicit_mol(attr.smiles), attr.atom_scores, size=size)


def attribution_sdf(attr: AtomAttribution) -> str:
    """An SDF record with the attributions as the atom property 'attribution'."""
    from rdkit import Chem

    mol = explicit_mol(attr.smiles)
    for atom, score in zip(mol.GetAtoms(), attr.atom_scores):
        atom.SetDoubleProp("attribution", float(score))
    Chem.CreateAtomDoublePropertyList(mol, "attribution")
    mol.SetProp("_Name", attr.smiles)
    mol.SetProp("target", attr.target)
    mol.SetProp("method", attr.method)
    return Chem.MolToMolBlock(mol) + "".join(f">  <{k}>\n{mol.GetProp(k)}\n\n" for k in
                                             ("target", "method", "atom.dprop.attribution")) + "$$$$\n"
