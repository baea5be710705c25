"""The PHI gate every page and command goes through: scan every field of the records, de-identify or refuse, audit.

One setting, ``phi_gate`` (``--phi-gate`` > ``BIOFM_PHI_GATE`` > config > ``warn``), decides what happens to records
with identifiers before any model sees them, anything is stored, exported or logged:

* ``require``: they are refused (:class:`PhiRefused`, a ValueError naming each row and the identifier types found);
* ``warn`` (default): every identifier is replaced (redact, mask or surrogate) and the caller says so; the user may
  acknowledge "run as is" instead, which is written to ``<data dir>/audit.log`` (counts only, never values);
* ``off``: nothing is scanned (an explicit choice).

Every field is scanned: the text, the id (unless it is only the row number), the file name a record came from, and
each extra column of a CSV/JSONL row (or only the columns named; the others are reported as unscanned). The label
column is kept as it is and reported as unscanned. Detector spans are then corrected by the site's lists
(:mod:`biofm.phi.lists`): allow-list terms are dropped, deny-list and roster entries always flagged, with a reason.

``scan`` runs the ``phi`` task; ``deidentify_records`` replaces the text's identifiers (one :class:`Surrogates` per
batch, so fakes are consistent); ``check`` is the whole gate; ``audit`` appends an event.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from biofm.phi.actions import Surrogates, deidentify

MODES = ("require", "warn", "off")
GATED_INPUTS = ("text", "report")
TEXT, ID, FILE = "text", "id", "file name"


class PhiRefused(ValueError):
    """``require`` mode met identifiers: the message names each row (by its de-identified id) and the types."""

    def __init__(self, result: "GateResult") -> None:
        self.result = result
        rows = result.rows_with_phi()
        lines = [f"row {r} (id {rid}): " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())) + " in " + ", ".join(f)
                 for r, rid, c, f in rows[:10]]
        more = f"; … {len(rows) - 10} more row(s)" if len(rows) > 10 else ""
        super().__init__(f"the PHI gate (BIOFM_PHI_GATE=require) refused the input: {len(rows)} of "
                         f"{len(result.records)} row(s) hold identifiers: " + "; ".join(lines) + more
                         + ". De-identify them first (biofm deid), or use the warn mode.")


@dataclass
class Finding:
    """The identifiers found in one field of one record (values stay out: only spans and counts)."""

    index: int
    row: int
    field: str  # "text", "id", "file name" or "column NAME"
    spans: list

    @property
    def labels(self) -> Counter:
        return Counter(s.label for s in self.spans)


@dataclass
class GateResult:
    """What the gate let through, and what it found and did."""

    mode: str
    records: list  # to run: de-identified (warn), unchanged (off, or acknowledged "run as is")
    findings: list[Finding] = field(default_factory=list)
    scanned: list[str] = field(default_factory=list)
    unscanned: list[str] = field(default_factory=list)
    action: str = "redact"
    as_is: bool = False
    ids: list[str] = field(default_factory=list)  # each record's id after the gate (de-identified where it held PHI)
    sources: dict[str, str] = field(default_factory=dict)  # file name -> its de-identified form

    def counts(self) -> dict[str, int]:
        total: Counter = Counter()
        for f in self.findings:
            total.update(f.labels)
        return dict(total)

    def rows_with_phi(self) -> list[tuple[int, str, Counter, list[str]]]:
        """(row, de-identified id, counts, fields) for each record with identifiers, in input order."""
        by: dict[int, tuple[Counter, list[str]]] = {}
        for f in self.findings:
            counts, fields = by.setdefault(f.index, (Counter(), []))
            counts.update(f.labels)
            if f.field not in fields:
                fields.append(f.field)
        return [(self.findings_row(i), self.ids[i] if i < len(self.ids) else "?", c, fs)
                for i, (c, fs) in sorted(by.items())]

    def findings_row(self, index: int) -> int:
        return next(f.row for f in self.findings if f.index == index)

    def entities(self, index: int, field_name: str = TEXT) -> list:
        return next((f.spans for f in self.findings if f.index == index and f.field == field_name), [])

    def summary(self) -> str:
        """One line for stderr or a page: what was scanned, found and done."""
        if self.mode == "off":
            return "PHI gate off (BIOFM_PHI_GATE=off): nothing was scanned"
        found, rows = self.counts(), len(self.rows_with_phi())
        scanned = f"scanned: {', '.join(self.scanned) or 'nothing'}"
        unscanned = f"; not scanned: {', '.join(self.unscanned)}" if self.unscanned else ""
        if not found:
            return f"PHI gate ({self.mode}): no identifiers found in {len(self.records)} row(s) ({scanned}{unscanned})"
        what = f"{sum(found.values())} identifier(s) ({', '.join(f'{k} {v}' for k, v in sorted(found.items()))}) " \
               f"in {rows} of {len(self.records)} row(s)"
        if self.as_is:
            return f"PHI gate ({self.mode}): {what} run as is (acknowledged; written to the audit log) " \
                   f"({scanned}{unscanned})"
        return f"PHI gate ({self.mode}): {what} de-identified ({self.action}) before anything ran or was stored " \
               f"({scanned}{unscanned})"

    def clean_errors(self, errors: Sequence) -> list:
        """Row errors with their file names de-identified as the records' were."""
        return [replace(e, source=self.sources.get(e.source, e.source)) if self.sources else e for e in errors]


def applies(kind) -> bool:
    """Whether a task's input goes through the gate: text and reports, not PHI detection itself (nor SMILES).
    ``kind``: the task's kind (``biofm.tasks.get_task(name)``; anything with ``name`` and ``input_kind``)."""
    return kind.name != "phi" and kind.input_kind in GATED_INPUTS


def scan(records, model=None, settings=None, progress=None):
    """PHI predictions (entities with label, score and source) for text records."""
    from biofm import api

    return api.predict("phi", records, model=model, settings=settings, progress=progress)


def counts(preds) -> dict[str, int]:
    return dict(Counter(e.label for ents in preds.entities for e in ents))


def deidentify_records(records, preds, action: str = "redact", surrogates: Surrogates | None = None) -> list:
    """Copies of ``records`` with identifiers replaced; ``meta["phi"]`` keeps the count per type (not the values)."""
    if action == "surrogate" and surrogates is None:
        surrogates = Surrogates()
    out = []
    for rec, ents in zip(records, preds.entities):
        text = deidentify(rec.text, ents, action, surrogates, doc_id=rec.id)
        out.append(replace(rec, text=text, meta={**rec.meta, "phi": dict(Counter(e.label for e in ents)),
                                                 "deidentified": action}))
    return out


def _auto_id(rec) -> bool:
    return str(rec.id) == str(rec.meta.get("row", ""))


def record_fields(rec, columns: set[str] | None = None) -> tuple[list[tuple[str, str]], list[str]]:
    """(field, value) pairs the gate scans for one record, and the fields it leaves unscanned (with why)."""
    fields, skipped = [(TEXT, rec.text)], []
    if not _auto_id(rec) and str(rec.id).strip():
        fields.append((ID, str(rec.id)))
    source = str(rec.meta.get("source", ""))
    if source and source != "paste":
        fields.append((FILE, source))
    for name, value in (rec.meta.get("columns") or {}).items():
        if columns is not None and name not in columns:
            skipped.append(f"column {name} (not named by --columns)")
        elif isinstance(value, (dict, list)):
            skipped.append(f"column {name} (nested values)")
        elif value is not None and str(value).strip():
            fields.append((f"column {name}", str(value)))
    skipped += [f"column {name} (nested values)" for name in rec.meta.get("nested", ())]
    if getattr(rec, "label", None) not in (None, ""):
        skipped.append("label (labels are kept as they are)")
    return fields, skipped


EXTENSIONS = re.compile(r"(?i)\.(?:txt|csv|jsonl|json|parquet|zip|tsv|conll|smi|sdf)\b")
SHORT_WORDS = 4  # a field value under this many words is a short field (an id, a file name, a cell)
SHORT_MODEL_LABELS = ("NAME", "LOCATION", "ORGANIZATION")
SHORT_MODEL_SCORE = 0.5
# a column's name that says what its short values are (Presidio's context words, read from the header)
COLUMN_HINTS = (("NAME", ("name", "surname", "firstname", "lastname", "fullname", "forename", "patientname")),
                ("ID", ("mrn", "ssn", "nhs", "mrno", "acct", "account", "policy", "insurance", "medicaid", "medicare",
                        "licence", "license", "passport")),
                ("CONTACT", ("phone", "telephone", "tel", "mobile", "cell", "email", "mail", "fax", "url")),
                ("DATE", ("dob", "birth", "birthdate", "birthday", "dod", "death")),
                ("LOCATION", ("address", "street", "city", "town", "zip", "zipcode", "postcode", "postal")))


def _scannable(field_name: str, value: str) -> str:
    """Ids and file names are written with ``_``, ``/`` or ``:`` between words (``Jane_Doe_412-73-9051.txt``):
    read those as spaces and blank the file type (same length, so the spans index the original)."""
    if field_name not in (ID, FILE):
        return value
    value = re.sub(r"[_/\\:]", " ", value)
    return EXTENSIONS.sub(lambda m: " " * len(m.group()), value) if field_name == FILE else value


def column_hint(name: str) -> str | None:
    """The PHI label a column's name announces (``patient_name`` -> NAME, ``MRN`` -> ID), else None."""
    words = [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)]
    joined = "".join(words)
    for label, hints in COLUMN_HINTS:
        if any(w in hints for w in words) or joined in hints:
            return label
    return None


def _field_spans(field_name: str, value: str, raw: list, lists) -> list:
    """The spans of one field: the detector's (a short field keeps only rule spans and confident model names,
    places and organisations: the model reads a lone "12" or "F" as a date or a name), corrected by the lists,
    and for a short cell of a column whose name announces an identifier, the whole value."""
    from biofm.phi.lists import ListEntity

    short = field_name != TEXT and len(value.split()) < SHORT_WORDS
    spans = [s for s in raw if not short or getattr(s, "source", "model") != "model"
             or (s.label in SHORT_MODEL_LABELS and s.score >= SHORT_MODEL_SCORE
                 and sum(ch.isalpha() for ch in value[s.start:s.end]) >= 2)]
    if lists:
        spans = lists.apply(value, spans)
    hint = column_hint(field_name[len("column "):]) if field_name.startswith("column ") and short else None
    if hint and value.strip():
        lead = len(value) - len(value.lstrip())
        spans = [ListEntity(lead, len(value.rstrip()), hint, value.strip(), 1.0, "column",
                            f"column name: {field_name[len('column '):]}")]
    return spans


def find(records: Sequence, columns: Sequence[str] | None = None, model=None, settings=None, lists=None,
         progress: Callable[[int, int], None] | None = None) -> tuple[list[Finding], list[str], list[str]]:
    """Scan every field of ``records`` once (identical values once); returns (findings, scanned, unscanned)."""
    from biofm.phi.lists import load_lists
    from biofm.records import TextRecord

    wanted = set(columns) if columns is not None else None
    lists = load_lists(settings) if lists is None and settings is not None else lists
    per_record, scanned, unscanned = [], [], []
    for rec in records:
        fields, skipped = record_fields(rec, wanted)
        per_record.append(fields)
        scanned += [f for f, _ in fields if f not in scanned]
        unscanned += [s for s in skipped if s not in unscanned]
    unique = list(dict.fromkeys(_scannable(f, v) for fields in per_record for f, v in fields))
    raw: dict[str, list] = {}
    if unique:
        preds = scan([TextRecord(str(i), v) for i, v in enumerate(unique)], model=model, settings=settings,
                     progress=progress)
        raw = {value: list(ents) for value, ents in zip(unique, preds.entities)}
    findings = []
    for i, (rec, fields) in enumerate(zip(records, per_record)):
        row = int(rec.meta.get("row", i + 1) or i + 1)
        for f, v in fields:
            spans = _field_spans(f, _scannable(f, v), raw.get(_scannable(f, v), []), lists)
            if spans:
                findings.append(Finding(i, row, f, [_retext(s, v) for s in spans]))
    return findings, scanned, unscanned


def _retext(span, original: str):
    """The span's text from the original value (ids and file names were scanned with ``_`` read as spaces)."""
    try:
        return replace(span, text=original[span.start:span.end])
    except TypeError:
        return span


def check(records: Sequence, mode: str | None = None, *, action: str = "redact", columns: Sequence[str] | None = None,
          as_is: bool = False, model=None, settings=None, lists=None, surrogates: Surrogates | None = None,
          progress: Callable[[int, int], None] | None = None, task: str = "") -> GateResult:
    """The gate over ``records`` (see the module doc). Raises :class:`PhiRefused` in ``require`` mode when any field
    holds an identifier; otherwise returns the records to run (de-identified unless ``as_is``)."""
    from biofm.config import load_settings

    settings = settings or load_settings()
    mode = mode or settings.phi_gate
    if mode not in MODES:
        raise ValueError(f"the PHI gate must be one of {', '.join(MODES)}, got {mode!r}")
    if mode == "off" or not records:
        return GateResult(mode, list(records), action=action, ids=[str(r.id) for r in records])
    findings, scanned, unscanned = find(records, columns, model=model, settings=settings, lists=lists,
                                        progress=progress)
    result = GateResult(mode, list(records), findings, scanned, unscanned, action, as_is and mode != "require")
    vault = None
    if action == "surrogate" and surrogates is None:
        from biofm.phi.actions import SurrogateVault

        # the same original maps to the same surrogate, and a patient keeps one date shift, across runs (encrypted)
        surrogates = vault = SurrogateVault(settings.data_dir) if settings is not None else Surrogates()
    cleaned = deidentify_findings(records, findings, action, surrogates)
    if isinstance(vault, Surrogates) and hasattr(vault, "save"):
        vault.save()
    result.ids = [str(r.id) for r in cleaned]
    result.sources = {str(a.meta.get("source")): str(b.meta.get("source")) for a, b in zip(records, cleaned)
                      if a.meta.get("source") != b.meta.get("source")}
    if mode == "require" and findings:
        raise PhiRefused(result)
    if findings and result.as_is:
        audit(settings.data_dir, {"event": "phi_run_as_is", "task": task, "documents": len(records),
                                  "rows_with_identifiers": len(result.rows_with_phi()), "identifiers": result.counts()})
    elif findings:
        result.records = cleaned
    return result


def deidentify_findings(records, findings: list[Finding], action: str = "redact", surrogates=None) -> list:
    """Copies of ``records`` with every field's findings replaced (ids kept unique); ``meta["phi"]``: counts."""
    if action == "surrogate" and surrogates is None:
        surrogates = Surrogates()
    by: dict[int, dict[str, list]] = {}
    for f in findings:
        by.setdefault(f.index, {})[f.field] = f.spans
    out, taken = [], Counter(str(r.id) for r in records)
    for i, rec in enumerate(records):
        found = by.get(i)
        if not found:
            out.append(rec)
            continue
        doc = str(rec.id)
        text = deidentify(rec.text, found[TEXT], action, surrogates, doc_id=doc) if TEXT in found else rec.text
        rid = rec.id
        if ID in found:
            rid = deidentify(str(rec.id), found[ID], action, surrogates, doc_id=doc)
            if taken[rid]:
                rid = f"{rid}-{rec.meta.get('row', i + 1)}"
            taken[rid] += 1
        meta = dict(rec.meta)
        if FILE in found:
            meta["source"] = deidentify(str(rec.meta["source"]), found[FILE], action, surrogates, doc_id=doc)
        cols = {k[len("column "):]: v for k, v in found.items() if k.startswith("column ")}
        if cols:
            meta["columns"] = {name: deidentify(str(value), cols[name], action, surrogates, doc_id=doc)
                               if name in cols else value for name, value in meta["columns"].items()}
        meta["phi"] = dict(sum((Counter(s.label for s in spans) for spans in found.values()), Counter()))
        meta["deidentified"] = action
        out.append(replace(rec, id=rid, text=text, meta=meta))
    return out


def audit(data_dir: str | Path, event: dict) -> Path:
    """Append an event (e.g. a user running identified text as-is) to ``<data dir>/audit.log`` (JSON lines, 0600)."""
    path = Path(data_dir) / "audit.log"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **event}) + "\n")
    return path
