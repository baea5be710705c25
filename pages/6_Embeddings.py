"""Embeddings: a map of any batch (t-SNE, PCA, UMAP), coloured by label, prediction, confidence or any column."""

import streamlit as st

import webui
from biofm.io import InputError
from biofm.tasks import task_adapter

st.set_page_config(page_title="Embeddings · biofm", page_icon="🗺️", layout="wide")
st.title("Embeddings")
st.caption("The pooled embeddings come from the same pass as the predictions; re-colouring never recomputes them.")

settings = webui.settings()
TASKS = {"text-classify": "Clinical text (disease category)", "ner": "Clinical entities", "reports": "Imaging reports"}
task = st.selectbox("Task", list(TASKS), format_func=TASKS.get, key="embed-task")
spec = webui.model_picker(task, key="embed")
read = webui.document_input("embed", "Embed", blocks=task == "reports", with_label=task == "text-classify")

if read is not None and spec is not None:
    try:
        result = read()
    except InputError as exc:
        st.error(str(exc))
    else:
        preds = None
        if result.records:
            adapter = task_adapter(task)(webui.loaded_model(spec))
            preds = adapter.predict(result.records, batch_size=settings.batch_size,
                                    progress=webui.progress_callback("Embedding"))
        st.session_state["embed-result"] = {"task": task, "preds": preds, "records": result.records,
                                            "errors": result.errors, "spec": spec}

state = st.session_state.get("embed-result")
if state and state["task"] == task:
    webui.show_row_errors(state["errors"])
    if state["preds"] is None:
        st.error("No readable documents: see the row errors above.")
        st.stop()
    st.success(f"{len(state['preds'].ids)} item(s) embedded with {state['spec'].name}.")
    webui.batch_map(task, state["preds"], state["records"], state["spec"], key="embed")
