"""The PHI gate on the text pages: an upload is scanned first; identifiers are counted and highlighted; the user
de-identifies (default) or runs as-is with an acknowledgement written to the audit log. ``require`` allows only the
first; ``off`` skips the scan (settings: ``BIOFM_PHI_GATE``)."""

from __future__ import annotations

import html

import streamlit as st

from biofm.tasks import get_task
from webui.core import settings

ACTIONS = {"redact": "Redact ([NAME])", "mask": "Mask (****)", "surrogate": "Surrogates (realistic fakes)"}
COLOURS = {"NAME": "#ffd6a5", "DATE": "#caffbf", "AGE": "#fdffb6", "ID": "#ffadad", "CONTACT": "#a0c4ff",
           "LOCATION": "#bdb2ff", "ORGANIZATION": "#ffc6ff"}


def gated(task: str) -> bool:
    """Text tasks (not PHI detection itself) go through the gate unless it is off."""
    return settings().phi_gate != "off" and get_task(task).input_kind in ("text", "report") and task != "phi"


def scan_or_pass(key: str, task: str, result) -> bool:
    """Scan the read records; True when they may run now (no identifiers). Otherwise the gate is pending."""
    from biofm.phi.gate import counts, scan

    with st.spinner("Checking for protected health information"):
        preds = scan(result.records, model=get_task("phi").default_model, settings=settings())
    if not counts(preds):
        return True
    st.session_state[f"{key}-gate"] = {"task": task, "result": result, "phi": preds}
    return False


def highlighted(text: str, entities) -> str:
    """HTML of ``text`` with each identifier marked (every piece of user text escaped)."""
    out, pos = [], 0
    for e in sorted(entities, key=lambda e: e.start):
        if e.start < pos:
            continue
        out.append(html.escape(text[pos:e.start]))
        out.append(f'<mark style="background:{COLOURS.get(e.label, "#eee")}" title="{html.escape(e.label)} '
                   f'({html.escape(e.source)})">{html.escape(text[e.start:e.end])}'
                   f'<sub>{html.escape(e.label)}</sub></mark>')
        pos = e.end
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def gate_panel(key: str):
    """The pending gate's panel; returns (records to run, note) once the user continues, else None."""
    from biofm.phi.gate import audit, counts, deidentify_records

    state = st.session_state.get(f"{key}-gate")
    if not state:
        return None
    preds, records = state["phi"], state["result"].records
    found = counts(preds)
    st.warning("Protected health information found: " + ", ".join(f"{k} {v}" for k, v in sorted(found.items()))
               + f" in {sum(1 for e in preds.entities if e)} of {len(records)} document(s).")
    with st.expander("Where (first 5 documents with identifiers)", expanded=True):
        shown = [(r, e) for r, e in zip(records, preds.entities) if e][:5]
        for rec, ents in shown:
            # st.html, not Markdown: the (escaped) note text must not be read as Markdown either
            st.html(f"<div style='margin-bottom:0.8em'>{highlighted(rec.text, ents)}</div>")
    require = settings().phi_gate == "require"
    choice = "deid" if require else st.radio(
        "Before the model runs", ["deid", "asis"], key=f"{key}-gate-choice", horizontal=True,
        format_func=lambda c: "De-identify, then run" if c == "deid" else "Run as is (identified)")
    if require:
        st.caption("This installation requires de-identification (BIOFM_PHI_GATE=require).")
    action = st.selectbox("De-identify by", list(ACTIONS), format_func=ACTIONS.get, key=f"{key}-gate-action",
                          disabled=choice != "deid")
    ack = choice == "deid" or st.checkbox("I am allowed to process and store these identified notes here; record "
                                          "this in the audit log.", key=f"{key}-gate-ack")
    if not st.button("Continue", type="primary", key=f"{key}-gate-go", disabled=not ack):
        return None
    st.session_state.pop(f"{key}-gate")
    if choice == "deid":
        return deidentify_records(records, preds, action), f"de-identified ({action}) before the model ran"
    from webui.identity import acting_user

    audit(settings().data_dir, {"event": "phi_run_as_is", "user": acting_user(), "task": state["task"],
                                "documents": len(records), "identifiers": found})
    return records, "run as is (acknowledged; written to the audit log)"
