"""Page actions that fail show a short, specific message; the traceback goes to ``<data dir>/logs/app.log``.

Streamlit's own error box (with its traceback) is off (``client.showErrorDetails = "none"``); every page action runs
inside :func:`guarded`, and the router catches whatever a page leaves unhandled.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

import streamlit as st

from webui.core import settings
from webui.text import md

log = logging.getLogger("biofm.app")


@st.cache_resource
def log_path() -> Path:
    """The app's log file (created with its directory on first use); biofm's loggers write to it."""
    path = Path(settings().data_dir) / "logs" / "app.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:  # a read-only data directory: the console still has the log
        return path
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("biofm")
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "…"


@contextlib.contextmanager
def guarded(what: str, hint: str = ""):
    """Run a page action; on failure show ``what`` failed, why (one line), what to do, and where the log is."""
    from biofm.io import InputError

    try:
        yield
    except InputError as exc:  # the input's fault, and its message already says which file and what: no traceback
        st.error(md(exc))
    except Exception as exc:  # noqa: BLE001  (Streamlit's rerun/stop are BaseExceptions and pass through)
        path = log_path()
        log.exception("%s failed", what)
        st.error(f"{what} failed: {md(short(exc))}. {hint + ' ' if hint else ''}The details are in `{path}`.",
                 icon=":material/error:")
