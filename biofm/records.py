"""Typed records that flow from readers to models, and the per-row errors readers report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class TextRecord:
    """One clinical document (a note, an abstract, a report)."""

    id: str
    text: str
    label: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RowError:
    """A row (1-based, 0 for the whole file) that could not be read, and why."""

    row: int
    field: str
    message: str
    source: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "row": self.row, "field": self.field, "message": self.message}


def record_row(record) -> int:
    """The input row a record came from (molecule records carry it; text records keep it in ``meta``)."""
    row = getattr(record, "row", 0) or getattr(record, "meta", {}).get("row", 0)
    return int(row or 0)


@dataclass
class ReadResult:
    records: list[TextRecord]
    errors: list[RowError]
    columns: list[str] = field(default_factory=list)
    text_column: str | None = None

    def extend(self, other: "ReadResult") -> None:
        self.records.extend(other.records)
        self.errors.extend(other.errors)
