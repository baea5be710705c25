"""Morgan fingerprints, Tanimoto nearest neighbours, Bemis-Murcko scaffold splits."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rdkit import Chem
from rdkit.Chem import rdFingerprintGenerator
from rdkit.Chem.Scaffolds import MurckoScaffold

_GEN = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)


def morgan_matrix(smiles: Sequence[str]) -> np.ndarray:
    """[n, 2048] uint8 Morgan fingerprints (radius 2); all-zero rows for unparsable SMILES."""
    out = np.zeros((len(smiles), 2048), dtype=np.uint8)
    for i, s in enumerate(smiles):
        mol = Chem.MolFromSmiles(s)
        if mol is not None:
            out[i] = _GEN.GetFingerprintAsNumPy(mol).astype(np.uint8)
    return out


def nearest_tanimoto(query: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each query fingerprint, the highest Tanimoto similarity to the reference set and that row's index."""
    q = query.astype(np.float32)
    r = reference.astype(np.float32)
    inter = q @ r.T
    union = q.sum(1, keepdims=True) + r.sum(1)[None, :] - inter
    sim = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
    idx = sim.argmax(1)
    return sim[np.arange(len(q)), idx], idx


def scaffold(smiles: str) -> str:
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return ""
    try:
        return MurckoScaffold.MurckoScaffoldSmiles(mol=mol, includeChirality=False)
    except Exception:  # noqa: BLE001 - RDKit raises plain exceptions for odd molecules
        return ""


def scaffold_split(smiles: Sequence[str], fractions=(0.8, 0.1, 0.1), seed: int = 0
                   ) -> tuple[list[int], list[int], list[int]]:
    """Deterministic Bemis-Murcko split: scaffold groups, largest first, fill train until full, then dev, then test.

    Filling in order (no small group jumps back into train) leaves the rarest scaffolds for dev and test, so they
    hold molecules unlike anything in train. Groups of equal size are ordered by a seeded shuffle, not by file
    order (files are often sorted by label).
    """
    groups: dict[str, list[int]] = {}
    for i, s in enumerate(smiles):
        groups.setdefault(scaffold(s), []).append(i)
    rng = np.random.default_rng(seed)
    tie = rng.permutation(len(groups))
    ordered = [g for _, _, g in sorted(zip([-len(g) for g in groups.values()], tie, groups.values()),
                                       key=lambda t: (t[0], t[1]))]
    n = len(smiles)
    parts: list[list[int]] = [[], [], []]
    limits = [fractions[0] * n, (fractions[0] + fractions[1]) * n, float("inf")]
    k, filled = 0, 0
    for g in ordered:
        while k < 2 and filled + len(g) > limits[k]:
            k += 1
        parts[k] += g
        filled += len(g)
    return sorted(parts[0]), sorted(parts[1]), sorted(parts[2])


def random_split(n: int, seed: int, fractions=(0.8, 0.1, 0.1)) -> tuple[list[int], list[int], list[int]]:
    idx = np.random.default_rng(seed).permutation(n)
    a, b = int(fractions[0] * n), int((fractions[0] + fractions[1]) * n)
    return sorted(idx[:a].tolist()), sorted(idx[a:b].tolist()), sorted(idx[b:].tolist())
