"""Models: every registered model with its card; train a new one in the background; compare two on a dev file."""

import hashlib
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import webui
from biofm.io import InputError
from biofm.models.registry import trained_models_dir
from biofm.train.common import TrainingDataError
from biofm.train.jobs import list_jobs, start_job
from biofm.train.prepare import TRAINABLE_TASKS, check_training_file, train_args

st.set_page_config(page_title="Models · biofm", page_icon=":material/model_training:", layout="wide")
st.title("Models")
settings = webui.settings()
data_dir = Path(settings.data_dir)

st.subheader("Registered models")
specs = webui.registry().specs()
st.dataframe(pd.DataFrame([{"name": s.name, "task": s.task, "source": s.source, "labels": len(s.labels),
                            "metrics": ", ".join(f"{k} {v}" for k, v in s.metrics.items() if v is not None)}
                           for s in specs]), hide_index=True, key="models-table")
card = st.selectbox("Card", [s.name for s in specs], key="models-card")
with st.expander(f"Model card: {card}"):
    st.markdown(webui.registry().get(card).card_text())

st.subheader("Train a new model")
EXT = {"text-classify": ["csv", "jsonl"], "ner": ["conll", "tsv", "txt"], "reports": ["csv"], "molecules": ["csv", "sdf"]}
task = st.selectbox("Task", TRAINABLE_TASKS, key="train-task", format_func={
    "text-classify": "Document classifier (CSV/JSONL with text and label)",
    "ner": "Entity tagger (CoNLL: token<TAB>BIO tag)",
    "reports": "Report labeler (CSV in the CheXpert convention)",
    "molecules": "Molecular property model (CSV with SMILES, or SDF)"}.get)
targets, kind = None, "regression"
if task == "molecules":
    m1, m2 = st.columns(2)
    targets = [t.strip() for t in m1.text_input("Target column(s), comma-separated", key="train-targets").split(",")
               if t.strip()]
    kind = m2.selectbox("Kind", ["regression", "binary", "multilabel"], key="train-kind")
source = st.radio("Data", ["Upload a labelled file", "A reviewed batch"], horizontal=True, key="train-source",
                  disabled=task == "molecules")
uploads = data_dir / "uploads"
train_path = None
if source == "Upload a labelled file":
    up = st.file_uploader("Training file", type=EXT[task], key="train-upload")
    if up is not None:
        data = up.getvalue()
        uploads.mkdir(parents=True, exist_ok=True)
        train_path = uploads / f"{hashlib.sha256(data).hexdigest()[:12]}-{Path(up.name).name}"
        train_path.write_bytes(data)
else:
    batches = [b for b in webui.review_store().batches() if b["task"] == task]
    if not batches:
        st.info("No reviewed batches for this task yet.")
    else:
        bid = st.selectbox("Batch", [b["id"] for b in batches], key="train-batch",
                           format_func=lambda i: f"#{i} ({next(b['items'] for b in batches if b['id'] == i)} items)")
        fmt = "conll" if task == "ner" else "csv"
        data = webui.review_store().export(bid, fmt)
        uploads.mkdir(parents=True, exist_ok=True)
        train_path = uploads / f"review-{bid}-{hashlib.sha256(data).hexdigest()[:8]}.{fmt}"
        train_path.write_bytes(data)

with st.form("train-form"):
    c1, c2, c3, c4 = st.columns(4)
    name = c1.text_input("Name", value=f"my-{task}", key="train-name")
    method = c2.selectbox("Method", ["lora", "full"], key="train-method")
    epochs = c3.number_input("Epochs", 1, 50, 3, key="train-epochs")
    lr = c4.number_input("Learning rate (0 = default)", 0.0, 1.0, 0.0, format="%.5f", key="train-lr")
    c5, c6, c7, c8 = st.columns(4)
    batch_size = c5.number_input("Batch size", 1, 256, 16, key="train-bs")
    max_length = c6.number_input("Max length", 16, 512, 256 if task != "ner" else 128, key="train-maxlen")
    seed = c7.number_input("Seed", 0, 10_000, 13, key="train-seed")
    weights = c8.checkbox("Class weights", key="train-weights", disabled=task != "text-classify")
    start = st.form_submit_button("Check data and start training", type="primary")

if start:
    if train_path is None:
        st.error("Choose a training file or a reviewed batch first.")
    elif not name.strip() or not all(ch.isalnum() or ch in "-_." for ch in name.strip()):
        st.error("The name may hold letters, digits, '-', '_' and '.' only.")
    else:
        try:
            summary = check_training_file(task, train_path, targets=targets, kind=kind)
        except (TrainingDataError, InputError) as exc:
            st.error(f"Not started: {exc}")
        else:
            out = trained_models_dir(settings) / name.strip()
            job = start_job(data_dir, train_args(task, train_path, out, name.strip(), method=method, epochs=int(epochs),
                                                 lr=lr or None, batch_size=int(batch_size),
                                                 max_length=int(max_length), seed=int(seed), class_weights=weights,
                                                 targets=targets, kind=kind),
                            out, description=f"{task} · {summary}")
            st.session_state["train-job"] = job.id
            st.success(f"Started job {job.id}: {summary}. It runs in the background; you can leave this page.")

st.subheader("Training jobs")
jobs = list_jobs(data_dir)
if not jobs:
    st.caption("No training jobs yet.")
else:
    ids = [j.id for j in jobs]
    chosen = st.selectbox("Job", ids, index=ids.index(st.session_state["train-job"])
                          if st.session_state.get("train-job") in ids else 0, key="train-job-pick",
                          format_func=lambda i: f"{i} · {next(j.status for j in jobs if j.id == i)}")
    job = next(j for j in jobs if j.id == chosen)

    @st.fragment(run_every=2.0)
    def live() -> None:
        status = job.status
        events = job.events()
        steps = [e for e in events if "loss" in e and e.get("event") != "epoch"]
        epochs_done = [e for e in events if e.get("event") == "epoch"]
        total = steps[-1]["total_steps"] if steps else 1
        st.progress(min(1.0, (steps[-1]["step"] if steps else 0) / total),
                    text=f"{status} · {job.meta.get('description', '')}")
        if steps:
            fig = go.Figure(go.Scatter(x=[e["step"] for e in steps], y=[e["loss"] for e in steps], name="train loss",
                                       mode="lines"))
            if epochs_done:
                metric = epochs_done[-1]["metric"]
                fig.add_trace(go.Scatter(x=[e["step"] for e in epochs_done], y=[e[f"dev_{metric}"] for e in epochs_done],
                                         name=f"dev {metric}", mode="lines+markers", yaxis="y2"))
            fig.update_layout(height=320, xaxis_title="step", yaxis_title="loss", margin={"t": 20, "b": 10},
                              yaxis2={"overlaying": "y", "side": "right", "range": [0, 1], "title": "dev metric"})
            st.plotly_chart(fig, key=f"train-chart-{job.id}")
        if status in ("running", "cancelling"):
            if st.button("Cancel training", key=f"train-cancel-{job.id}"):
                job.cancel(grace=0.5)
        elif status == "finished":
            st.success(f"Finished: {job.meta['out']} is registered and selectable on every page.")
        elif status in ("failed", "cancelled"):
            st.error(f"Job {status}.")
            st.code(job.log_tail(15) or "(no output)")

    live()

st.subheader("Compare two models on a labelled dev file")
cls_models = webui.registry().names("text-classify")
if len(cls_models) >= 2:
    m1, m2 = st.columns(2)
    a = m1.selectbox("Model A", cls_models, key="cmp-a")
    b = m2.selectbox("Model B", cls_models, index=1, key="cmp-b")
    dev = st.file_uploader("Dev file (CSV/JSONL with text and label columns)", type=["csv", "jsonl"], key="cmp-dev")
    if dev is not None and st.button("Compare", key="cmp-run"):
        from biofm.io import read_text_upload
        from biofm.tasks.text_classify import TextClassifier
        from biofm.train.text_classify import evaluate

        try:
            recs = read_text_upload(dev.getvalue(), dev.name, label_column="label", max_rows=None).records
            rows = []
            for name_ in (a, b):
                m = evaluate(TextClassifier(webui.loaded_model(webui.registry().get(name_))), recs)
                rows.append({"model": name_, "macro-F1": round(m["macro_f1"], 4), "accuracy": round(m["accuracy"], 4),
                             **{f"F1 {k}": round(v["f1-score"], 3) for k, v in m["per_label"].items()
                                if isinstance(v, dict) and k not in ("macro avg", "weighted avg")}})
            st.dataframe(pd.DataFrame(rows), hide_index=True, key="cmp-table")
        except (InputError, ValueError) as exc:
            st.error(str(exc))
else:
    st.caption("Comparison needs two document classifiers.")
