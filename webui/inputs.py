"""Input widgets (paste or upload), reading with row errors, and one run of a task's model per submit."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from biofm import api
from biofm.records import RowError
from biofm.tasks import get_task
from webui.core import loaded_model, settings
from webui.errors import guarded
from webui.progress import UNITS, progress_bar
from webui.text import md

PASTE = {"text": ("Notes", "Paste a note, or several with 'one per line' ticked."),
         "report": ("Reports", "Paste one or more reports, separated by a blank line."),
         "smiles": ("SMILES, one per line (optionally followed by a name)", "CC(=O)Oc1ccccc1C(=O)O aspirin")}


INPUT_NAMES = {"text": "Text", "report": "Report", "smiles": "SMILES"}  # as the field writes them (not "Smiles")


def show_row_errors(errors: list[RowError]) -> None:
    if not errors:
        return
    st.warning(f"{len(errors)} row(s) could not be used; every other row was processed.")
    with st.expander("Row errors", expanded=len(errors) <= 5):
        st.dataframe(pd.DataFrame([e.as_dict() for e in errors]), hide_index=True)


def _paste(kind, key: str, action: str, extra: dict):
    label, placeholder = PASTE.get(kind.input_kind, PASTE["text"])
    with st.form(f"{key}-paste"):
        text = st.text_area(label, height=200, key=f"{key}-text", placeholder=placeholder)
        per_line = kind.input_kind == "text" and st.checkbox("One document per line", key=f"{key}-one-per-line")
        if st.form_submit_button(action, type="primary"):
            return lambda: kind.read_paste(text, one_per_line=per_line, **extra)
    return None


def _column_options(kind, data: bytes, name: str, key: str, with_label: bool) -> dict:
    from biofm.io.text import guess_column, guess_text_by_content, looks_like_ids, peek_columns, peek_rows

    columns = peek_columns(data, name)
    if not columns:
        if name.lower().endswith(".txt") and kind.input_kind == "text":
            return {"one_per_line": st.checkbox("One document per line", key=f"{key}-upload-per-line")}
        return {}
    rows = peek_rows(data, name)
    with st.expander(f"Preview: the first {len(rows)} row(s) of {md(name)}", expanded=False):
        st.dataframe(pd.DataFrame(rows, columns=columns).astype(str), hide_index=True, key=f"{key}-preview")
    guess = kind.guess_text_column(columns)
    if guess is None and kind.input_kind != "smiles":
        guess = guess_text_by_content(rows, columns)
    opts = {"text_column": st.selectbox(f"{INPUT_NAMES.get(kind.input_kind, kind.input_kind)} column", columns,
                                        index=columns.index(guess) if guess else 0, key=f"{key}-text-column")}
    if kind.input_kind != "smiles" and looks_like_ids([r.get(opts["text_column"]) for r in rows]):
        st.warning(f"The column '{md(opts['text_column'])}' looks like ids or codes, not text (short, "
                   "distinct values): choose the column that holds the notes.")
    id_guess, id_options = guess_column(columns, "id"), ["(row number)"] + columns
    pick = st.selectbox("ID column", id_options, index=id_options.index(id_guess) if id_guess else 0,
                        key=f"{key}-id-column")
    opts["id_column"] = None if pick == "(row number)" else pick
    if with_label:
        label_options = ["(none)"] + columns
        label_guess = guess_column([c for c in columns if c not in (opts["text_column"], opts["id_column"])], "label")
        pick = st.selectbox("True label column (optional)", label_options, key=f"{key}-label-column",
                            index=label_options.index(label_guess) if label_guess else 0,
                            help="A column with each document's known class (names, or codes you can map to the "
                                 "model's labels after the run): scores the model against it.")
        opts["label_column"] = None if pick == "(none)" else pick
    return opts


def _as_example(result):
    """biofm's own example text (written for it, no patient data): the PHI gate has nothing to check there."""
    result.is_example = True
    return result


def document_input(task: str, key: str, action: str, with_label: bool = False, extra: dict | None = None):
    """Paste or upload widgets for a task's input. Returns a reader to call once ``action`` is pressed, else None.

    Every widget is drawn on every run (the example button does not hide Paste / Upload), and a result belongs to
    the input it was read from: a new upload, or a different model in the picker, clears the previous result so it
    can neither be shown nor sent to review as if it were the new input's (:func:`batch_result`)."""
    kind, s, extra = get_task(task), settings(), extra or {}
    reader = None
    if kind.example:
        left, right = st.columns([1, 3], vertical_alignment="center")
        right.caption(f"No data at hand? Run the model on biofm's example (`assets/examples/{kind.example}`).")
        if left.button("Try the example", key=f"{key}-example", icon=":material/play_arrow:"):
            reader = lambda: _as_example(kind.read_example(**extra))  # noqa: E731
            _input_changed(key, "example")
    source = st.radio("Input", ["Paste", "Upload a file"], horizontal=True, key=f"{key}-source")
    if source == "Paste":
        pasted = _paste(kind, key, action, extra)
        if pasted is not None:
            _input_changed(key, "paste")
        return reader or pasted
    upload = st.file_uploader(f"File ({', '.join('.' + t for t in kind.upload_types)})", type=list(kind.upload_types),
                              key=f"{key}-upload")
    if upload is None:
        return reader
    data = upload.getvalue()
    if reader is None:
        _input_changed(key, f"upload:{getattr(upload, 'file_id', '')}:{upload.name}:{len(data)}", keep_same=True)
    opts = {**_column_options(kind, data, upload.name, key, with_label), **extra}
    if st.button(action, type="primary", key=f"{key}-run"):
        return lambda: kind.read_upload(data, upload.name, max_rows=s.max_upload_rows,
                                        max_bytes=s.max_upload_mb * 2**20, max_chars=s.max_doc_chars, **opts)
    return reader


def _input_changed(key: str, signature: str, keep_same: bool = False) -> None:
    """Record which input the page now holds; a stored result read from another input is dropped. With
    ``keep_same`` an unchanged signature keeps the result (the same upload, seen again on a rerun)."""
    previous = st.session_state.get(f"{key}-input-sig")
    if keep_same and previous == signature:
        return
    st.session_state[f"{key}-input-sig"] = signature
    state = st.session_state.get(f"{key}-result")
    if state and state.get("input_sig") != signature and previous != signature:
        st.session_state.pop(f"{key}-result", None)


def current_model_choice(key: str) -> str | None:
    """The model name the page's picker shows now (None for a typed directory or before the picker is drawn)."""
    from webui.core import LOCAL_DIR_OPTION

    choice = st.session_state.get(f"{key}-model")
    return None if choice in (None, LOCAL_DIR_OPTION) else choice


def run_batch(task: str, spec, read, key: str, progress_text: str, **options) -> None:
    """Read the input and run the task's model once; the result lands in ``st.session_state[f"{key}-result"]``."""
    from webui.phi import gate_panel, gated, scan_or_pass

    if read is None:
        passed = gate_panel(key)
        if passed is None:
            return
        result, note = st.session_state.pop(f"{key}-gated-result"), passed[1]
        result.records = passed[0]
    else:
        if spec is None:
            st.error("Choose a model first.")
            return
        result = None
        with guarded("Reading the input", "Check the file's format and columns."):
            result = read()
        if result is None:
            st.session_state.pop(f"{key}-result", None)
            return
        note = ""
        st.session_state.pop(f"{key}-gate", None)
        if getattr(result, "is_example", False) and gated(task):
            note = "not scanned: this is biofm's example, written for it, with no patient data"
        elif result.records and gated(task) and not scan_or_pass(key, task, result):
            st.session_state[f"{key}-gated-result"] = result
            st.session_state.pop(f"{key}-result", None)
            st.rerun()
    _predict(task, spec, result, key, progress_text, note, **options)


def _predict(task: str, spec, result, key: str, progress_text: str, note: str, **options) -> None:
    """One run of the model; a record that makes it fail becomes that row's error and the others go on."""
    preds = None
    if result.records:
        with guarded(f"Running {spec.name}", "Try a smaller batch, or another model."):
            model = loaded_model(spec)
            with progress_bar(progress_text, UNITS.get(get_task(task).input_kind, "items")) as update:
                kept, preds, failed = api.predict_isolating(task, result.records, model, settings(), update,
                                                            **options)
            if failed:
                result.records[:] = kept
                result.errors.extend(failed)
            _move_rejected(result, preds.rejected)
        if preds is None:
            st.session_state.pop(f"{key}-result", None)
            return
    _reset_result_widgets(key)
    st.session_state[f"{key}-result"] = {"task": task, "preds": preds, "errors": result.errors, "spec": spec,
                                         "records": result.records, "read": result, "phi_note": note,
                                         "input_sig": st.session_state.get(f"{key}-input-sig")}


# widgets of the input form (kept across runs); every other "{key}-..." widget belongs to a result
INPUT_WIDGETS = ("model", "model-path", "source", "text", "one-per-line", "upload", "upload-per-line", "text-column",
                 "id-column", "label-column", "run", "example", "paste", "result", "gate", "gated-result", "gate-ack",
                 "gate-action", "gate-choice", "gate-go", "strip", "preview", "task", "from", "earlier", "input-sig",
                 "confidence", "kind-")  # a name ending in "-" keeps every widget it starts (one per model)


def _reset_result_widgets(key: str) -> None:
    """A new result starts with its pickers at their defaults (the first document, its predicted class), not at
    the previous run's choices."""
    keep = {f"{key}-{name}" for name in INPUT_WIDGETS}
    prefixes = tuple(f"{key}-{name}" for name in INPUT_WIDGETS if name.endswith("-"))
    for k in [k for k in st.session_state if isinstance(k, str) and k.startswith(f"{key}-") and k not in keep
              and not k.startswith(prefixes)]:
        del st.session_state[k]


def _move_rejected(result, rejected) -> None:
    """Records the model refused (with their reason) become row errors, so records and predictions stay aligned."""
    if rejected:
        rows = {(e.source, e.row) for e in rejected}
        result.records[:] = [r for r in result.records
                             if (r.meta.get("source", ""), getattr(r, "row", None) or r.meta.get("row")) not in rows]
        result.errors.extend(rejected)


def earlier_batches(exclude: str = "") -> dict[str, str]:
    """Batches already run on any page in this session, by page key, with a one-line description."""
    out = {}
    for k, state in st.session_state.items():
        if not (isinstance(k, str) and k.endswith("-result") and isinstance(state, dict) and "spec" in state):
            continue
        key = k[: -len("-result")]
        if key != exclude and state.get("preds") is not None and state["preds"].embeddings is not None:
            out[key] = (f"{get_task(state['task']).title}: {len(state['preds'].ids)} item(s), "
                        f"model {state['spec'].name}")
    return out


def batch_result(key: str, task: str | None = None, stop_when_empty: bool = True,
                 row_errors: bool = True) -> dict | None:
    """The stored result of :func:`run_batch`, with its row errors shown; stops the page when nothing was read."""
    state = st.session_state.get(f"{key}-result")
    if not state or (task is not None and state.get("task") != task):
        return None
    chosen = current_model_choice(key)
    if chosen is not None and state.get("spec") is not None and state["spec"].name != chosen:
        st.session_state.pop(f"{key}-result", None)  # another model is picked: these results are not its
        st.info(f"The model changed to {md(chosen)}: run again to see its results.")
        return None
    if state.get("phi_note"):
        st.info(f"Protected health information: {state['phi_note']}.")
    show_row_errors(state["errors"] if row_errors else [])
    for e in state["errors"]:
        if e.row == 0 and not row_errors:  # the whole file: say so even where rows have their own report
            st.warning(e.message)
    if state["preds"] is None and stop_when_empty:
        st.error("Nothing readable: see the row errors above.")
        st.stop()
    return state
