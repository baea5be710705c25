"""De-identify text given identifier spans: ``redact`` ([NAME]), ``mask`` (same length of *), or ``surrogate``.

Surrogates are realistic fakes, consistent across a batch (one :class:`Surrogates` per batch: the same name always maps
to the same fake), and dates move by one random offset per patient (keyed by the document's first NAME, else its
id), so intervals between a patient's dates survive.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re

ACTIONS = ("redact", "mask", "surrogate")
DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%B %d, %Y", "%b %d, %Y", "%d %b %Y", "%d %B %Y", "%m/%d/%y", "%m-%d-%Y",
                "%B %d %Y", "%b %d %Y", "%B %Y", "%b %Y")


class Surrogates:
    """Consistent fakes for one batch. ``seed`` fixes them (e.g. per project); the mapping never leaves memory."""

    def __init__(self, seed: int | None = None) -> None:
        from faker import Faker

        self.seed = random.SystemRandom().randrange(2**31) if seed is None else seed
        self.fake = Faker("en_US")
        self.fake.seed_instance(self.seed)
        self.known: dict[tuple[str, str], str] = {}
        self.shifts: dict[str, int] = {}

    def replace(self, label: str, text: str, patient: str) -> str:
        key = (label, text.strip().lower())
        if label == "DATE":
            return self._date(text, patient)
        if key not in self.known:
            self.known[key] = self._fake(label, text)
        return self.known[key]

    def _fake(self, label: str, text: str) -> str:
        f = self.fake
        if label == "NAME":
            return f.last_name() if " " not in text.strip() and "," not in text else f"{f.first_name()} {f.last_name()}"
        if label == "AGE":
            return "90+"
        if label == "ID":
            letters = re.sub(r"[A-Za-z]", lambda _: f.random_uppercase_letter(), text)
            return re.sub(r"\d", lambda _: str(f.random_digit()), letters)
        if label == "CONTACT":
            if "@" in text:
                return f.email()
            if re.search(r"(?i)https?://|www\.", text):
                return f.url()
            return re.sub(r"\d", lambda _: str(f.random_digit()), text)
        if label == "LOCATION":
            return f.zipcode() if re.fullmatch(r"\d{5}(-\d{4})?", text.strip()) else f.city()
        return f.company()

    def _date(self, text: str, patient: str) -> str:
        shift = self.shifts.setdefault(patient, self._offset(patient))
        for fmt in DATE_FORMATS:
            try:
                day = dt.datetime.strptime(text.strip(), fmt).date()
            except ValueError:
                continue
            return (day + dt.timedelta(days=shift)).strftime(fmt)
        return "[DATE]"  # a form the shift cannot parse is redacted rather than kept

    def _offset(self, patient: str) -> int:
        digest = hashlib.sha256(f"{self.seed}:{patient}".encode()).digest()
        return -int.from_bytes(digest[:4], "big") % 365 - 1  # 1-365 days earlier


def patient_key(text: str, spans, doc_id: str) -> str:
    names = [text[s.start:s.end] for s in spans if s.label == "NAME"]
    return names[0].strip().lower() if names else f"doc:{doc_id}"


def deidentify(text: str, spans, action: str = "redact", surrogates: Surrogates | None = None,
               doc_id: str = "") -> str:
    """``text`` with every span replaced by the action (spans: objects with start, end, label)."""
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
    if action == "surrogate" and surrogates is None:
        surrogates = Surrogates()
    patient = patient_key(text, spans, doc_id)
    out, pos = [], 0
    for s in sorted(spans, key=lambda s: s.start):
        if s.start < pos:
            continue
        out.append(text[pos:s.start])
        original = text[s.start:s.end]
        if action == "redact":
            out.append(f"[{s.label}]")
        elif action == "mask":
            out.append(re.sub(r"\S", "*", original))
        else:
            out.append(surrogates.replace(s.label, original, patient))
        pos = s.end
    return "".join(out) + text[pos:]
