"""The PHI gate on the text pages: an input is scanned first (every field: text, id, file name, each column, with the
site's lists); identifiers are counted and highlighted with why each was flagged; the user de-identifies (default)
or runs as-is with an acknowledgement written to the audit log. ``require`` refuses the identified input (only its
de-identified copy may run); ``off`` skips the scan (settings: ``BIOFM_PHI_GATE``). Logic: :mod:`biofm.phi.gate`."""

from __future__ import annotations

import html

import streamlit as st

from biofm.tasks import get_task
from webui.core import settings
from webui.progress import progress_bar

ACTIONS = {"redact": "Redact ([NAME])", "mask": "Mask (****)", "surrogate": "Surrogates (realistic fakes)"}
COLOURS = {"NAME": "#ffd6a5", "DATE": "#caffbf", "AGE": "#fdffb6", "ID": "#ffadad", "CONTACT": "#a0c4ff",
           "LOCATION": "#bdb2ff", "ORGANIZATION": "#ffc6ff"}
SCANNING = "Checking for protected health information (every text, id, file name and column)"


def gated(task: str) -> bool:
    """Text tasks (not PHI detection itself) go through the gate unless it is off."""
    from biofm.phi.gate import applies

    return settings().phi_gate != "off" and applies(get_task(task))


def scan_or_pass(key: str, task: str, result) -> bool:
    """Scan every field of the read records; True when they may run now (no identifiers). Otherwise the gate is
    pending (its panel shows on the next run)."""
    from biofm.phi.gate import find

    with progress_bar(SCANNING, "fields") as update:
        findings, scanned, unscanned = find(result.records, settings=settings(), progress=update)
    if not findings:
        return True
    st.session_state[f"{key}-gate"] = {"task": task, "result": result, "findings": findings, "scanned": scanned,
                                       "unscanned": unscanned}
    return False


def why(span) -> str:
    """Why a span was flagged: its reason (rule name, model score, list entry), else its source and score."""
    reason = getattr(span, "reason", "") or ""
    return reason or f"{getattr(span, 'source', 'model')} {getattr(span, 'score', 1.0):.2f}"


def highlighted(text: str, entities) -> str:
    """HTML of ``text`` with each identifier marked (every piece of user text escaped)."""
    out, pos = [], 0
    for e in sorted(entities, key=lambda e: e.start):
        if e.start < pos:
            continue
        out.append(html.escape(text[pos:e.start]))
        out.append(f'<mark style="background:{COLOURS.get(e.label, "#eee")}" title="{html.escape(e.label)} '
                   f'({html.escape(why(e))})">{html.escape(text[e.start:e.end])}'
                   f'<sub>{html.escape(e.label)}</sub></mark>')
        pos = e.end
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def gate_panel(key: str):
    """The pending gate's panel; returns (records to run, note) once the user continues, else None."""
    from biofm.phi.gate import GateResult, PhiRefused, audit, deidentify_findings

    state = st.session_state.get(f"{key}-gate")
    if not state:
        return None
    findings, records = state["findings"], state["result"].records
    cleaned = deidentify_findings(records, findings)  # ids shown below are the de-identified ones
    gate = GateResult(settings().phi_gate, records, findings, state["scanned"], state["unscanned"],
                      ids=[str(r.id) for r in cleaned])
    found, rows = gate.counts(), gate.rows_with_phi()
    st.warning("Protected health information found: " + ", ".join(f"{k} {v}" for k, v in sorted(found.items()))
               + f" in {len(rows)} of {len(records)} document(s).")
    st.caption(f"Scanned: {', '.join(state['scanned'])}."
               + (f" Not scanned: {', '.join(state['unscanned'])}." if state["unscanned"] else ""))
    require = settings().phi_gate == "require"
    if require:
        st.error(str(PhiRefused(gate)))
    with st.expander("Where (first 5 documents with identifiers)", expanded=True):
        for i in sorted({f.index for f in findings})[:5]:
            fields = [f for f in findings if f.index == i]
            st.text(f"row {fields[0].row} (id {gate.ids[i]}): " + "; ".join(
                f"{f.field}: " + ", ".join(f"{s.label} ({why(s)})" for s in f.spans) for f in fields))
            text_spans = gate.entities(i)
            if text_spans:  # st.html, not Markdown: the (escaped) note text must not be read as Markdown either
                st.html(f"<div style='margin-bottom:0.8em'>{highlighted(records[i].text, text_spans)}</div>")
    choice = "deid" if require else st.radio(
        "Before the model runs", ["deid", "asis"], key=f"{key}-gate-choice", horizontal=True,
        format_func=lambda c: "De-identify, then run" if c == "deid" else "Run as is (identified)")
    if require:
        st.caption("This installation requires de-identification (BIOFM_PHI_GATE=require): only the de-identified "
                   "copy may run.")
    action = st.selectbox("De-identify by", list(ACTIONS), format_func=ACTIONS.get, key=f"{key}-gate-action",
                          disabled=choice != "deid")
    ack = choice == "deid" or st.checkbox("I am allowed to process and store these identified notes here; record "
                                          "this in the audit log.", key=f"{key}-gate-ack")
    if not st.button("Continue", type="primary", key=f"{key}-gate-go", disabled=not ack):
        return None
    st.session_state.pop(f"{key}-gate")
    if choice == "deid":
        clean = deidentify_findings(records, findings, action)
        gate.sources = {str(a.meta.get("source")): str(b.meta.get("source")) for a, b in zip(records, clean)
                        if a.meta.get("source") != b.meta.get("source")}
        state["result"].errors = gate.clean_errors(state["result"].errors)  # file names in row errors too
        return clean, f"de-identified ({action}) before the model ran, in every scanned field"
    from webui.identity import acting_user

    audit(settings().data_dir, {"event": "phi_run_as_is", "user": acting_user(), "task": state["task"],
                                "documents": len(records), "rows_with_identifiers": len(rows), "identifiers": found})
    return records, "run as is (acknowledged; written to the audit log)"


def gate_training_upload(data: bytes, name: str, task: str, label_column: str | None = None):
    """A training upload through the gate before it is saved: (bytes to save, message) or None when refused
    (require: the refusal is shown). Not a text task, or the gate off: the bytes as they are. ``label_column``
    (kept as it is; None: ``label`` or ``labels``, whichever the file has)."""
    from biofm.io import InputError
    from biofm.phi.files import gate_training_bytes
    from biofm.phi.gate import PhiRefused

    if not gated(task):
        return data, ""
    try:
        with progress_bar(SCANNING, "fields") as update:
            clean, result = gate_training_bytes(data, name, settings(), label_column=label_column, task=task,
                                                progress=update)
    except PhiRefused as exc:
        st.error(f"Not saved: {exc}")
        return None
    except InputError as exc:
        st.error(f"Not saved: {exc}")
        return None
    return clean, (result.summary() if result is not None else "")


def gate_now(records, task: str):
    """Records that run at once (no panel, e.g. a dev file to compare models on): de-identified under ``warn``
    (said so), refused under ``require`` (the refusal shown; None), as they are when the gate is off."""
    from biofm.phi.gate import PhiRefused, check

    if not gated(task) or not records:
        return records
    try:
        with progress_bar(SCANNING, "fields") as update:
            result = check(records, settings().phi_gate, settings=settings(), task=task, progress=update)
    except PhiRefused as exc:
        st.error(str(exc))
        return None
    if result.findings:
        st.info(result.summary())
    return result.records
