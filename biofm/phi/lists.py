"""Lists a site edits for the PHI gate: an allow list, a deny list and a known-patient roster.

* **allow** (``allow.txt``): terms never flagged (a ward name, an eponym, a drug the model mistakes for a name). A
  detector span that lies inside an occurrence of an allowed term is dropped.
* **deny** (``deny.txt``): terms always flagged. A line is ``term`` (flagged as ``ID``, Safe Harbor's "any other
  unique identifying number, characteristic, or code") or ``LABEL: term`` with a PHI label (``LOCATION: Ward 7B``).
* **roster** (``roster.txt``): the names and record numbers of the patients in a batch, always flagged. A name also
  matches in "Last, First" order, and each of its parts (3 letters or more) matches when written capitalised
  ("Ms. Doe"); an entry holding a digit is a record number (``ID``), matched as written.

Files hold one entry a line; a line starting with ``#`` is a comment. Matching is case-insensitive, on whole words, with any run of
spaces matching any other (Presidio's allow/deny lists work the same way). Paths come from the settings
(``BIOFM_PHI_ALLOW``, ``BIOFM_PHI_DENY``, ``BIOFM_PHI_ROSTER`` or the config file) and default to
``<data dir>/phi/{allow,deny,roster}.txt``; biofm writes them 0600. Every list hit says why (``reason``: the list and
the entry).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from biofm.entities import Entity

KINDS = ("allow", "deny", "roster")
PHI_LABELS = ("NAME", "DATE", "AGE", "ID", "CONTACT", "LOCATION", "ORGANIZATION")


@dataclass
class ListEntity(Entity):
    """A span flagged by a site list (``source``: ``deny`` or ``roster``; ``reason``: the entry that matched)."""

    source: str = "deny"
    reason: str = ""


@dataclass
class SiteLists:
    allow: list[str] = field(default_factory=list)
    deny: list[tuple[str, str]] = field(default_factory=list)  # (label, term)
    roster: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.allow or self.deny or self.roster)

    def apply(self, text: str, spans: list) -> list:
        """``spans`` (detector output) without those inside an allowed term, plus every deny/roster hit; where a
        list hit overlaps a detector span, the list hit is kept. Sorted by start."""
        allowed = [(m.start(), m.end()) for term in self.allow for m in _finditer(term, text)]
        kept = [s for s in spans if not any(a <= s.start and s.end <= b for a, b in allowed)]
        hits = self.hits(text)
        kept = [s for s in kept if all(s.end <= h.start or s.start >= h.end for h in hits)]
        return sorted(kept + hits, key=lambda s: s.start)

    def hits(self, text: str) -> list[ListEntity]:
        """Deny and roster matches in ``text``, longest first where they overlap."""
        found: list[ListEntity] = []
        for label, term in self.deny:
            found += [ListEntity(m.start(), m.end(), label, m.group(), 1.0, "deny", f"deny list: {term}")
                      for m in _finditer(term, text)]
        for entry in self.roster:
            label = "ID" if re.search(r"\d", entry) else "NAME"
            for form in _roster_forms(entry) if label == "NAME" else [entry]:
                found += [ListEntity(m.start(), m.end(), label, m.group(), 1.0, "roster", f"roster: {entry}")
                          for m in _finditer(form, text)]
            if label == "NAME":
                for part in re.findall(r"[^\W\d_][\w'-]{2,}", entry):
                    pattern = re.compile(rf"(?<![\w-]){re.escape(part[:1].upper() + part[1:])}(?![\w-])")
                    found += [ListEntity(m.start(), m.end(), label, m.group(), 1.0, "roster", f"roster: {entry}")
                              for m in pattern.finditer(text)]
        kept: list[ListEntity] = []
        for s in sorted(found, key=lambda s: (-(s.end - s.start), s.start)):
            if all(s.end <= k.start or s.start >= k.end for k in kept):
                kept.append(s)
        return sorted(kept, key=lambda s: s.start)


def _roster_forms(name: str) -> list[str]:
    parts = name.replace(",", " ").split()
    forms = [name]
    if "," in name and len(parts) >= 2:  # "Doe, Jane" -> also "Jane Doe"
        forms.append(" ".join(parts[1:] + parts[:1]))
    elif len(parts) >= 2:  # "Jane Doe" -> also "Doe, Jane" and "Doe Jane"
        forms += [f"{parts[-1]}, {' '.join(parts[:-1])}", " ".join(parts[-1:] + parts[:-1])]
    return forms


def _finditer(term: str, text: str):
    words = term.split()
    if not words:
        return iter(())
    body = r"\s+".join(re.escape(w) for w in words)
    return re.finditer(rf"(?i)(?<![\w]){body}(?![\w])", text)


def parse(kind: str, text: str) -> tuple[list, list[str]]:
    """Entries of a list file's text, and one message per line that cannot be used (deny: an unknown label)."""
    entries, problems = [], []
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if kind == "deny":
            head, sep, rest = line.partition(":")
            if sep and head.strip().upper() in PHI_LABELS and rest.strip():
                entries.append((head.strip().upper(), rest.strip()))
            elif sep and head.strip().isupper() and " " not in head.strip() and rest.strip():
                problems.append(f"line {n}: unknown label {head.strip()!r} (use one of {', '.join(PHI_LABELS)})")
            else:
                entries.append(("ID", line))
        else:
            entries.append(line)
    return entries, problems


def list_paths(settings) -> dict[str, Path]:
    """The file of each list: the setting (``phi_allow``, ``phi_deny``, ``phi_roster``) or ``<data dir>/phi/``."""
    base = Path(settings.data_dir) / "phi"
    return {k: Path(getattr(settings, f"phi_{k}", "") or base / f"{k}.txt").expanduser() for k in KINDS}


def load_lists(settings) -> SiteLists:
    """The site's lists from their files (a missing file is an empty list); raises ValueError on a bad line."""
    values = {}
    for kind, path in list_paths(settings).items():
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        entries, problems = parse(kind, text)
        if problems:
            raise ValueError(f"{path}: " + "; ".join(problems))
        values[kind] = entries
    return SiteLists(**values)


def read_list_text(settings, kind: str) -> str:
    path = list_paths(settings)[kind]
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def save_list(settings, kind: str, text: str) -> Path:
    """Write one list's file (0600, its folder 0700) after checking every line; returns the path."""
    if kind not in KINDS:
        raise ValueError(f"list must be one of {', '.join(KINDS)}")
    _, problems = parse(kind, text)
    if problems:
        raise ValueError("; ".join(problems))
    path = list_paths(settings)[kind]
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text if text.endswith("\n") or not text else text + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path
