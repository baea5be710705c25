"""More tasks: any task without a page of its own (a task folder added by you or your lab), run from its typed
output fields: predictions, the field's chart, explanations, the map, downloads and review."""

import pandas as pd
import streamlit as st

import webui
from biofm.io.writers import table_bytes
from biofm.tasks import get_task
from biofm.tasks.fields import OutputField
from webui.panels import batch_panels, item_panels

st.set_page_config(page_title="More tasks · biofm", page_icon=webui.FAVICON, layout="wide")
st.title("More tasks")
st.caption("Tasks added as a folder (biofm/tasks/<task>/, or a folder named by BIOFM_TASK_DIRS) without a page of "
           "their own. Research use only; not a diagnosis.")

for folder, problem in webui.skipped_task_folders().items():
    st.warning(f"The task folder {webui.md(folder)} was skipped: {webui.md(problem)}. The other tasks work as "
               "usual; fix the folder and restart the app.")
tasks = webui.folder_tasks()
if not tasks:
    st.info("Every task has its own page. A new task is one folder: see 'Adding a task' in the README.")
    st.stop()
task = st.selectbox("Task", tasks, format_func=lambda t: get_task(t).title, key="more-task")
kind = get_task(task)
key = f"more-{task}"
spec = webui.model_picker(task, key=key)
read = webui.document_input(task, key, "Run", with_label=True)
webui.run_batch(task, spec, read, key, "Predicting")

state = webui.batch_result(key, task)
if state:
    preds, used = state["preds"], state["spec"]
    st.success(f"{len(preds.ids)} item(s) with {webui.md(used.name)}.")
    export = pd.DataFrame(kind.output_rows(preds, state.get("read")))  # as `biofm predict` writes
    left, right = st.columns([3, 2])
    with left:
        shown = export.copy()
        if "text" in shown:
            shown["text"] = shown["text"].astype(str).str.slice(0, 160)
        st.dataframe(shown, hide_index=True, key=f"{key}-table")
        fields_ = preds.outputs()  # the reviewable field first: its score is the table's
        st.caption(fields_[0][0].score_help if fields_ else OutputField.score_help)
    with right:
        batch_panels(preds, key)
    d1, d2 = st.columns(2)
    d1.download_button("Download CSV", table_bytes(export, "csv"), "predictions.csv", "text/csv", key=f"{key}-csv",
                       on_click="ignore")
    d2.download_button("Download JSONL", table_bytes(export, "jsonl"), "predictions.jsonl", "application/jsonl",
                       key=f"{key}-jsonl", on_click="ignore")
    if "review" in kind.verbs:
        webui.send_to_review(task, preds, used, key=key)

    st.subheader("One item")
    pick = st.selectbox("Item", range(len(preds.ids)), format_func=lambda i: str(preds.ids[i]), key=f"{key}-doc")
    c1, c2 = st.columns([3, 2])
    with c1:
        st.text(preds.texts[pick][:5000] + (" …" if len(preds.texts[pick]) > 5000 else ""))
    with c2:
        item_panels(preds, pick, key=f"{key}-item")
    if "explain" in kind.verbs:
        st.markdown("**Why?** Word attributions for a chosen target (green supports it, red opposes it).")
        webui.explain_one(task, preds, used, pick, key=f"{key}-explain")
    if "embed" in kind.verbs:
        st.subheader("Map of the batch")
        webui.batch_map(task, preds, state["records"], used, key=key)
