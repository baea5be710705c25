"""Training from the app: a form built from the task's training options (the CLI's defaults), and the live panel
of a background job."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from biofm.tasks import get_task
from biofm.train.common import duration
from webui.review import review_store
from webui.text import md

HIDDEN = {"train", "dev", "test", "out", "resume", "device", "encoder", "base", "label_map", "smiles_column",
          "text_column", "description", "licence", "name", "target_names"}
CHOICE_NAMES = {"lora": "LoRA", "full": "full fine-tuning"}  # choices shown as the field writes them


def training_file(task: str, data_dir: Path) -> Path | None:
    """An uploaded labelled file, or a reviewed batch exported in the trainer's format, saved under uploads/."""
    from biofm.config import EXAMPLES_DIR

    kind = get_task(task)
    uploads = data_dir / "uploads"
    choices = ["Upload a labelled file", "A reviewed batch"]
    if kind.train_example:
        choices.append("The example")
    source = st.radio("Data", choices, horizontal=True, key="train-source")
    if source == "The example":
        st.caption(f"`assets/examples/{kind.train_example}`: a small reviewed batch biofm ships to try fine-tuning.")
        return EXAMPLES_DIR / kind.train_example
    if source == "Upload a labelled file":
        up = st.file_uploader("Training file", type=list(kind.train_file_types), key="train-upload")
        if up is None:
            return None
        data, name = up.getvalue(), Path(up.name).name
    else:
        batches = [b for b in review_store().batches() if b["task"] == task]
        if not batches:
            st.info("No reviewed batches for this task yet.")
            return None
        bid = st.selectbox("Batch", [b["id"] for b in batches], key="train-batch",
                           format_func=lambda i: f"#{i} ({next(b['items'] for b in batches if b['id'] == i)} items)")
        fmt = kind.codec.train_export_format()
        data, name = review_store().export(bid, fmt), f"review-{bid}.{fmt}"
    from biofm.phi.files import save_private
    from webui.phi import gate_training_upload

    passed = gate_training_upload(data, name, task)  # before anything is saved under the data dir
    if passed is None:
        return None
    data, note = passed
    if note:
        st.info(f"Protected health information: {note}.")
    return save_private(data, uploads, f"training{Path(name).suffix.lower()}")  # the user's file name stays out


def _field(col, o, key: str):
    label = o.help[:1].upper() + o.help[1:]
    if o.type is bool:
        return col.checkbox(label, value=bool(o.default), key=key)
    if o.choices:
        return col.selectbox(label, list(o.choices), index=list(o.choices).index(o.default), key=key,
                             format_func=lambda c: CHOICE_NAMES.get(c, c))
    if o.type is int:
        return int(col.number_input(label, value=int(o.default), step=1, key=key))
    if o.type is float:
        value = col.number_input(label + (" (0 = default)" if o.default is None else ""), value=float(o.default or 0.0),
                                 format="%.5f", key=key)
        return value or None
    if o.type is list:
        return [t.strip() for t in col.text_input(f"{label} (comma-separated)", key=key).split(",") if t.strip()]
    return col.text_input(label, value=o.default or "", key=key) or None


def _label_set_field(col, key: str) -> str | None:
    """The custom task's label set: one of the user's saved label sets (its model folder), none when there is none."""
    from webui.core import registry
    from webui.custom import model_folder

    folders = {n: str(model_folder(registry().get(n))) for n in registry().names("custom")}
    if not folders:
        col.caption("No label set of your own yet: define one on the 'Your own labels' page.")
        return None
    pick = col.selectbox("Label set", list(folders), key=key,
                         help="one of your label sets; 'Retrain from reviewed items' on the Review page trains it too")
    return folders[pick]


def options_form(task: str) -> tuple[dict, bool]:
    """The task's training options as a form; (values, submitted)."""
    kind = get_task(task)
    shown = [o for o in kind.train_options if o.name not in HIDDEN]
    with st.form("train-form"):
        before = st.session_state.get("train-name-task")
        if st.session_state.get("train-name") in (None, f"my-{before}"):  # the task's own default name, unless
            st.session_state["train-name"] = f"my-{task}"  # one was typed: choosing another task changes it too
        st.session_state["train-name-task"] = task
        name = st.text_input("Name", key="train-name")
        if kind.default_model and any(o.name == "base" and o.default == "auto" for o in kind.train_options):
            st.caption(f"Starts from {md(kind.default_model)}, the shipped model, when the file's labels are among its "
                       "labels (it is trained further on them); otherwise a new classifier is trained on the encoder. "
                       "After training, both are scored on the same dev rows.")
        cols = st.columns(4)
        values = {o.name: (_label_set_field(cols[i % 4], f"train-{task}-{o.name}") if (task, o.name) ==
                           ("custom", "labels") else _field(cols[i % 4], o, f"train-{task}-{o.name}"))
                  for i, o in enumerate(shown)}
        submitted = st.form_submit_button("Check data and start training", type="primary")
    return {"name": name.strip(), **values}, submitted


def job_panel(job) -> None:
    """Progress, loss and dev-metric chart, cancel, and the outcome of one job (refreshed every 2 s)."""
    status = job.status
    events = job.events()
    steps = [e for e in events if "loss" in e and e.get("event") != "epoch"]
    epochs_done = [e for e in events if e.get("event") == "epoch"]
    early = next((e for e in events if e.get("event") == "early_stop"), None)
    if status in ("running", "cancelling"):  # the bar lives while the job runs; its outcome replaces it
        fraction, counts = progress_of(steps[-1] if steps else None)
        st.progress(fraction, text=f"Job {job.id} · {status} · {counts} · {md(job.meta.get('description', ''))}")
    else:
        st.caption(f"Job {job.id} · {status} · {md(job.meta.get('description', ''))}")
    if early:
        st.info(f"Stopped early after epoch {early['epoch']} of {early['epochs']}: the dev metric did not improve for "
                f"{early['patience']} epoch(s); the weights of epoch {early['best_epoch']} were kept.")
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
        took = f" (training took {duration(steps[-1]['elapsed_s'])})" if steps and steps[-1].get("elapsed_s") else ""
        st.success(f"Finished{took}: {md(job.meta['out'])} is registered and selectable on every page.")
        comparison_panel((job.result() or {}).get("comparison"))
    elif status == "cancelled":
        st.warning("Cancelled: nothing was registered. Start it again to train from the beginning.")
    else:
        st.error(f"Job {status}: {md(_last_error(job.log_tail(40)))}")
        with st.expander("Log (last lines)"):
            st.code(_plain(job.log_tail(15)) or "(no output)", language=None)


def progress_of(step: dict | None, now: float | None = None) -> tuple[float, str]:
    """(fraction done, 'epoch 3/8 · step 12/32 · about 1 min 10 s left') from a job's latest step event."""
    import time

    if step is None:
        return 0.0, "preparing: loading the model and scoring the starting model on the dev rows"
    total = step.get("total_steps") or 1
    parts = [f"epoch {step['epoch']}/{step['epochs']}" if step.get("epochs") else f"epoch {step.get('epoch', '?')}",
             f"step {step['step']}/{total}"]
    if isinstance(step.get("eta_s"), (int, float)):
        since = (now or time.time()) - step.get("time", now or time.time())  # the event's age
        parts.append(f"about {duration(max(0.0, step['eta_s'] - since))} left")
    return min(1.0, step["step"] / total), " · ".join(parts)


def comparison_panel(comparison: dict | None) -> None:
    """The new model against the one it started from (or the shipped one), on the same dev rows; a warning if worse."""
    if not comparison:
        return
    from biofm.train.common import comparison_lines

    scores, *warning = comparison_lines(comparison)
    st.caption(md(scores[:1].upper() + scores[1:]))
    if warning:
        st.warning(md(warning[0].removeprefix("WARNING: ")))


def _plain(text: str) -> str:
    """Log text without terminal colour codes or progress-bar redraws."""
    import re

    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n") if line.rsplit("\r", 1)[-1].strip())


def _last_error(log: str) -> str:
    """The last line that names an error, in plain words (the full log is below it)."""
    lines = [ln.strip() for ln in _plain(log).splitlines() if ln.strip()]
    hit = next((ln for ln in reversed(lines) if "error" in ln.lower() or "exception" in ln.lower()), None)
    return (hit or "see the log below")[:300]
