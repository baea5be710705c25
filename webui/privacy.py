"""The Privacy page's widgets: the gate's mode, and the site's allow / deny / roster lists, edited and saved (0600).
Logic (parsing, files, matching): :mod:`biofm.phi.lists`."""

from __future__ import annotations

import streamlit as st

from webui.core import settings

HELP = {"allow": "Terms never flagged (a ward's name, an eponym), one a line.",
        "deny": "Terms always flagged, one a line; 'LABEL: term' gives the type (NAME, DATE, AGE, ID, CONTACT, "
                "LOCATION, ORGANIZATION), else ID.",
        "roster": "Names and record numbers of the patients in your batches, one a line; always flagged (a name "
                  "also as 'Last, First' and by its capitalised parts)."}
TITLES = {"allow": "Allow list", "deny": "Deny list", "roster": "Known-patient roster"}


def gate_mode_panel() -> None:
    s = settings()
    st.metric("PHI gate", s.phi_gate, help="BIOFM_PHI_GATE or phi_gate in the config file; --phi-gate on the CLI")
    st.caption({"require": "Input with identifiers is refused: only its de-identified copy may run.",
                "warn": "Input is scanned; identifiers are de-identified before anything runs or is stored, unless "
                        "you acknowledge running it as is (audited).",
                "off": "Nothing is scanned (explicitly switched off)."}[s.phi_gate])


def list_editor(kind: str) -> None:
    """One list's text area and Save button; the file's path, and a clear message for a bad line."""
    from biofm.phi.lists import list_paths, parse, read_list_text, save_list

    s = settings()
    path = list_paths(s)[kind]
    with st.form(f"privacy-{kind}"):
        text = st.text_area(TITLES[kind], value=read_list_text(s, kind), height=160, key=f"privacy-{kind}-text",
                            help=HELP[kind])
        saved = st.form_submit_button(f"Save the {TITLES[kind].lower()}")
    st.caption(f"File: {path} · {len(parse(kind, text)[0])} entries")
    if saved:
        try:
            save_list(s, kind, text)
        except (ValueError, OSError) as exc:
            st.error(f"Not saved: {exc}")
        else:
            st.success(f"Saved {TITLES[kind].lower()} to {path}.")


def try_lists() -> None:
    """Paste a sentence; see which list entries would flag or spare which words (no model: the lists only)."""
    from biofm.phi.lists import load_lists

    text = st.text_input("Try the lists on a sentence", key="privacy-try")
    if not text:
        return
    try:
        hits = load_lists(settings()).hits(text)
    except ValueError as exc:
        st.error(str(exc))
        return
    if not hits:
        st.caption("No deny-list or roster entry matches.")
    for h in hits:
        st.text(f"{h.label}: {text[h.start:h.end]} ({h.reason})")
