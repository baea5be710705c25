"""Embeddings: a map of any batch (t-SNE, PCA, UMAP), coloured by label, prediction, confidence or any column."""

import streamlit as st

import webui
from biofm.tasks import get_task, task_names

st.set_page_config(page_title="Embeddings · biofm", page_icon=webui.FAVICON, layout="wide")
st.title("Embeddings")
st.caption("The pooled embeddings come from the same pass as the predictions; re-colouring never recomputes them. "
           "Search a document or molecule, see its nearest neighbours, or add density contours.")

earlier = webui.earlier_batches(exclude="embed")
source = "Run a new batch"
if earlier:
    source = st.radio("Map", ["A batch run on another page", "Run a new batch"], horizontal=True, key="embed-from")
if source == "A batch run on another page":
    key = st.selectbox("Batch", list(earlier), format_func=earlier.get, key="embed-earlier")
    state = st.session_state[f"{key}-result"]
    webui.batch_map(state["task"], state["preds"], state["records"], state["spec"], key="embed-earlier-map",
                    explain_any=True)
else:
    task = st.selectbox("Task", task_names("embed"), format_func=lambda t: get_task(t).title, key="embed-task")
    spec = webui.model_picker(task, key="embed")
    read = webui.document_input(task, "embed", "Embed", with_label=get_task(task).input_kind == "text")

    webui.run_batch(task, spec, read, "embed", "Embedding")

    state = webui.batch_result("embed", task)
    if state:
        st.success(f"{len(state['preds'].ids)} item(s) embedded with {webui.md(state['spec'].name)}.")
        webui.batch_map(task, state["preds"], state["records"], state["spec"], key="embed", explain_any=True)
