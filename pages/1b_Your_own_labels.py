"""Your own labels: define a label set, get zero-shot suggestions on your notes at once, review them (Review's
teach order), retrain, and watch the learning curve."""

import pandas as pd
import streamlit as st

import webui
from biofm.tasks import get_task
from biofm.io.writers import table_bytes
from webui.custom import label_set_editor, learning_panel, suggestions_table

TASK = "custom"

st.set_page_config(page_title="Your own labels · biofm", page_icon=webui.FAVICON, layout="wide")
st.title("Your own labels")
st.caption("Name your own categories, each with a one-line description: suggestions come at once (zero-shot), "
           "and after you review a few notes per label biofm learns them (few-shot). Research use only.")

settings = webui.settings()
st.subheader("1. Define the labels")
saved = label_set_editor("labelset")  # not "custom-": a new batch resets that page key's widgets
if saved:
    st.session_state["custom-model"] = saved  # the picker below shows the set just saved

st.subheader("2. Suggestions on your notes")
if not webui.registry().names(TASK):
    st.info("No label set yet: define one above and press 'Save label set' (the example labels are filled in).")
    st.stop()
spec = webui.model_picker(TASK, key="custom")
read = webui.document_input(TASK, "custom", "Suggest labels", with_label=True)
webui.run_batch(TASK, spec, read, "custom", "Suggesting labels")

state = webui.batch_result("custom", TASK)
if state:
    preds, used = state["preds"], state["spec"]
    st.success(f"{len(preds.ids)} note(s): {preds.mode} suggestions from {webui.md(used.name)}.")
    frame = suggestions_table(preds)
    st.dataframe(frame, hide_index=True, key="custom-table",
                 column_config={"confidence": st.column_config.ProgressColumn("confidence", min_value=0.0,
                                                                              max_value=1.0, format="%.3f")})
    export = pd.DataFrame(get_task(TASK).output_rows(preds, state.get("read")))  # as `biofm predict` writes
    d1, d2 = st.columns(2)
    d1.download_button("Download CSV", table_bytes(export, "csv"), "suggestions.csv", "text/csv", key="custom-csv",
                       on_click="ignore")
    d2.download_button("Download JSONL", table_bytes(export, "jsonl"), "suggestions.jsonl", "application/jsonl",
                       key="custom-jsonl", on_click="ignore")
    st.caption("Send the batch to Review: its 'Teach' order shows the notes the model is least sure of first; "
               "'Retrain from reviewed items' there trains the next version.")
    webui.send_to_review(TASK, preds, used, key="custom")
    with st.expander("Why? Word attributions for one note"):
        pick = st.selectbox("Note", range(len(preds.ids)), key="custom-doc",
                            format_func=lambda i: f"{preds.ids[i]}: {preds.labels[i]}")
        st.text(preds.texts[pick][:5000])
        webui.explain_one(TASK, preds, used, pick, key="custom-explain")

if spec is not None:
    st.subheader("3. Versions and learning curve")
    learning_panel(spec, key="custom")
