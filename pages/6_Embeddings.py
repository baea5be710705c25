"""Embeddings: a map of any batch (t-SNE, PCA, UMAP), coloured by label, prediction, confidence or any column."""

import streamlit as st

import webui

st.set_page_config(page_title="Embeddings · biofm", page_icon=":material/scatter_plot:", layout="wide")
st.title("Embeddings")
st.caption("The pooled embeddings come from the same pass as the predictions; re-colouring never recomputes them.")

settings = webui.settings()
TASKS = {"text-classify": "Clinical text (disease category)", "ner": "Clinical entities", "reports": "Imaging reports"}
task = st.selectbox("Task", list(TASKS), format_func=TASKS.get, key="embed-task")
spec = webui.model_picker(task, key="embed")
read = webui.document_input("embed", "Embed", blocks=task == "reports", with_label=task == "text-classify")

webui.run_batch(task, spec, read, "embed", "Embedding")

state = webui.batch_result("embed", task)
if state:
    st.success(f"{len(state['preds'].ids)} item(s) embedded with {state['spec'].name}.")
    webui.batch_map(task, state["preds"], state["records"], state["spec"], key="embed")
