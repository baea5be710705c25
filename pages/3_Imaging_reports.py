"""Imaging-report batches: the 14 CheXpert observations per report, with evidence and explanations."""

import json

import pandas as pd
import streamlit as st

import webui
from biofm.explain.render import evidence_html
from biofm.io.writers import table_bytes
from biofm.reports import LABELS, OBSERVATIONS
from biofm.viz import LABEL_COLOURS, prevalence_figure

TASK = "reports"

st.set_page_config(page_title="Imaging reports · biofm", page_icon=webui.FAVICON, layout="wide")
st.title("Imaging reports")
st.caption("Positive / negative / uncertain / not mentioned for the 14 CheXpert observations, each with the sentence "
           "that justifies it. The model was trained on synthetic reports only (see its card). Research use only.")

settings = webui.settings()
spec = webui.model_picker(TASK, key="reports")
read = webui.document_input(TASK, "reports", "Label reports")

webui.run_batch(TASK, spec, read, "reports", "Labelling reports")

SHORT = {"positive": "pos", "negative": "neg", "uncertain": "unc", "not mentioned": ""}


def colour_cell(value: str) -> str:
    full = next((k for k, v in SHORT.items() if v == value and v), None)
    return f"background-color: {LABEL_COLOURS[full]}66" if full else ""


state = webui.batch_result("reports")
if state:
    preds, used = state["preds"], state["spec"]
    final = preds.final()
    st.success(f"{len(preds.ids)} report(s) labelled with {webui.md(used.name)} and the rule labeler.")
    table = pd.DataFrame([{"id": rid, **{o: SHORT[f[o][0]] for o in OBSERVATIONS}}
                          for rid, f in zip(preds.ids, final)])
    st.subheader("Batch")
    f1, f2 = st.columns(2)
    obs_filter = f1.selectbox("Observation", ["(any)"] + list(OBSERVATIONS), key="reports-filter-obs")
    label_filter = f2.multiselect("Label", list(LABELS), default=[lab for lab in LABELS if lab != "not mentioned"],
                                  key="reports-filter-label", help="reports whose chosen observation has one of these")
    shown = table
    if obs_filter != "(any)":
        shown = table[table[obs_filter].isin([SHORT[lab] for lab in label_filter])]
    st.dataframe(shown.style.map(colour_cell, subset=list(OBSERVATIONS)), hide_index=True, key="reports-table",
                 width="stretch")
    st.caption(f"{len(shown)} of {len(table)} reports · pos = positive, neg = negative, unc = uncertain, "
               "blank = not mentioned")
    st.plotly_chart(prevalence_figure(preds.prevalence()), key="reports-prevalence")
    d1, d2 = st.columns(2)
    d1.download_button("Download CSV (CheXpert convention)", table_bytes(pd.DataFrame(preds.rows()), "csv"),
                       "report_labels.csv", "text/csv", key="reports-csv")
    d2.download_button("Download JSONL (with evidence)",
                       "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in preds.rows(detail=True)),
                       "report_labels.jsonl", "application/jsonl", key="reports-jsonl")
    webui.send_to_review(TASK, preds, used, key="reports")

    st.subheader("One report")
    pick = st.selectbox("Report", range(len(preds.ids)), format_func=lambda i: preds.ids[i], key="reports-doc")
    rules = preds.rules[pick]
    model_labels = preds.model_labels[pick]
    evidence = [(rules.labels[o].start, rules.labels[o].end, o, rules.labels[o].label) for o in OBSERVATIONS]
    st.html(evidence_html(preds.texts[pick], evidence))
    detail = pd.DataFrame([{
        "observation": o, "final": final[pick][o][0], "source": final[pick][o][1], "rules": rules.labels[o].label,
        "model": model_labels[o], "model p": round(float(preds.probs[pick, j].max()), 3),
        "evidence": rules.labels[o].evidence} for j, o in enumerate(OBSERVATIONS)])
    st.dataframe(detail, hide_index=True, key="reports-detail")
    st.markdown("**Why did the model say that?** Word attributions for one observation's predicted class.")
    webui.explain_one(TASK, preds, used, pick, key="reports-explain")

    st.subheader("Map of the batch")
    webui.batch_map(TASK, preds, state["records"], used, key="reports")
