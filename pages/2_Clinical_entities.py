"""Clinical entities: Chemical and Disease mentions highlighted in notes, with explanations per entity."""

import json

import streamlit as st

import webui
import pandas as pd

from biofm.entities import entity_types
from biofm.explain import entities_html
from biofm.io.conll import documents_to_conll
from biofm.tasks import get_task

TASK = "ner"

st.set_page_config(page_title="Clinical entities · biofm", page_icon=webui.FAVICON, layout="wide")
st.title("Clinical entities")
st.caption("Chemical and Disease mentions (BC5CDR types), with exact character spans. Research use only.")

settings = webui.settings()
spec = webui.model_picker(TASK, key="ner")
read = webui.document_input(TASK, "ner", "Find entities")

webui.run_batch(TASK, spec, read, "ner", "Tagging")

state = webui.batch_result("ner")
if state:
    preds, used = state["preds"], state["spec"]
    kinds = entity_types(used.labels)
    counts = preds.counts()
    st.success(f"{sum(counts.values())} entities in {len(preds.ids)} document(s) with {webui.md(used.name)}.")
    if preds.n_windowed:
        st.info(f"{preds.n_windowed} document(s) were longer than {used.max_length} tokens and were read with "
                "overlapping windows; every word was tagged from the window where it had the most context.")
    cols = st.columns(len(kinds) + 1)
    for col, kind in zip(cols, kinds):
        col.metric(kind, counts.get(kind, 0))
    cols[-1].metric("Documents", len(preds.ids))
    table = pd.DataFrame(preds.entity_rows(), columns=["id", "text", "label", "start", "end", "score"])
    kind_filter = st.multiselect("Types", kinds, default=kinds, key="ner-types")
    st.dataframe(table[table["label"].isin(kind_filter)], hide_index=True, key="ner-table")
    d1, d2 = st.columns(2)
    d1.download_button("Download JSONL", "".join(json.dumps(r, ensure_ascii=False) + "\n"
                                                 for r in get_task(TASK).output_rows(preds, state.get("read"), detail=True)),
                       "entities.jsonl", "application/jsonl", key="ner-jsonl")
    d2.download_button("Download CoNLL", documents_to_conll(zip(preds.texts, preds.entities)), "entities.conll", "text/plain", key="ner-conll")
    webui.send_to_review(TASK, preds, used, key="ner")

    st.subheader("One document")
    pick = st.selectbox("Document", range(len(preds.ids)),
                        format_func=lambda i: f"{preds.ids[i]} ({len(preds.entities[i])} entities)", key="ner-doc")
    text, ents = preds.texts[pick], preds.entities[pick]
    st.html(entities_html(text, [e for e in ents if e.label in kind_filter], kinds))
    st.markdown("**Why?** Word attributions for one entity's predicted tags.")
    webui.explain_one(TASK, preds, used, pick, key="ner-explain")

    st.subheader("Map of the batch")
    webui.batch_map(TASK, preds, state["records"], used, key="ner")
