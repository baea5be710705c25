"""Colour columns that come from the input rather than the task: every extra column of the input file."""

from __future__ import annotations

from collections.abc import Sequence


def input_columns(records: Sequence) -> dict[str, list]:
    """Numeric columns as numbers; other columns with at most 30 distinct values as categories."""
    cols: dict[str, list] = {}
    extra = [getattr(r, "meta", {}).get("columns", {}) for r in records]
    for name in sorted({k for e in extra for k in e}):
        values = [e.get(name, "") for e in extra]
        try:
            cols[name] = [float(v) for v in values]
        except ValueError:
            if len(set(values)) <= 30:
                cols[name] = values
    return cols
