"""Rule recognisers for structured identifiers (HIPAA Safe Harbor), each validated beyond its pattern.

Labels: DATE, AGE (over 89), ID (MRN, SSN, account, licence, card numbers), CONTACT (phone, fax, email, URL, IP),
LOCATION (ZIP codes next to a state, street addresses). Names, places and organisations are left to the model.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from dataclasses import asdict, dataclass

MONTHS = ("jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
          "oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
STATES = ("AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|"
          "OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC")


@dataclass
class Span:
    start: int
    end: int
    label: str
    text: str
    score: float = 1.0
    source: str = "rules"

    def as_dict(self) -> dict:
        return asdict(self)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _valid_ssn(m: re.Match) -> bool:
    area, group, serial = m.group(1), m.group(2), m.group(3)
    return area not in ("000", "666") and not area.startswith("9") and group != "00" and serial != "0000"


def _valid_numeric_date(m: re.Match) -> bool:
    a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    y = y + (2000 if y < 50 else 1900) if y < 100 else y
    for month, day in ((a, b), (b, a)):  # US or day-first
        try:
            dt.date(y, month, day)
            return 1900 <= y <= 2100
        except ValueError:
            continue
    return False


def _valid_iso_date(m: re.Match) -> bool:
    try:
        dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return True
    except ValueError:
        return False


def _valid_ip(m: re.Match) -> bool:
    try:
        ipaddress.ip_address(m.group(0))
        return True
    except ValueError:
        return False


def _valid_card(m: re.Match) -> bool:
    digits = re.sub(r"\D", "", m.group(0))
    return 13 <= len(digits) <= 19 and _luhn(digits)


def _always(_m: re.Match) -> bool:
    return True


def _not_street(m: re.Match) -> bool:
    """A title, not the "Dr" of a street address ("12 Oak Dr. Lives alone")."""
    return not re.search(r"\d{1,5}\s+(?:[A-Z][a-z]+\s){1,3}$", m.string[max(0, m.start() - 60):m.start()])


# (label, pattern, validator, group holding the identifier)
RULES: list[tuple[str, re.Pattern, object, int]] = [
    ("ID", re.compile(r"\b(\d{3})-(\d{2})-(\d{4})\b"), _valid_ssn, 0),
    ("ID", re.compile(r"\b(?:\d{4}[ -]){3}\d{1,7}\b|\b\d{13,19}\b"), _valid_card, 0),
    ("ID", re.compile(r"(?i)\b(?:MRN|medical record(?: number| no\.?)?|record (?:number|no\.?)|acct|"
                      r"account(?: number| no\.?)?|member id|policy(?: number| no\.?)?|plan id|"
                      r"licen[cs]e(?: number| no\.?)?|DL|NPI|DEA|"
                      r"device (?:serial|id)|serial(?: number| no\.?)?|patient id|ID)\s*(?:#|no\.?|number)?\s*[:=]?\s*"
                      r"([A-Z]{0,4}[-]?\d[\dA-Z-]{3,15})\b"), _always, 1),
    ("ID", re.compile(r"\b\d{7,12}\b"), _always, 0),
    ("CONTACT", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), _always, 0),
    ("CONTACT", re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:)]"), _always, 0),
    ("CONTACT", re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"), _valid_ip, 0),
    ("CONTACT", re.compile(r"(?<![\w-])(?:\+?1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}"
                           r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?![\w-])"), _always, 0),
    ("CONTACT", re.compile(r"(?<![\w-])\+\d{1,3}[ .-]?(?:\(?\d{1,4}\)?[ .-]?){2,4}\d{2,4}(?![\w-])"), _always, 0),
    ("DATE", re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), _valid_iso_date, 0),
    ("DATE", re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b"), _valid_numeric_date, 0),
    ("DATE", re.compile(rf"(?i)\b(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b"), _always, 0),
    ("DATE", re.compile(rf"(?i)\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{MONTHS})\.?(?:,?\s+\d{{4}})?\b"),
     _always, 0),
    ("DATE", re.compile(rf"(?i)\b(?:{MONTHS})\.?\s+\d{{4}}\b"), _always, 0),
    ("AGE", re.compile(r"(?i)\b(9\d|1[01]\d)(?=[- ]?(?:years?[- ]old|yo\b|y/o|y\.o\.|year-old|yrs?\b))"), _always, 1),
    ("AGE", re.compile(r"(?i)(?<=\bage[d:]\s)(9\d|1[01]\d)\b|(?<=\bage\s)(9\d|1[01]\d)\b"), _always, 0),
    ("LOCATION", re.compile(rf"\b(?:{STATES})\s+(\d{{5}}(?:-\d{{4}})?)\b"), _always, 1),
    ("LOCATION", re.compile(r"(?i)\bzip(?: code)?:?\s*(\d{5}(?:-\d{4})?)\b"), _always, 1),
    ("NAME", re.compile(r"\b(?:Dr|Mr|Mrs|Ms|Miss|Prof)\.?[ \t]+([A-Z][A-Za-z'-]+(?:[ \t]+[A-Z]\.)?"
                        r"(?:[ \t]+[A-Z][A-Za-z'-]+)?)"), _not_street, 1),
    ("LOCATION", re.compile(r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|"
                            r"Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Circle|Parkway|Pkwy)\b\.?"), _always, 0),
]


def find_rule_spans(text: str) -> list[Span]:
    """Every validated rule match, longest first where they overlap."""
    found: list[Span] = []
    for label, pattern, valid, group in RULES:
        for m in pattern.finditer(text):
            g = group if m.group(group) is not None else next(
                (k for k in range(1, (pattern.groups or 0) + 1) if m.group(k) is not None), 0)
            if valid(m):
                found.append(Span(m.start(g), m.end(g), label, m.group(g)))
    return merge_spans(found)


def merge_spans(spans: list) -> list:
    """Non-overlapping spans: where two overlap, the longer one stays (the earlier one on a tie)."""
    kept: list = []
    for s in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        if all(s.end <= k.start or s.start >= k.end for k in kept):
            kept.append(s)
    return sorted(kept, key=lambda s: s.start)
