"""The user's own annotated notes (gold PHI spans) and the detector's scores on them (``biofm deid eval GOLD``).

Readers: a BRAT standoff folder (``NOTE.txt`` + ``NOTE.ann``, text-bound ``T`` lines; a discontinuous span counts
from its first to its last fragment), JSONL (``{"text": ..., "spans": [{"start", "end", "label"}]}``, or
``entities``), CoNLL (``token<TAB>...<TAB>BIO tag``, sentences separated by blank lines, tokens joined by spaces).
Gold labels of other schemes are mapped to biofm's types (i2b2 2014: PATIENT, DOCTOR -> NAME; HOSPITAL -> ORGANIZATION;
PHONE, EMAIL -> CONTACT; MEDICALRECORD, IDNUM -> ID; CITY, STREET, ZIP -> LOCATION); unknown labels stay as written.

Scores (the i2b2 2014 de-identification track's token and entity measures, relaxed to any overlap for entities):
token recall per gold type = its ``\\w+`` tokens covered by any detected span (what matters is that the identifier is
removed, whatever type it is given); token precision per detected type = its tokens inside any gold span; entity recall
= gold entities overlapped by a detection, entity precision = detections overlapping a gold entity;
F2 = 5PR / (4P + R) (recall weighted over precision, as for de-identification).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ALIASES = {
    "NAME": ("PATIENT", "DOCTOR", "USERNAME", "PERSON", "PER", "NAME", "STAFF", "HCW"),
    "ORGANIZATION": ("HOSPITAL", "ORGANIZATION", "ORG", "COMPANY", "VENDOR"),
    "LOCATION": ("CITY", "STATE", "STREET", "ZIP", "COUNTRY", "LOCATION", "LOCATION-OTHER", "LOC", "ADDRESS", "GPE"),
    "CONTACT": ("PHONE", "FAX", "EMAIL", "URL", "IPADDR", "IP", "CONTACT"),
    "ID": ("MEDICALRECORD", "IDNUM", "SSN", "ACCOUNT", "LICENSE", "DEVICE", "BIOID", "HEALTHPLAN", "ID", "MRN"),
    "DATE": ("DATE", "TIME"),
    "AGE": ("AGE",),
}
CANONICAL = {alias: label for label, aliases in ALIASES.items() for alias in aliases}


@dataclass
class GoldNote:
    id: str
    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)


def canonical(label: str) -> str:
    return CANONICAL.get(label.strip().upper(), label.strip().upper())


def read_gold(path: str | Path) -> list[GoldNote]:
    """Gold notes from a BRAT folder, a .jsonl file or a CoNLL file (.conll, .tsv, .txt, .bio); ValueError when
    nothing can be read."""
    path = Path(path)
    if path.is_dir():
        notes = _brat(path)
    elif path.suffix.lower() == ".jsonl":
        notes = _jsonl(path)
    elif path.is_file():
        notes = _conll(path)
    else:
        raise FileNotFoundError(f"{path}: no such gold file or folder")
    if not notes:
        raise ValueError(f"{path}: no annotated notes (BRAT .txt+.ann folder, JSONL with spans, or CoNLL)")
    return notes


def _brat(folder: Path) -> list[GoldNote]:
    notes = []
    for txt in sorted(folder.rglob("*.txt")):
        ann = txt.with_suffix(".ann")
        if not ann.is_file():
            continue
        text = txt.read_text(encoding="utf-8")
        spans = []
        for line in ann.read_text(encoding="utf-8").splitlines():
            if not line.startswith("T") or "\t" not in line:
                continue
            parts = line.split("\t")
            label, _, offsets = parts[1].partition(" ")
            nums = [int(n) for n in re.findall(r"\d+", offsets)]
            if len(nums) >= 2:
                spans.append((min(nums), max(nums), canonical(label)))
        notes.append(GoldNote(txt.stem, text, spans))
    return notes


def _jsonl(path: Path) -> list[GoldNote]:
    notes = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        obj = json.loads(line)
        spans = [(int(s["start"]), int(s["end"]), canonical(s.get("label") or s.get("type") or "PHI"))
                 for s in obj.get("spans", obj.get("entities", []))]
        notes.append(GoldNote(str(obj.get("id", n)), obj["text"], spans))
    return notes


def _conll(path: Path) -> list[GoldNote]:
    from biofm.entities import decode_bio

    notes, tokens, tags = [], [], []

    def flush():
        if not tokens:
            return
        starts, pos = [], 0
        for t in tokens:
            starts.append(pos)
            pos += len(t) + 1
        spans = [(starts[a], starts[b] + len(tokens[b]), canonical(kind)) for kind, a, b in decode_bio(tags)]
        notes.append(GoldNote(str(len(notes) + 1), " ".join(tokens), spans))
        tokens.clear()
        tags.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("-DOCSTART-"):
            flush()
            continue
        cols = line.split("\t") if "\t" in line else line.split()
        tokens.append(cols[0])
        tags.append(cols[-1] if len(cols) > 1 else "O")
    flush()
    return notes


def _f2(p: float, r: float) -> float:
    return round(5 * p * r / (4 * p + r), 4) if p + r else 0.0


def score(notes: list[GoldNote], detected: list[list]) -> dict:
    """Token and entity recall and precision per type, overall, and F2 (see the module doc)."""
    tok_gold, tok_found, tok_pred, tok_pred_ok = Counter(), Counter(), Counter(), Counter()
    ent_gold, ent_found, ent_pred, ent_pred_ok = Counter(), Counter(), Counter(), Counter()
    for note, spans in zip(notes, detected):
        for m in re.finditer(r"\w+", note.text):
            gold = next((lab for s, e, lab in note.spans if s <= m.start() < e), None)
            pred = next((s.label for s in spans if s.start <= m.start() < s.end), None)
            if gold is not None:
                tok_gold[gold] += 1
                tok_found[gold] += pred is not None
            if pred is not None:
                tok_pred[pred] += 1
                tok_pred_ok[pred] += gold is not None
        for s, e, lab in note.spans:
            ent_gold[lab] += 1
            ent_found[lab] += any(p.start < e and s < p.end for p in spans)
        for p in spans:
            ent_pred[p.label] += 1
            ent_pred_ok[p.label] += any(p.start < e and s < p.end for s, e, _ in note.spans)

    def ratio(a, b):
        return round(a / b, 4) if b else None

    per = {}
    for lab in sorted(set(tok_gold) | set(tok_pred) | set(ent_gold) | set(ent_pred)):
        per[lab] = {"gold_tokens": tok_gold[lab], "token_recall": ratio(tok_found[lab], tok_gold[lab]),
                    "token_precision": ratio(tok_pred_ok[lab], tok_pred[lab]), "gold_entities": ent_gold[lab],
                    "entity_recall": ratio(ent_found[lab], ent_gold[lab]),
                    "entity_precision": ratio(ent_pred_ok[lab], ent_pred[lab])}
    r = (sum(tok_found.values()) / sum(tok_gold.values())) if tok_gold else 1.0
    p = (sum(tok_pred_ok.values()) / sum(tok_pred.values())) if tok_pred else 1.0
    er = (sum(ent_found.values()) / sum(ent_gold.values())) if ent_gold else 1.0
    ep = (sum(ent_pred_ok.values()) / sum(ent_pred.values())) if ent_pred else 1.0
    return {"notes": len(notes), "per_type": per, "token_recall": round(r, 4), "token_precision": round(p, 4),
            "token_f2": _f2(p, r), "entity_recall": round(er, 4), "entity_precision": round(ep, 4),
            "entity_f2": _f2(ep, er)}


def table(scores: dict) -> str:
    """The scores as a plain-text table (one row per type, then all)."""
    head = f"{'type':<14}{'gold tok':>9}{'tok R':>8}{'tok P':>8}{'gold ent':>9}{'ent R':>8}{'ent P':>8}"

    def f(v):
        return f"{v:>8.3f}" if v is not None else f"{'-':>8}"

    lines = [head]
    for lab, s in scores["per_type"].items():
        lines.append(f"{lab:<14}{s['gold_tokens']:>9}{f(s['token_recall'])}{f(s['token_precision'])}"
                     f"{s['gold_entities']:>9}{f(s['entity_recall'])}{f(s['entity_precision'])}")
    lines.append(f"{'all':<14}{'':>9}{f(scores['token_recall'])}{f(scores['token_precision'])}{'':>9}"
                 f"{f(scores['entity_recall'])}{f(scores['entity_precision'])}")
    lines.append(f"token F2 {scores['token_f2']:.3f} · entity F2 {scores['entity_f2']:.3f} · "
                 f"{scores['notes']} note(s)")
    return "\n".join(lines)
