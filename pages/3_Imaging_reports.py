"""Imaging-report batches: the 14 CheXpert observations per report, with evidence and explanations."""

import json

import pandas as pd
import streamlit as st

import webui
from biofm.explain.render import evidence_html
from biofm.io.writers import table_bytes
from biofm.tasks import get_task
from biofm.reports import LABELS, OBSERVATIONS
from biofm.reports.combine import MODEL_ONLY_THRESHOLD, evidence_rows, model_only_rows
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
MODEL_MARK = "*"  # a model-only label: no sentence of the report mentions the observation


def cell(label: str, source: str) -> str:
    return SHORT[label] + (MODEL_MARK if source == "model" and SHORT[label] else "")


def colour_cell(value: str) -> str:
    full = next((k for k, v in SHORT.items() if v and v == value.rstrip(MODEL_MARK)), None)
    if not full:
        return ""
    return f"background-color: {LABEL_COLOURS[full]}66" + ("; font-style: italic" if value.endswith(MODEL_MARK) else "")


state = webui.batch_result("reports")
if state:
    preds, used = state["preds"], state["spec"]
    final = preds.final()
    st.success(f"{len(preds.ids)} report(s) labelled with {webui.md(used.name)} and the rule labeler.")
    table = pd.DataFrame([{"id": rid, **{o: cell(*f[o]) for o in OBSERVATIONS}} for rid, f in zip(preds.ids, final)])
    st.subheader("Batch")
    f1, f2 = st.columns(2)
    obs_filter = f1.selectbox("Observation", ["(any)"] + list(OBSERVATIONS), key="reports-filter-obs")
    label_filter = f2.multiselect("Label", list(LABELS), default=[lab for lab in LABELS if lab != "not mentioned"],
                                  key="reports-filter-label", help="reports whose chosen observation has one of these")
    shown = table
    if obs_filter != "(any)":
        shown = table[table[obs_filter].str.rstrip(MODEL_MARK).isin([SHORT[lab] for lab in label_filter])]
    st.dataframe(shown.style.map(colour_cell, subset=list(OBSERVATIONS)), hide_index=True, key="reports-table",
                 width="stretch")
    st.caption(f"{len(shown)} of {len(table)} reports · pos = positive, neg = negative, unc = uncertain, "
               f"blank = not mentioned · {MODEL_MARK} = model only (no sentence of the report says it)")
    st.plotly_chart(prevalence_figure(preds.prevalence()), key="reports-prevalence")
    d1, d2 = st.columns(2)
    kind = get_task(TASK)  # the rows `biofm predict` writes, the input's other columns kept
    d1.download_button("Download CSV (CheXpert convention)",
                       table_bytes(pd.DataFrame(kind.output_rows(preds, state.get("read"))), "csv"),
                       "report_labels.csv", "text/csv", key="reports-csv")
    d2.download_button("Download JSONL (with evidence)",
                       "".join(json.dumps(r, ensure_ascii=False) + "\n"
                               for r in kind.output_rows(preds, state.get("read"), detail=True)),
                       "report_labels.jsonl", "application/jsonl", key="reports-jsonl")
    webui.send_to_review(TASK, preds, used, key="reports")

    st.subheader("One report")
    pick = st.selectbox("Report", range(len(preds.ids)), format_func=lambda i: preds.ids[i], key="reports-doc")
    rules = preds.rules[pick]
    combined = preds.combined()[pick]
    evidence = [(rules.labels[o].start, rules.labels[o].end, o, rules.labels[o].label) for o in OBSERVATIONS
                if combined[o].source == "rules"]
    st.html(evidence_html(preds.texts[pick], evidence))
    st.markdown("**Labels with evidence** (the sentence that decided each, and the cue that read it)")
    st.dataframe(pd.DataFrame(evidence_rows(combined), columns=["observation", "label", "cue", "evidence"]),
                 hide_index=True, key="reports-evidence")
    model_only = model_only_rows(combined)
    st.markdown("**Model only** (no sentence of the report mentions these; the model's probability)")
    if model_only:
        st.dataframe(pd.DataFrame(model_only), hide_index=True, key="reports-model-only")
    else:
        st.caption(f"None: the model adds a label only where no sentence speaks and it is at least "
                   f"{MODEL_ONLY_THRESHOLD:.2f} sure of a positive or uncertain finding.")
    with st.expander("All 14 observations, both labelers"):
        detail = pd.DataFrame([{
            "observation": o, "final": combined[o].label, "source": combined[o].source,
            "rules": rules.labels[o].label, "model": combined[o].model_label,
            "model p": round(combined[o].probability, 3), "evidence": combined[o].evidence}
            for o in OBSERVATIONS])
        st.dataframe(detail, hide_index=True, key="reports-detail")
    st.markdown("**Why did the model say that?** Word attributions for one observation's predicted class.")
    webui.explain_one(TASK, preds, used, pick, key="reports-explain")

    st.subheader("Map of the batch")
    webui.batch_map(TASK, preds, state["records"], used, key="reports")
