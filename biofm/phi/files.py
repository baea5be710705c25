"""Training files through the PHI gate, before a trainer reads them or a page saves them under the data dir.

CSV/JSONL tables: every cell but the label's is scanned (text, id, other columns) and the file is written back with
the same columns. CoNLL/TSV: each sentence's tokens are scanned as one text; a token inside an identifier becomes
``[LABEL]`` (one token for one, so the tag columns stay aligned).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from pathlib import Path, PurePosixPath

from biofm.phi.gate import GateResult, check
from biofm.records import TextRecord

TABLES = (".csv", ".jsonl")
CONLL = (".conll", ".tsv", ".txt", ".iob", ".bio")


LABEL_COLUMNS = ("label", "labels")  # a table's label column when none is named (multi-label files: labels)


def gate_training_bytes(data: bytes, name: str, settings, label_column: str | None = None,
                        text_column: str | None = None, as_is: bool = False, task: str = "",
                        progress=None) -> tuple[bytes, GateResult | None]:
    """``(bytes to keep, gate result)``; raises PhiRefused (require) or InputError (unreadable, or no column
    ``label_column``). The label column is kept as it is (never scanned); None: the first of ``label``, ``labels``
    the table has. ``progress(done, total)`` hears the scan (:func:`biofm.phi.gate.check`)."""
    suffix = PurePosixPath(name).suffix.lower()
    if settings.phi_gate == "off":
        return data, None
    if suffix in TABLES:
        return _table(data, name, settings, label_column, text_column, as_is, task, progress)
    if suffix in CONLL:
        return _conll(data, settings, as_is, task, progress)
    return data, None


def _table(data, name, settings, label_column, text_column, as_is, task, progress=None):
    from biofm.io.text import read_text_upload

    if label_column is None:
        columns = read_text_upload(data, name, text_column=text_column, max_rows=None).columns
        label_column = next((c for c in LABEL_COLUMNS if c in columns), None)
    res = read_text_upload(data, name, text_column=text_column, label_column=label_column, max_rows=None)
    result = check(res.records, settings.phi_gate, as_is=as_is, settings=settings, task=task, progress=progress)
    if result.as_is or not result.findings:
        return data, result
    rows = []
    for rec in result.records:
        row = dict(rec.meta.get("columns", {}))
        row[res.text_column or "text"] = rec.text
        if label_column and label_column in res.columns:
            row[label_column] = rec.label if rec.label is not None else ""
        rows.append((rec, row))
    id_cols = [c for c in res.columns if c not in rows[0][1]] if rows else []
    for rec, row in rows:
        for c in id_cols:
            row[c] = rec.id
    if name.lower().endswith(".jsonl"):
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for _, r in rows).encode(), result
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=res.columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(r for _, r in rows)
    return buf.getvalue().encode(), result


def _conll(data, settings, as_is, task, progress=None):
    lines = data.decode("utf-8", errors="replace").splitlines()
    sentences, current = [], []
    for n, line in enumerate(lines):
        if line.strip() and not line.startswith("-DOCSTART-"):
            current.append(n)
        elif current:
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    records, offsets = [], []
    for k, idx in enumerate(sentences):
        tokens = [lines[n].split("\t" if "\t" in lines[n] else None)[0] for n in idx]
        pos, spans = 0, []
        for t in tokens:
            spans.append((pos, pos + len(t)))
            pos += len(t) + 1
        records.append(TextRecord(str(k + 1), " ".join(tokens), meta={"row": k + 1}))
        offsets.append(spans)
    result = check(records, settings.phi_gate, as_is=as_is, settings=settings, task=task, progress=progress)
    if result.as_is or not result.findings:
        return data, result
    for f in result.findings:
        for (a, b), n in zip(offsets[f.index], sentences[f.index]):
            hit = next((s for s in f.spans if s.start < b and a < s.end), None)
            if hit is not None:
                sep = "\t" if "\t" in lines[n] else " "
                parts = lines[n].split(sep)
                lines[n] = sep.join([f"[{hit.label}]"] + parts[1:])
    return ("\n".join(lines) + "\n").encode(), result


def save_private(data: bytes, folder: Path, name: str) -> Path:
    """``data`` under ``folder`` (0700) as ``<sha256[:12]>-<name>`` (0600)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{hashlib.sha256(data).hexdigest()[:12]}-{PurePosixPath(name).name}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return path


def gate_training_file(path: str, settings, config: dict, as_is: bool = False, task: str = "") -> tuple[str, str]:
    """A training file's path to train on (a de-identified copy under ``<data dir>/uploads`` when it held
    identifiers) and the gate's one-line summary. ``config["label_column"]``: the column kept as it is (absent:
    ``label`` or ``labels``, :func:`gate_training_bytes`)."""
    data = Path(path).read_bytes()
    clean, result = gate_training_bytes(data, Path(path).name, settings, config.get("label_column") or None,
                                        config.get("text_column"), as_is, task)
    if result is None:
        return path, "PHI gate off (BIOFM_PHI_GATE=off): nothing was scanned" if settings.phi_gate == "off" else ""
    if clean is data:
        return path, f"{Path(path).name}: {result.summary()}"
    return str(save_private(clean, Path(settings.data_dir) / "uploads", Path(path).name)), \
        f"{Path(path).name}: {result.summary()}"
