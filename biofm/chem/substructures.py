"""Substructure explanations: which Murcko scaffold, side chain or Morgan-bit atom environment drives a prediction.

Works for any molecule model through a plain ``predict_fn(list_of_smiles) -> np.ndarray (n, n_targets)``.

Candidates (at most ``max_candidates`` per molecule, duplicates by atom set merged):

- the Bemis-Murcko scaffold (RDKit ``MurckoScaffold.GetScaffoldForMol``: ring systems, linkers and the exocyclic
  double-bonded atoms RDKit keeps; named by its plain scaffold SMILES) and each side chain (a connected piece of
  what is left; named with ``*`` where it is attached);
- the atom environments of the Morgan fingerprint bits (``rdFingerprintGenerator`` with ``AdditionalOutput`` bit
  info; radius 1 and 2 by default: radius 0 is a single atom, which the atom attributions already score).

Each candidate is scored by **occlusion**: ``score = f(molecule) - f(molecule without the substructure)`` for the
chosen target, so a positive score means the substructure pushes the prediction up. "Without" means the atoms are
deleted (RDKit ``RWMol.RemoveAtom`` on the Kekulé form) and every atom that lost a bond is capped with hydrogens
(implicit hydrogens recomputed, the way matched-molecular-pair analysis replaces a group by H), then sanitised;
pieces the deletion disconnects stay in the SMILES, joined by ``.``, so the model sees every atom that was not
removed. A dummy atom (``*``) is not used: the shipped SMILES models never saw one in training, so they would read it
as an unknown token and the score would measure that, not the group. A deletion RDKit cannot sanitise is skipped
and counted in :attr:`SubstructureExplanation.skipped`. Where atom attributions are given (for example Integrated
Gradients from :func:`biofm.chem.explain.attribute_atoms`), each candidate is also scored by the sum of its atom
scores (method ``"atom attribution sum"``).

Ranking: largest ``|score|`` first; equal scores put Murcko pieces (whole groups) before fingerprint environments
(parts of groups), then the smaller substructure. The faithfulness check (:func:`faithfulness`) follows the
deletion test of the explainability literature (comprehensiveness, DeYoung et al. 2020; Jiménez-Luna et al. 2022
for molecules): deleting the top substructure should move the prediction more than deleting a random connected
substructure of the same number of atoms.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from rdkit import Chem
from rdkit.Chem import rdFingerprintGenerator
from rdkit.Chem.Draw import rdMolDraw2D
from rdkit.Chem.Scaffolds import MurckoScaffold

PredictFn = Callable[[list[str]], np.ndarray]

OCCLUSION = "occlusion"
ATTRIBUTION_SUM = "atom attribution sum"
SCAFFOLD, SIDE_CHAIN, ENVIRONMENT = "scaffold", "side chain", "environment"
MAX_CANDIDATES = 30
_KIND_ORDER = {SCAFFOLD: 0, SIDE_CHAIN: 0, ENVIRONMENT: 1}


@dataclass(frozen=True)
class Candidate:
    """A substructure of one molecule: its atoms (RDKit indices of ``Chem.MolFromSmiles(smiles)``) and names."""

    kind: str  # scaffold | side chain | environment
    atoms: tuple[int, ...]
    smiles: str  # canonical SMILES of the fragment, '*' where it was attached to the rest
    smarts: str  # SMARTS of the fragment's atoms and bonds (RDKit MolFragmentToSmarts)
    radius: int | None = None  # environments: the Morgan radius
    bits: tuple[int, ...] = ()  # environments: the fingerprint bits (2048 bits) with this atom environment


@dataclass
class Substructure:
    """One scored substructure: ``score`` is in target units (probability for classifiers)."""

    smiles: str
    smarts: str
    atoms: tuple[int, ...]
    kind: str
    score: float
    method: str  # occlusion | atom attribution sum
    radius: int | None = None
    bits: tuple[int, ...] = ()
    masked_smiles: str = ""  # occlusion: the molecule the model read with the substructure deleted
    masked_prediction: float | None = None

    def to_json(self) -> dict:
        out = asdict(self)
        out["atoms"], out["bits"] = list(self.atoms), list(self.bits)
        return out


@dataclass
class SubstructureExplanation:
    """The scored substructures of one molecule for one target, best first per method."""

    smiles: str
    target: int
    prediction: float
    substructures: list[Substructure] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # candidates whose deletion RDKit could not sanitise
    error: str | None = None  # why this molecule was not explained (its SMILES does not parse)

    def top(self, k: int = 5, method: str = OCCLUSION, max_overlap: float | None = None) -> list[Substructure]:
        """The ``k`` best of ``method``; with ``max_overlap``, one whose atoms overlap an earlier pick's by more than
        that Jaccard index (shared / all atoms of the two) is passed over, so the list is not one ring five times."""
        out: list[Substructure] = []
        for s in self.substructures:
            if len(out) == k:
                break
            if s.method != method:
                continue
            if max_overlap is not None and any(len(set(s.atoms) & set(t.atoms)) / len(set(s.atoms) | set(t.atoms))
                                               > max_overlap for t in out):
                continue
            out.append(s)
        return out


@dataclass
class FragmentEffect:
    """One fragment over a batch: the mean occlusion score where it occurs, how often, and one place to draw it."""

    smiles: str
    kind: str
    mean_effect: float
    std_effect: float
    count: int  # occurrences (a fragment twice in one molecule counts twice)
    molecules: int  # distinct molecules holding it
    example_smiles: str
    example_atoms: tuple[int, ...]


@dataclass
class Faithfulness:
    """Deletion test: mean |change| when the top substructure is deleted vs random connected ones of its size."""

    method: str
    top_change: float
    random_change: float
    molecules: int
    wins: float  # fraction of molecules where the top substructure moved the prediction more
    per_molecule: list[dict] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.molecules > 0 and self.top_change > self.random_change


# -- candidates -----------------------------------------------------------------------------------------------------

def _mol(smiles: str) -> Chem.Mol:
    mol = Chem.MolFromSmiles(smiles) if smiles else None
    if mol is None or mol.GetNumAtoms() == 0:
        raise ValueError(f"RDKit cannot parse the SMILES {smiles!r}")
    return mol


def fragment_smiles(mol: Chem.Mol, atoms: Sequence[int], attachments: bool = True) -> tuple[str, str]:
    """Canonical SMILES (with ``*`` at each bond to the rest of the molecule unless ``attachments`` is False) and
    SMARTS of an atom set."""
    inside = set(atoms)
    cut = [b.GetIdx() for b in mol.GetBonds() if (b.GetBeginAtomIdx() in inside) != (b.GetEndAtomIdx() in inside)]
    smarts = Chem.MolFragmentToSmarts(mol, atomsToUse=sorted(inside))
    if not cut or not attachments:
        return Chem.MolFragmentToSmiles(mol, atomsToUse=sorted(inside)), smarts
    pieces = Chem.FragmentOnBonds(mol, cut, addDummies=True, dummyLabels=[(0, 0)] * len(cut))
    dummies = [a.GetIdx() for a in pieces.GetAtoms() if a.GetIdx() >= mol.GetNumAtoms()
               and any(n.GetIdx() in inside for n in a.GetNeighbors())]
    return Chem.MolFragmentToSmiles(pieces, atomsToUse=sorted(inside) + dummies), smarts


def _murcko(mol: Chem.Mol) -> list[tuple[str, tuple[int, ...]]]:
    core = MurckoScaffold.GetScaffoldForMol(mol)
    if core.GetNumAtoms() == 0:
        return []
    match = mol.GetSubstructMatch(core)
    if len(match) != core.GetNumAtoms():
        return []
    scaffold = tuple(sorted(match))
    out = [(SCAFFOLD, scaffold)] if len(scaffold) < mol.GetNumAtoms() else []
    rest = [a.GetIdx() for a in mol.GetAtoms() if a.GetIdx() not in set(scaffold)]
    seen: set[int] = set()
    for start in rest:  # connected pieces of what the scaffold leaves: the side chains
        if start in seen:
            continue
        piece, stack = set(), [start]
        while stack:
            a = stack.pop()
            if a in piece or a in scaffold:
                continue
            piece.add(a)
            stack += [n.GetIdx() for n in mol.GetAtomWithIdx(a).GetNeighbors()]
        seen |= piece
        out.append((SIDE_CHAIN, tuple(sorted(piece))))
    return out


def _environments(mol: Chem.Mol, radii: Sequence[int]) -> list[tuple[int, tuple[int, ...], int]]:
    """(radius, atoms, bit) for every Morgan bit occurrence at the requested radii, smaller radii first."""
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=max(radii), fpSize=2048)
    ao = rdFingerprintGenerator.AdditionalOutput()
    ao.AllocateBitInfoMap()
    gen.GetFingerprint(mol, additionalOutput=ao)
    found = []
    for bit, hits in ao.GetBitInfoMap().items():
        for centre, radius in hits:
            if radius not in radii:
                continue
            if radius == 0:
                atoms = {centre}
            else:
                bonds = Chem.FindAtomEnvironmentOfRadiusN(mol, radius, centre)
                atoms = {centre} | {i for b in bonds for i in (mol.GetBondWithIdx(b).GetBeginAtomIdx(),
                                                                mol.GetBondWithIdx(b).GetEndAtomIdx())}
            found.append((radius, tuple(sorted(atoms)), bit, centre))
    found.sort(key=lambda t: (t[0], t[3], t[2]))
    return [(r, atoms, bit) for r, atoms, bit, _ in found]


def candidate_substructures(smiles: str, radii: Sequence[int] = (1, 2),
                            max_candidates: int = MAX_CANDIDATES) -> list[Candidate]:
    """The scaffold, side chains and Morgan environments of a molecule, one per distinct atom set.

    Order (and what the cap keeps): Murcko pieces, then environments by radius, then by centre atom. A substructure
    holding every atom is left out (deleting it leaves nothing to predict). Raises ValueError for unparsable SMILES.
    """
    mol = _mol(smiles)
    n = mol.GetNumAtoms()
    by_atoms: dict[tuple[int, ...], dict] = {}
    for kind, atoms in _murcko(mol):
        by_atoms.setdefault(atoms, {"kind": kind, "radius": None, "bits": []})
    for radius, atoms, bit in _environments(mol, radii):
        if len(atoms) >= n:
            continue
        entry = by_atoms.get(atoms)
        if entry is None:
            if len(by_atoms) >= max_candidates:
                continue
            entry = by_atoms[atoms] = {"kind": ENVIRONMENT, "radius": radius, "bits": []}
        if bit not in entry["bits"]:
            entry["bits"].append(bit)
    out = []
    for atoms, e in list(by_atoms.items())[:max_candidates]:
        smi, smarts = fragment_smiles(mol, atoms, attachments=e["kind"] != SCAFFOLD)  # scaffolds: the usual key
        out.append(Candidate(e["kind"], atoms, smi, smarts, e["radius"], tuple(sorted(e["bits"]))))
    return out


def delete_atoms(smiles: str | Chem.Mol, atoms: Sequence[int]) -> str | None:
    """Canonical SMILES of the molecule with ``atoms`` deleted and the cut bonds capped with hydrogens.

    The Kekulé form is edited (so a broken aromatic ring becomes a valid conjugated chain); pieces left disconnected
    are kept, joined by ``.``. None when nothing is left or RDKit cannot sanitise the result.
    """
    mol = _mol(smiles) if isinstance(smiles, str) else Chem.Mol(smiles)
    drop = set(atoms)
    if not drop or len(drop) >= mol.GetNumAtoms():
        return None
    rw = Chem.RWMol(mol)
    Chem.Kekulize(rw, clearAromaticFlags=True)
    for idx in drop:
        for nb in rw.GetAtomWithIdx(idx).GetNeighbors():
            if nb.GetIdx() not in drop:
                nb.SetNoImplicit(False)  # cap the cut bond: hydrogens recomputed from the valence
                if nb.GetChiralTag() != Chem.ChiralType.CHI_UNSPECIFIED:
                    nb.SetChiralTag(Chem.ChiralType.CHI_UNSPECIFIED)  # one of its four groups is gone
    for idx in sorted(drop, reverse=True):
        rw.RemoveAtom(idx)
    out = rw.GetMol()
    try:
        Chem.SanitizeMol(out)
    except Exception:  # noqa: BLE001  (RDKit raises its own exception types for each valence/kekulé failure)
        return None
    smi = Chem.MolToSmiles(out)
    return smi if smi and Chem.MolFromSmiles(smi) is not None else None


# -- scoring --------------------------------------------------------------------------------------------------------

def _predict(predict_fn: PredictFn, smiles: list[str], target: int) -> np.ndarray:
    """One ``predict_fn`` call over the distinct SMILES; the target column for every input, in order."""
    if not smiles:
        return np.zeros(0)
    where: dict[str, int] = {}
    index = [where.setdefault(s, len(where)) for s in smiles]
    out = np.asarray(predict_fn(list(where)), dtype=float)
    if out.ndim == 1:
        out = out[:, None]
    if out.ndim != 2 or out.shape[0] != len(where):
        raise ValueError(f"predict_fn returned shape {out.shape} for {len(where)} SMILES; expected (n, n_targets)")
    if not 0 <= target < out.shape[1]:
        raise ValueError(f"target {target} is out of range: predict_fn returns {out.shape[1]} target(s)")
    return out[np.asarray(index), target]


def _rank(subs: list[Substructure]) -> list[Substructure]:
    return sorted(subs, key=lambda s: (-round(abs(s.score), 9), _KIND_ORDER.get(s.kind, 2), len(s.atoms)))


def explain_batch(smiles: Sequence[str], predict_fn: PredictFn, target: int = 0,
                  atom_scores: Sequence[Sequence[float] | None] | None = None, radii: Sequence[int] = (1, 2),
                  max_candidates: int = MAX_CANDIDATES) -> list[SubstructureExplanation]:
    """Substructure explanations for many molecules with **one** ``predict_fn`` call (originals and deletions).

    ``smiles``: n SMILES; ``target``: the column of ``predict_fn``'s (n, n_targets) output; ``atom_scores``: per
    molecule, one score per atom of ``Chem.MolFromSmiles(smiles)`` (or None). Raises ValueError for an unparsable
    SMILES, a wrong number of atom scores or a ``predict_fn`` output of the wrong shape. A SMILES RDKit cannot parse
    costs only itself: its explanation has ``error`` set, prediction NaN and no substructures.
    """
    smiles = list(smiles)
    plans = []
    mols: list[Chem.Mol | None] = []
    for smi in smiles:
        try:
            mols.append(_mol(smi))
        except ValueError:
            mols.append(None)
    queries: list[str] = [smi for smi, mol in zip(smiles, mols) if mol is not None]
    base_at = {i: k for k, i in enumerate(i for i, mol in enumerate(mols) if mol is not None)}
    for i, (smi, mol) in enumerate(zip(smiles, mols)):
        if mol is None:
            plans.append(None)
            continue
        scores = atom_scores[i] if atom_scores is not None else None
        if scores is not None and len(scores) != mol.GetNumAtoms():
            raise ValueError(f"{len(scores)} atom scores for {smi!r}, which has {mol.GetNumAtoms()} atoms (the "
                             "attributions must number the atoms of the SMILES as written, without explicit H)")
        rows = []
        for cand in candidate_substructures(smi, radii, max_candidates):
            masked = delete_atoms(mol, cand.atoms)
            rows.append((cand, masked, len(queries) if masked else None))
            if masked:
                queries.append(masked)
        plans.append((rows, scores))
    pred = _predict(predict_fn, queries, target)
    out = []
    for i, plan in enumerate(plans):
        if plan is None:
            out.append(SubstructureExplanation(smiles[i], target, float("nan"),
                                               error=f"RDKit cannot parse the SMILES {smiles[i]!r}"))
            continue
        rows, scores = plan
        base = float(pred[base_at[i]])
        subs, skipped = [], []
        for cand, masked, q in rows:
            common = {"smiles": cand.smiles, "smarts": cand.smarts, "atoms": cand.atoms, "kind": cand.kind,
                      "radius": cand.radius, "bits": cand.bits}
            if q is None:
                skipped.append(cand.smiles)
            else:
                subs.append(Substructure(score=base - float(pred[q]), method=OCCLUSION, masked_smiles=masked,
                                         masked_prediction=float(pred[q]), **common))
            if scores is not None:
                subs.append(Substructure(score=float(sum(scores[a] for a in cand.atoms)), method=ATTRIBUTION_SUM,
                                         **common))
        ranked = _rank([s for s in subs if s.method == OCCLUSION]) + _rank([s for s in subs if s.method != OCCLUSION])
        out.append(SubstructureExplanation(smiles[i], target, base, ranked, skipped))
    return out


def explain_substructures(smiles: str, predict_fn: PredictFn, target: int = 0,
                          atom_scores: Sequence[float] | None = None, radii: Sequence[int] = (1, 2),
                          max_candidates: int = MAX_CANDIDATES) -> SubstructureExplanation:
    """The scored substructures of one molecule (see :func:`explain_batch`; one ``predict_fn`` call). Raises
    ValueError for a SMILES RDKit cannot parse."""
    _mol(smiles)
    return explain_batch([smiles], predict_fn, target, [atom_scores] if atom_scores is not None else None, radii,
                         max_candidates)[0]


def aggregate(explanations: Sequence[SubstructureExplanation], min_count: int = 1,
              method: str = OCCLUSION) -> list[FragmentEffect]:
    """Group substructures over a batch by fragment SMILES: mean and spread of the score, counts; highest first.

    "Which substructures push the target up in this file": the top of the list; the bottom pushes it down. Equal
    means are ordered as one molecule's ranking orders equal scores (Murcko pieces first), then the more frequent.
    """
    groups: dict[str, list[tuple[int, Substructure]]] = {}
    for i, ex in enumerate(explanations):
        for s in ex.substructures:
            if s.method == method:
                groups.setdefault(s.smiles, []).append((i, s))
    out = []
    for smi, hits in groups.items():
        if len(hits) < min_count:
            continue
        scores = np.array([s.score for _, s in hits])
        kinds = [s.kind for _, s in hits]
        first_i, first = hits[0]
        out.append(FragmentEffect(smi, max(set(kinds), key=kinds.count), float(scores.mean()), float(scores.std()),
                                  len(hits), len({i for i, _ in hits}), explanations[first_i].smiles, first.atoms))
    return sorted(out, key=lambda f: (-round(f.mean_effect, 9), _KIND_ORDER.get(f.kind, 2), -f.count,
                                      len(f.example_atoms), f.smiles))  # ties as in one molecule's ranking


# -- faithfulness ---------------------------------------------------------------------------------------------------

def random_connected_atoms(mol: Chem.Mol, size: int, rng: random.Random) -> tuple[int, ...] | None:
    """A random connected set of ``size`` atoms grown from a random atom (None when its component is smaller)."""
    start = rng.randrange(mol.GetNumAtoms())
    chosen, frontier = {start}, {n.GetIdx() for n in mol.GetAtomWithIdx(start).GetNeighbors()}
    while len(chosen) < size:
        if not frontier:
            return None
        nxt = rng.choice(sorted(frontier))
        chosen.add(nxt)
        frontier |= {n.GetIdx() for n in mol.GetAtomWithIdx(nxt).GetNeighbors()}
        frontier -= chosen
    return tuple(sorted(chosen))


def faithfulness(explanations: Sequence[SubstructureExplanation], predict_fn: PredictFn, method: str = OCCLUSION,
                 n_random: int = 10, seed: int = 0) -> Faithfulness:
    """Deletion test over molecules: mean |f(x) - f(x without top)| vs the mean over ``n_random`` random connected
    substructures of the same atom count (excluding the top one's atom set), all in one ``predict_fn`` call.

    ``method`` picks which ranking's top substructure is tested (occlusion or atom attribution sum). Molecules with
    no top substructure of that method, or too small for a different connected set of that size, are left out.
    """
    rng = random.Random(seed)
    queries: list[str] = []
    plans = []
    target = explanations[0].target if explanations else 0
    for ex in explanations:
        top = ex.top(1, method)
        if not top:
            continue
        mol = _mol(ex.smiles)
        top_masked = top[0].masked_smiles or delete_atoms(mol, top[0].atoms)
        if not top_masked:
            continue
        randoms, tries = set(), 0
        while len(randoms) < n_random and tries < 20 * n_random:
            tries += 1
            atoms = random_connected_atoms(mol, len(top[0].atoms), rng)
            if atoms is None or atoms == tuple(sorted(top[0].atoms)) or atoms in randoms:
                continue
            masked = delete_atoms(mol, atoms)
            if masked:
                randoms.add(atoms)
                queries.append(masked)
        if not randoms:
            continue
        start = len(queries) - len(randoms)
        queries += [ex.smiles, top_masked]
        plans.append((ex, top[0], start, len(randoms), len(queries) - 2))
    pred = _predict(predict_fn, queries, target)
    rows = []
    for ex, top, start, k, q in plans:
        base = pred[q]
        top_change = abs(base - pred[q + 1])
        random_change = float(np.mean(np.abs(base - pred[start:start + k])))
        rows.append({"smiles": ex.smiles, "top": top.smiles, "size": len(top.atoms), "top_change": float(top_change),
                     "random_change": random_change, "random_sets": k})
    if not rows:
        return Faithfulness(method, 0.0, 0.0, 0, 0.0, [])
    return Faithfulness(method, float(np.mean([r["top_change"] for r in rows])),
                        float(np.mean([r["random_change"] for r in rows])), len(rows),
                        float(np.mean([r["top_change"] > r["random_change"] for r in rows])), rows)


# -- drawing and models ---------------------------------------------------------------------------------------------

def draw_substructure(smiles: str, atoms: Sequence[int], score: float = 1.0, size: tuple[int, int] = (300, 220),
                      legend: str = "") -> bytes:
    """PNG bytes (RDKit ``MolDraw2DCairo``) of the molecule with ``atoms`` and the bonds between them highlighted:
    green where the substructure raises the prediction (score >= 0), red where it lowers it."""
    mol = _mol(smiles)
    inside = set(atoms)
    colour = (0.55, 0.85, 0.55) if score >= 0 else (0.95, 0.55, 0.55)
    bonds = [b.GetIdx() for b in mol.GetBonds() if b.GetBeginAtomIdx() in inside and b.GetEndAtomIdx() in inside]
    drawer = rdMolDraw2D.MolDraw2DCairo(*size)
    drawer.drawOptions().clearBackground = True
    rdMolDraw2D.PrepareAndDrawMolecule(drawer, mol, legend=legend, highlightAtoms=sorted(inside),
                                       highlightAtomColors={a: colour for a in inside}, highlightBonds=bonds,
                                       highlightBondColors={b: colour for b in bonds})
    drawer.FinishDrawing()
    return drawer.GetDrawingText()
