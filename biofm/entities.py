"""Entity spans, the output of span tasks (NER, PHI): the span type and BIO decoding. A leaf: it imports nothing from
biofm, so metrics, PHI rules and explanations use it without importing a task."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass


@dataclass
class Entity:
    """A character span ``text[start:end]`` of the input, its type (``label``) and a score in [0, 1]."""

    start: int
    end: int
    label: str
    text: str
    score: float

    def as_dict(self) -> dict:
        return asdict(self)


def decode_bio(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """(type, first, last) word spans from BIO tags; an I- tag that does not continue its type starts an entity."""
    spans: list[tuple[str, int, int]] = []
    current: list | None = None
    for i, tag in enumerate(tags):
        prefix, kind = (tag[:2], tag[2:]) if tag[:2] in ("B-", "I-") else ("O", "")
        if prefix == "I-" and current is not None and current[0] == kind:
            current[2] = i
            continue
        if current is not None:
            spans.append(tuple(current))
            current = None
        if prefix in ("B-", "I-"):
            current = [kind, i, i]
    if current is not None:
        spans.append(tuple(current))
    return spans


def entity_types(labels) -> list[str]:
    """The entity types of a BIO tag set (``B-Chemical``, ``I-Chemical`` -> ``Chemical``)."""
    return sorted({lab[2:] for lab in labels if lab[:2] in ("B-", "I-")})
