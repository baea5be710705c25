"""The one progress bar of the pages: the core's ``(done, total)`` callback drawn as ``st.progress`` with counts and
a time-left estimate ("37/100 documents · about 12 s left"), removed when the step ends (done or failed)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

import streamlit as st
from streamlit.errors import NoSessionContext

from biofm.progress import TimeLeft, progress_text

# what a task's input is called in counts, by input kind
UNITS = {"text": "documents", "report": "reports", "smiles": "molecules"}
MIN_INTERVAL_S = 0.1  # at most ten redraws a second (the last one always drawn)


@contextlib.contextmanager
def progress_bar(text: str, unit: str = "items",
                 clock: Callable[[], float] = time.monotonic) -> Iterator[Callable[[int, int], None]]:
    """``with progress_bar("Classifying", "documents") as update: api.predict(..., progress=update)``.

    The bar shows ``text`` at once, then ``text: done/total unit · about N s left`` as the callback is called; it
    is removed when the block ends, so a finished (or failed) step leaves no bar behind."""
    slot = st.empty()
    slot.progress(0.0, text=f"{text}…")
    left, last = TimeLeft(clock), [-1.0]

    def update(done: int, total: int) -> None:
        seconds = left(done, total)
        now = clock()
        if done < total and now - last[0] < MIN_INTERVAL_S:
            return
        last[0] = now
        slot.progress(min(1.0, done / max(total, 1)), text=f"{text}: {progress_text(done, total, unit, seconds)}")

    try:
        yield update
    finally:
        try:
            slot.empty()
        except NoSessionContext:  # the session is gone (a closed tab, a generator closed by the collector): no bar
            pass
