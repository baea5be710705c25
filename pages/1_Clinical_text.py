"""Clinical text: disease category of notes and abstracts, with explanations."""

import streamlit as st

import webui
import pandas as pd

from biofm.io.writers import table_bytes
from biofm.tasks import get_task
from biofm.viz import label_distribution_figure, probability_figure
from webui.truth import true_label_panel

TASK = "text-classify"

st.set_page_config(page_title="Clinical text · biofm", page_icon=webui.FAVICON, layout="wide")
st.title("Clinical text")
st.caption("Disease category of clinical notes and biomedical abstracts. Research use only; not a diagnosis.")

settings = webui.settings()
spec = webui.model_picker(TASK, key="clinical")
read = webui.document_input(TASK, "clinical", "Classify", with_label=True)

webui.run_batch(TASK, spec, read, "clinical", "Classifying")

state = webui.batch_result("clinical")
if state:
    preds, used = state["preds"], state["spec"]
    st.success(f"{len(preds.ids)} document(s) classified with {webui.md(used.name)}.")
    if preds.n_windowed:
        st.info(f"{preds.n_windowed} document(s) were longer than the model's {used.max_length} tokens and were "
                "classified with overlapping sliding windows (window logits averaged); see the 'windows' column. "
                "Nothing was truncated.")
    export = pd.DataFrame(get_task(TASK).output_rows(preds, state.get("read")))  # as `biofm predict` writes, with
    frame = export  # the 'windows' column and the input's other columns
    first = ["id", "label", "score"] + (["true_label"] if "true_label" in frame else [])
    shown = frame[first + [c for c in frame.columns if c not in first and c != "text"] + ["text"]].copy()
    shown["text"] = shown["text"].str.slice(0, 160)
    left, right = st.columns([3, 2])
    with left:
        st.subheader("Predictions")
        label_width = webui.text_width([*preds.label_names, *shown.get("true_label", pd.Series()).dropna().astype(str),
                                        "true_label"])  # the whole label, and its header, not cut
        st.dataframe(shown, hide_index=True, key="clinical-table",
                     column_config={"score": st.column_config.ProgressColumn("score", min_value=0.0, max_value=1.0,
                                                                              format="%.3f"),
                                    "label": st.column_config.TextColumn("label", width=label_width),
                                    "true_label": st.column_config.TextColumn("true_label", width=label_width)})
    with right:
        st.plotly_chart(label_distribution_figure(preds.labels, order=preds.label_names), key="clinical-dist")
    true_label_panel(frame, preds.label_names, key="clinical")
    d1, d2 = st.columns(2)
    d1.download_button("Download CSV", table_bytes(export, "csv"), "predictions.csv", "text/csv", key="clinical-csv")
    d2.download_button("Download JSONL", table_bytes(export, "jsonl"), "predictions.jsonl", "application/jsonl",
                       key="clinical-jsonl")
    webui.send_to_review(TASK, preds, used, key="clinical")

    st.subheader("One document")
    pick = st.selectbox("Document", range(len(preds.ids)), format_func=lambda i: f"{preds.ids[i]}: {preds.labels[i]}",
                        key="clinical-doc")
    c1, c2 = st.columns([3, 2])
    with c1:
        st.text(preds.texts[pick][:5000] + (" …" if len(preds.texts[pick]) > 5000 else ""))
    with c2:
        st.plotly_chart(probability_figure(preds.probs[pick], preds.label_names), key="clinical-probs")
    st.markdown("**Why?** Word attributions for a chosen class (green supports it, red opposes it).")
    webui.explain_one(TASK, preds, used, pick, key="clinical-explain")

    st.subheader("Map of the batch")
    webui.batch_map(TASK, preds, state["records"], used, key="clinical")
