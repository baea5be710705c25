"""Models and training: every registered model with its card; train a new one in the background; compare two on a
dev file."""

from pathlib import Path

import pandas as pd
import streamlit as st

import webui
from webui.text import card as show_card
from biofm import api
from biofm.io import InputError
from biofm.models import trained_models_dir
from biofm.models.registry import check_model_name
from biofm.tasks import get_task, task_names
from biofm.train.common import TrainingDataError
from biofm.train.jobs import list_jobs, start_job
from webui.phi import gate_now
from webui.identity import acting_user
from webui.training import job_panel, options_form, training_file

st.set_page_config(page_title="Models and training · biofm", page_icon=webui.FAVICON, layout="wide")
st.title("Models and training")
settings = webui.settings()
data_dir = Path(settings.data_dir)

st.subheader("Registered models")
specs = webui.registry().specs()
st.dataframe(pd.DataFrame([{"name": s.name, "task": s.task, "source": s.source, "labels": len(s.labels),
                            "headline metric": s.headline_text(), "metrics": s.metrics_text()}
                           for s in specs]), hide_index=True, key="models-table")
card = st.selectbox("Card", [s.name for s in specs], key="models-card")
with st.expander(f"Model card: {webui.md(card)}"):
    show_card(webui.registry().get(card))

st.subheader("Train a new model")
task = st.selectbox("Task", task_names("train"), key="train-task",
                    format_func=lambda t: f"{get_task(t).title} ({', '.join(get_task(t).train_file_types)})")
train_path = training_file(task, data_dir)
values, start = options_form(task)

if start:
    name = values.pop("name")
    missing = [o.help for o in get_task(task).train_options if o.required and o.name in values
               and not values[o.name]]
    if train_path is None:
        st.error("Choose a training file or a reviewed batch first.")
    elif missing:
        st.error(f"Not started: {webui.md(missing[0])} is needed first.")
    elif check_model_name(name, api.registry(settings)):
        st.error(check_model_name(name, api.registry(settings)))
    else:
        try:
            config = get_task(task).training_config({**values, "name": name, "train": str(train_path),
                                                     "out": str(trained_models_dir(settings) / name)})
            summary = get_task(task).check_training_file(train_path, config)
        except (TrainingDataError, InputError, ValueError) as exc:
            st.error(f"Not started: {webui.md(exc)}")
        else:
            job = start_job(data_dir, task, config, description=f"{task} · {summary}", user=acting_user())
            st.session_state["train-job"] = job.id
            st.session_state["train-job-pick"] = job.id  # the panel below follows the new job
            st.success(f"Started job {job.id}: {webui.md(summary)}. It runs in the background; you can leave this page.")

st.subheader("Training jobs")
jobs = list_jobs(data_dir)
if not jobs:
    st.caption("No training jobs yet.")
else:
    ids = [j.id for j in jobs]
    if st.session_state.get("train-job-pick") not in ids:
        st.session_state["train-job-pick"] = st.session_state.get("train-job") if \
            st.session_state.get("train-job") in ids else ids[0]
    chosen = st.selectbox("Job", ids, key="train-job-pick",
                          format_func=lambda i: f"{i} · {next(j.meta.get('description', '') for j in jobs if j.id == i)}",
                          help="its status is in the panel below, refreshed every 2 s")
    job = next(j for j in jobs if j.id == chosen)
    st.fragment(run_every=2.0)(lambda: job_panel(job))()

st.subheader("Compare two models on a labelled dev file")
task_c = st.selectbox("Task", task_names("compare"), key="cmp-task",
                      format_func=lambda t: get_task(t).title)
names = webui.registry().names(task_c)
if len(names) >= 2:
    m1, m2 = st.columns(2)
    a = m1.selectbox("Model A", names, key="cmp-a")
    b = m2.selectbox("Model B", names, index=1, key="cmp-b")
    dev = st.file_uploader("Dev file with true labels", type=list(get_task(task_c).upload_types), key="cmp-dev")
    if dev is not None and st.button("Compare", key="cmp-run"):
        try:
            recs = get_task(task_c).read_upload(dev.getvalue(), dev.name, label_column="label", max_rows=None).records
            recs = gate_now(recs, task_c)
            if recs is None:
                st.stop()
            rows = [{"model": n, **api.evaluate(task_c, webui.loaded_model(webui.registry().get(n)), recs)}
                    for n in (a, b)]
            st.dataframe(pd.DataFrame(rows), hide_index=True, key="cmp-table")
        except (InputError, ValueError) as exc:
            st.error(str(exc))
else:
    st.caption("Comparison needs two models of the chosen task.")
