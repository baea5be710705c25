"""2-D depictions with RDKit's Cairo drawer, optionally with atoms coloured by signed weights."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from rdkit import Chem
from rdkit.Chem.Draw import rdMolDraw2D


def _colour(w: float, scale: float) -> tuple[float, float, float]:
    """Green for positive (raises the prediction), red for negative, white for none."""
    a = 0.0 if scale <= 0 else min(1.0, abs(w) / scale)
    return (1 - 0.75 * a, 1 - 0.25 * a, 1 - 0.75 * a) if w >= 0 else (1 - 0.15 * a, 1 - 0.75 * a, 1 - 0.75 * a)


def draw_molecule(mol: Chem.Mol, weights: Sequence[float] | None = None, size: tuple[int, int] = (300, 220),
                  legend: str = "") -> bytes:
    """PNG bytes of the molecule; with ``weights`` every atom is highlighted by its signed weight."""
    drawer = rdMolDraw2D.MolDraw2DCairo(*size)
    opts = drawer.drawOptions()
    opts.clearBackground = True
    if weights is not None:
        scale = max((abs(w) for w in weights), default=0.0)
        colours = {i: _colour(w, scale) for i, w in enumerate(weights)}
        radii = {i: 0.45 for i in colours}
        rdMolDraw2D.PrepareAndDrawMolecule(drawer, mol, legend=legend, highlightAtoms=list(colours),
                                           highlightAtomColors=colours, highlightAtomRadii=radii,
                                           highlightBonds=[])
    else:
        rdMolDraw2D.PrepareAndDrawMolecule(drawer, mol, legend=legend)
    drawer.FinishDrawing()
    return drawer.GetDrawingText()


@lru_cache(maxsize=4096)
def structure_png(smiles: str, size: tuple[int, int] = (240, 180)) -> bytes | None:
    """Cached plain depiction of a SMILES (None when it does not parse)."""
    mol = Chem.MolFromSmiles(smiles)
    return draw_molecule(mol, size=size) if mol is not None else None
