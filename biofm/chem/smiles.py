"""SMILES parsing with RDKit's reasons, a regex tokenizer with character offsets, and token -> atom mapping."""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdkit import Chem, RDLogger, rdBase
from rdkit.Chem.MolStandardize import rdMolStandardize

rdBase.LogToPythonStderr()
RDLogger.DisableLog("rdApp.warning")
RDLogger.DisableLog("rdApp.info")

# One token per atom, bracket atom, bond (dative ``->``/``<-`` included), ring closure (digit, %NN, %(NNN)), branch,
# dot: every piece of SMILES RDKit reads or writes.
SMILES_RE = re.compile(r"(\[[^\]]+\]|Br|Cl|B|C|N|O|S|P|F|I|b|c|n|o|s|p|\*|\(|\)|\.|=|#|->|<-|-|\+|\\|/|:|~|@|\?|>|"
                       r"\$|%\(\d+\)|%\d{2}|\d)")
ATOM_RE = re.compile(r"^(\[[^\]]+\]|Br|Cl|B|C|N|O|S|P|F|I|b|c|n|o|s|p|\*)$")
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


@dataclass
class ParsedMolecule:
    input: str
    mol: Chem.Mol | None
    canonical: str | None
    error: str | None
    stripped: bool = False

    @property
    def valid(self) -> bool:
        return self.mol is not None


def _rdkit_reason(text: str) -> str:
    lines = [re.sub(r"^\[\d\d:\d\d:\d\d\]\s*", "", ln).strip() for ln in text.splitlines() if ln.strip()]
    lines = [ln for ln in lines if ln and not set(ln) <= set(" ^")]
    return "; ".join(lines[:2]) if lines else "RDKit could not parse it"


def parse_smiles(smiles: str, strip_salts: bool = False) -> ParsedMolecule:
    """RDKit molecule and canonical SMILES, or the reason it failed (empty, unparsable, valence error)."""
    s = (smiles or "").strip()
    if not s:
        return ParsedMolecule(smiles, None, None, "empty SMILES")
    buf = io.StringIO()
    with contextlib.redirect_stderr(buf):
        mol = Chem.MolFromSmiles(s)
    if mol is None:
        reason = _rdkit_reason(buf.getvalue())
        kind = "valence error" if "valence" in reason.lower() else (
            "kekulization error" if "kekulize" in reason.lower() else "unparsable SMILES")
        return ParsedMolecule(smiles, None, None, f"{kind}: {reason}")
    if mol.GetNumAtoms() == 0:
        return ParsedMolecule(smiles, None, None, "empty molecule")
    stripped = False
    if strip_salts and len(Chem.GetMolFrags(mol)) > 1:
        parent = fragment_parent(mol)
        if not any(a.GetAtomicNum() == 6 for a in parent.GetAtoms()):
            return ParsedMolecule(smiles, None, None, "no organic parent to keep: every fragment is inorganic "
                                  f"({Chem.MolToSmiles(mol)}); predict it without salt stripping or drop the row")
        mol, stripped = parent, True
    return ParsedMolecule(smiles, mol, Chem.MolToSmiles(mol), None, stripped)


def fragment_parent(mol: Chem.Mol) -> Chem.Mol:
    """The molecule's parent fragment by RDKit's standardiser (``rdMolStandardize.LargestFragmentChooser``): the
    fragment with the most heavy atoms, organic fragments preferred. biofm's one definition of "parent": salt
    stripping and duplicate flags both use it (tafamidis meglumine -> tafamidis, not the 13-heavy-atom meglumine
    that has more atoms once hydrogens are counted)."""
    params = rdMolStandardize.CleanupParameters()
    params.preferOrganic = True
    params.largestFragmentChooserCountHeavyAtomsOnly = True
    with contextlib.redirect_stderr(io.StringIO()):
        return rdMolStandardize.LargestFragmentChooser(params).choose(mol)


def tokenize_smiles(smiles: str) -> list[tuple[str, int, int]]:
    """(token, start, end) for every token; raises ValueError where characters are left over."""
    tokens, pos = [], 0
    for m in SMILES_RE.finditer(smiles):
        if m.start() != pos:
            raise ValueError(f"cannot tokenise {smiles[pos:m.start()]!r} at character {pos}")
        tokens.append((m.group(), m.start(), m.end()))
        pos = m.end()
    if pos != len(smiles):
        raise ValueError(f"cannot tokenise {smiles[pos:]!r} at character {pos}")
    return tokens


def _symbol(token: str) -> str:
    if token.startswith("["):
        m = re.match(r"\[\d*([A-Z][a-z]?|[a-z][a-z]?|\*)", token)
        sym = m.group(1) if m else ""
    else:
        sym = token
    return sym.capitalize() if sym not in ("*",) else "*"


def explicit_mol(smiles: str) -> Chem.Mol | None:
    """The molecule as written (explicit hydrogens kept): the atom numbering that token maps refer to."""
    params = Chem.SmilesParserParams()
    params.removeHs = False
    with contextlib.redirect_stderr(io.StringIO()):
        return Chem.MolFromSmiles(smiles, params)


def atom_token_map(smiles: str) -> tuple[list[int | None], str | None]:
    """For each token, the RDKit atom index it is (None for bonds, rings, branches), checked element by element.

    RDKit numbers atoms in the order they appear in the SMILES, so atom tokens map one-to-one in order. The map is
    verified against a parse that keeps explicit hydrogens; on any mismatch the reason is returned instead.
    """
    try:
        toks = tokenize_smiles(smiles)
    except ValueError as exc:
        return [], str(exc)
    mol = explicit_mol(smiles)
    if mol is None:
        return [], "RDKit could not parse the SMILES"
    mapping: list[int | None] = []
    k = 0
    for tok, _, _ in toks:
        if ATOM_RE.match(tok):
            mapping.append(k)
            k += 1
        else:
            mapping.append(None)
    if k != mol.GetNumAtoms():
        return [], f"{k} atom tokens but {mol.GetNumAtoms()} atoms"
    for (tok, _, _), idx in zip(toks, mapping):
        if idx is not None:
            sym = mol.GetAtomWithIdx(idx).GetSymbol()
            if _symbol(tok) != sym and not (sym == "*" and _symbol(tok) == "*"):
                return [], f"token {tok!r} does not match atom {idx} ({sym})"
    return mapping, None


@dataclass
class Encoding:
    ids: list[int]
    offsets: list[tuple[int, int]]
    tokens: list[str] = field(default_factory=list)


class SmilesTokenizer:
    """Regex SMILES tokenizer with a fixed vocabulary (saved as ``vocab.json``)."""

    def __init__(self, vocab: Sequence[str]) -> None:
        self.vocab = list(vocab)
        self.index = {t: i for i, t in enumerate(self.vocab)}
        self.pad_token_id = self.index["[PAD]"]
        self.unk_token_id = self.index["[UNK]"]
        self.cls_token_id = self.index["[CLS]"]
        self.sep_token_id = self.index["[SEP]"]
        self.mask_token_id = self.index["[MASK]"]

    @classmethod
    def build(cls, smiles: Iterable[str], min_count: int = 2) -> "SmilesTokenizer":
        counts: dict[str, int] = {}
        for s in smiles:
            try:
                for tok, _, _ in tokenize_smiles(s):
                    counts[tok] = counts.get(tok, 0) + 1
            except ValueError:
                continue
        return cls(SPECIAL + sorted(t for t, n in counts.items() if n >= min_count))

    @classmethod
    def load(cls, folder: str | Path) -> "SmilesTokenizer":
        return cls(json.loads((Path(folder) / "vocab.json").read_text(encoding="utf-8")))

    def save(self, folder: str | Path) -> None:
        (Path(folder) / "vocab.json").write_text(json.dumps(self.vocab), encoding="utf-8")

    def __len__(self) -> int:
        return len(self.vocab)

    def fits(self, smiles: str, max_length: int) -> str | None:
        """None when the SMILES tokenises and fits ``max_length`` (with [CLS] and [SEP]); else the reason."""
        try:
            n = len(tokenize_smiles(smiles))
        except ValueError as exc:
            return str(exc)
        if n > max_length - 2:
            return f"{n} SMILES tokens; the model reads at most {max_length - 2} (too long to predict without cutting)"
        return None

    def unknown_tokens(self, smiles: str) -> list[str]:
        """Tokens of ``smiles`` outside the vocabulary (they would all read as [UNK]); raises ValueError for text
        that does not tokenise."""
        return list(dict.fromkeys(t for t, _, _ in tokenize_smiles(smiles) if t not in self.index))

    def encode(self, smiles: str, max_length: int | None = None) -> Encoding:
        """[CLS] tokens [SEP]; raises ValueError for text that is not SMILES. Check :meth:`fits` first: a longer
        SMILES is cut at ``max_length``."""
        toks = tokenize_smiles(smiles)
        if max_length is not None:
            toks = toks[: max_length - 2]
        ids = [self.cls_token_id] + [self.index.get(t, self.unk_token_id) for t, _, _ in toks] + [self.sep_token_id]
        return Encoding(ids, [(0, 0)] + [(s, e) for _, s, e in toks] + [(0, 0)], ["[CLS]"] + [t for t, _, _ in toks]
                        + ["[SEP]"])
