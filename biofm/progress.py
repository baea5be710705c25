"""Progress of long work in words: counts and a time-left estimate from the ``(done, total)`` calls of a progress
callback (:data:`biofm.inference.Progress`). Task-free and display-free: the pages draw it as ``st.progress``
(:mod:`webui.progress`), the CLI as a tqdm bar."""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class TimeLeft:
    """Seconds left, estimated at a constant rate since the first report: ``elapsed * (total - done) / made``
    where ``made`` counts the items finished since then. ``None`` until something has been finished."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.start: float | None = None
        self.first = 0

    def __call__(self, done: int, total: int) -> float | None:
        now = self.clock()
        if self.start is None:
            self.start, self.first = now, done
            return None
        made = done - self.first
        if made <= 0:
            return None
        return max(0.0, (now - self.start) * max(total - done, 0) / made)


def time_left_text(seconds: float | None) -> str:
    """``about 12 s left``, ``about 3 min left``, ``about 1 h 5 min left``; empty when unknown."""
    if seconds is None:
        return ""
    if seconds < 1:
        return "under a second left"
    if seconds < 60:
        return f"about {math.ceil(seconds)} s left"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} min left"
    return f"about {minutes // 60} h {minutes % 60} min left"


def progress_text(done: int, total: int, unit: str = "items", seconds_left: float | None = None) -> str:
    """``37/100 notes · about 12 s left`` (the estimate left out while unknown or once everything is done)."""
    text = f"{done:,}/{total:,} {unit}"
    left = time_left_text(seconds_left) if done < total else ""
    return f"{text} · {left}" if left else text
