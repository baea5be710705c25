"""True labels given as codes (``1``-``5``) and the mapping from codes to a model's label names."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

LABEL_COLUMN_GUESSES = ("label", "true_label", "labels", "gold", "gold_label", "category", "class", "condition_label",
                        "diagnosis", "target")


def _as_int(value) -> int | None:
    text = str(value).strip()
    if re.fullmatch(r"[+-]?\d+(\.0*)?", text):
        return int(float(text))
    return None


def code_text(value) -> str:
    """A true-label value as the text it is matched by: ``2``, ``2.0`` and ``"2"`` are all ``"2"``."""
    number = _as_int(value)
    return str(number) if number is not None else str(value).strip()


def unknown_codes(values: Iterable, names: Sequence[str]) -> list[str]:
    """The distinct true-label values (as :func:`code_text`) that are not among the model's label names, in code
    order (numbers by value, then text)."""
    known = set(names)
    found = {code_text(v) for v in values if v is not None and str(v).strip() != ""} - known
    return sorted(found, key=lambda c: (_as_int(c) is None, _as_int(c) or 0, c))


def default_code_mapping(codes: Sequence[str], names: Sequence[str]) -> dict[str, str]:
    """A mapping to start from when every code is a whole number within ``1..n`` (or ``0..n-1`` when a 0 is among
    them) for a model with ``n`` labels: code k takes the model's k-th label (its order on the card). ``{}``
    otherwise (text codes, or more codes than labels).

    This is a guess (a file's codes can mean the labels in any order): the page shows it for the user to check."""
    numbers = [_as_int(c) for c in codes]
    if not codes or None in numbers:
        return {}
    low = 0 if 0 in numbers else 1
    if min(numbers) < low or max(numbers) >= low + len(names):
        return {}
    return {c: names[n - low] for c, n in zip(codes, numbers)}


def format_code_mapping(mapping: dict[str, str]) -> str:
    """``1=cardiovascular diseases, 2=neoplasms`` (the text :func:`parse_code_mapping` reads)."""
    return ", ".join(f"{code}={name}" for code, name in mapping.items())


def parse_code_mapping(text: str, names: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """``code=label`` pairs separated by commas, semicolons or new lines -> (mapping, problems).

    A label is matched to the model's names case-insensitively (written as the model writes it); a label the model
    does not have is kept as written (those rows count as wrong) and named in the problems, as are a pair with no
    ``=`` and a code given twice. Codes are compared as :func:`code_text` (``2.0`` is ``2``)."""
    by_lower = {n.lower(): n for n in names}
    mapping: dict[str, str] = {}
    problems: list[str] = []
    for part in re.split(r"[,;\n]", text or ""):
        part = part.strip()
        if not part:
            continue
        code, eq, name = part.partition("=")
        code, name = code_text(code), name.strip()
        if not eq or not code or not name:
            problems.append(f"'{part}' is not code=label")
            continue
        if code in mapping:
            problems.append(f"code {code} is given twice (kept {mapping[code]!r})")
            continue
        if name.lower() not in by_lower:
            problems.append(f"{name!r} is not one of the model's labels")
        mapping[code] = by_lower.get(name.lower(), name)
    return mapping, problems


def map_codes(values: Iterable, mapping: dict[str, str]) -> list[str]:
    """Each true-label value as a label name: mapped when its code is in ``mapping``, else as text."""
    return [mapping.get(code_text(v), code_text(v)) for v in values]
