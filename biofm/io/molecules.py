"""Molecule readers: .smi/.txt (SMILES [name]), CSV with a SMILES column, SDF. Bad molecules become row errors."""

from __future__ import annotations

import contextlib
import re
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from biofm.chem.smiles import parse_smiles
from biofm.io.decoding import InputError, bad_utf8, check_header, csv_text, decode_text, parquet_as_csv
from biofm.records import RowError

SMILES_COLUMN_GUESSES = ("smiles", "canonical_smiles", "smi", "structure", "mol")
MOLECULE_SUFFIXES = (".smi", ".txt", ".csv", ".sdf", ".parquet")


@dataclass
class MoleculeRecord:
    id: str
    smiles: str  # as given
    canonical: str
    name: str = ""
    row: int = 0
    duplicate_of: str | None = None
    stripped: bool = False
    meta: dict = field(default_factory=dict)


@dataclass
class MoleculeReadResult:
    records: list[MoleculeRecord]
    errors: list[RowError]
    columns: list[str] = field(default_factory=list)
    # what the file said of each rejected row (its id, name and other columns), by row number: outputs keep them
    rejected: dict[int, dict] = field(default_factory=dict)

    def report(self) -> list[dict]:
        """The validation report: every row, kept or rejected, with canonical SMILES or the reason."""
        rows = [{"row": r.row, "id": r.id, "input_smiles": r.smiles, "canonical_smiles": r.canonical, "valid": True,
                 "error": "", "duplicate_of": r.duplicate_of or "", "salt_stripped": r.stripped} for r in self.records]
        rows += [{"row": e.row, "id": self.rejected.get(e.row, {}).get("id", ""), "input_smiles": e.field, "canonical_smiles": "", "valid": False,
                  "error": e.message, "duplicate_of": "", "salt_stripped": False} for e in self.errors if e.row > 0]
        return sorted(rows, key=lambda r: r["row"])


def _add(result: MoleculeReadResult, seen: dict, row: int, smiles: str, rid, name: str, source: str,
         strip_salts: bool, meta: dict | None = None) -> None:
    rid = str(rid).strip() if rid not in (None, "") else str(row)
    bad_smiles = bad_utf8(smiles)
    bad = bad_smiles or bad_utf8(rid) or bad_utf8(name or "")
    parsed = None if bad else parse_smiles(smiles, strip_salts=strip_salts)
    if bad or not parsed.valid:  # the row's id, name and other columns stay with its error in every output
        cols = (meta or {}).get("columns")
        result.rejected[row] = {"id": _shown(rid), "name": _shown(name or ""),
                                "columns": {k: _shown(v) for k, v in cols.items()} if cols else cols}
        result.errors.append(RowError(row, "row" if bad_smiles else smiles, bad or parsed.error or "invalid", source))
        return
    dup = seen.get(parsed.canonical)
    seen.setdefault(parsed.canonical, rid)
    result.records.append(MoleculeRecord(rid, smiles, parsed.canonical, name, row, dup, parsed.stripped,
                                         {"source": source, **(meta or {})}))


def _shown(value):
    """Text as it can be written out: bytes that were not UTF-8 (kept as surrogates by the reader) become U+FFFD."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace") if isinstance(value, str) else value


def _take(total: int, max_rows: int | None) -> bool:
    return max_rows is None or total <= max_rows


def _read_sdf(data: bytes, filename: str, result, seen, id_column, strip_salts, max_rows) -> int:
    """SDF records split on ``$$$$`` (a record's name line may be empty); RDKit parses each molecule block, so a
    broken record is reported by its number and the others are kept."""
    from rdkit import Chem

    parts = decode_text(data, filename).split("$$$$")
    # each record after the first starts with the line break that ended its "$$$$" line
    blocks = [b for b in parts[:1] + [b[1:] if b.startswith("\n") else b for b in parts[1:]] if b.strip()]
    for row, block in enumerate(blocks, start=1):
        if not _take(row, max_rows):
            continue
        buf = io.StringIO()
        with contextlib.redirect_stderr(buf):
            mol = Chem.MolFromMolBlock(block.split("M  END")[0] + "M  END\n") if "M  END" in block else None
        if mol is None:
            reason = buf.getvalue().strip().splitlines()
            result.errors.append(RowError(row, f"record {row}", "could not read the SDF record"
                                          + (f": {reason[-1][:200]}" if reason else " (no molecule block)"), filename))
            continue
        name = block.split("\n", 1)[0].strip()
        props = {m.group(1): m.group(2).strip() for m in re.finditer(r">\s*<([^>]+)>[^\n]*\n([^\n]*)", block)}
        rid = props.get(id_column) if id_column else (props.get("ID") or name or row)
        _add(result, seen, row, Chem.MolToSmiles(mol), rid, name, filename, strip_salts, {"props": props})
    return len(blocks)


def _read_csv(data: bytes, filename: str, result, seen, smiles_column, id_column, name_column, strip_salts,
              max_rows) -> int:
    delimiter, text, _ = csv_text(decode_text(data, filename))  # an Excel "sep=;" first line is dropped
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip() for h in next(reader, [])]
    if not header:
        raise InputError(f"{filename}: the file has no header row")
    check_header(header, filename)
    result.columns = header
    lowered = {h.lower(): h for h in header}
    scol = smiles_column or next((lowered[g] for g in SMILES_COLUMN_GUESSES if g in lowered), None)
    if scol is None or scol not in header:
        raise InputError(f"{filename}: choose the SMILES column; the file has columns: {', '.join(header)}")
    icol = id_column or next((lowered[g] for g in ("id", "mol_id", "compound_id", "num") if g in lowered), None)
    ncol = name_column or lowered.get("name")
    total = 0
    for row, cells in enumerate(reader, start=1):
        if not cells or not any(c.strip() for c in cells):
            continue
        total += 1
        if not _take(total, max_rows):
            continue
        if len(cells) != len(header):
            result.errors.append(RowError(row, "row", f"expected {len(header)} fields, found {len(cells)}", filename))
            continue
        rec = dict(zip(header, cells))
        _add(result, seen, row, rec[scol], rec.get(icol) if icol else None, rec.get(ncol, "") if ncol else "",
             filename, strip_salts, {"columns": {k: v for k, v in rec.items() if k not in (scol, icol, ncol)}})
    return total


def _read_smi(data: bytes, filename: str, result, seen, strip_salts, max_rows) -> int:
    total = 0
    for row, line in enumerate(decode_text(data, filename).splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        total += 1
        if _take(total, max_rows):
            parts = line.strip().split(None, 1)
            _add(result, seen, row, parts[0], None, parts[1] if len(parts) > 1 else "", filename, strip_salts)
    return total


def read_molecules(data: bytes, filename: str, *, smiles_column: str | None = None, id_column: str | None = None,
                   name_column: str | None = None, strip_salts: bool = False, max_rows: int | None = 10_000,
                   max_bytes: int | None = None, max_chars: int | None = None) -> MoleculeReadResult:
    """Molecules and row errors by suffix. ``max_chars`` is taken for one reader interface; a SMILES is checked
    against the model window instead (:meth:`MoleculePredictor.screen`)."""
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix not in MOLECULE_SUFFIXES:
        raise InputError(f"{filename}: unsupported file type {suffix or '(none)'}; use {', '.join(MOLECULE_SUFFIXES)}")
    if max_bytes is not None and len(data) > max_bytes:
        raise InputError(f"{filename}: {len(data) / 2**20:.1f} MB is over the {max_bytes / 2**20:.0f} MB upload limit")
    if not data.strip():
        raise InputError(f"{filename}: the file is empty")
    result, seen = MoleculeReadResult([], []), {}
    if suffix == ".sdf":
        total = _read_sdf(data, filename, result, seen, id_column, strip_salts, max_rows)
    elif suffix in (".csv", ".parquet"):
        data = parquet_as_csv(data, filename) if suffix == ".parquet" else data
        total = _read_csv(data, filename, result, seen, smiles_column, id_column, name_column, strip_salts, max_rows)
    else:
        total = _read_smi(data, filename, result, seen, strip_salts, max_rows)
    if max_rows is not None and total > max_rows:
        result.errors.append(RowError(0, "file", f"{total} molecules in the file; only the first {max_rows} were read",
                                      filename))
    return result


def read_molecule_file(path: str | Path, **kwargs) -> MoleculeReadResult:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    return read_molecules(path.read_bytes(), path.name, **kwargs)
