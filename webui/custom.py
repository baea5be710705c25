"""Your own labels: the label-set editor, the model's versions and learning curve, and the teach loop in Review
(teach order, accept all above a confidence, retrain from the reviewed items as a background job).

The task itself lives in :mod:`biofm.tasks.custom`; this module only draws it. A label set is saved as a custom
model folder ``<data dir>/models/<name>/`` (:func:`biofm.tasks.custom.model.write_zero_shot`), which the registry
lists at once, so every page's model picker offers it.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from biofm.models import ModelSpec, trained_models_dir
from biofm.tasks import get_task
from biofm.tasks.custom.labelset import Label, LabelSet, LabelSetError, load_label_set
from biofm.tasks.custom.model import read_versions, write_zero_shot
from webui.core import registry, settings
from webui.text import md

TASK = "custom"
COLUMNS = ["label", "description"]
# training defaults the Review page's retrain form starts from (a test server makes training short with them)
ENV_DEFAULTS = {"max_steps": "BIOFM_CUSTOM_MAX_STEPS", "min_per_label": "BIOFM_CUSTOM_MIN_PER_LABEL",
                "threads": "BIOFM_CUSTOM_THREADS", "max_length": "BIOFM_CUSTOM_MAX_LENGTH"}


def example_label_set() -> LabelSet:
    """The label set biofm ships to start from (``assets/examples/custom_labels.json``): smoking, adverse drug
    event, fall."""
    from biofm.config import EXAMPLES_DIR

    return load_label_set(EXAMPLES_DIR / get_task(TASK).example_labels)


def check_label_rows(name: str, rows: list[dict], multi_label: bool, encoder: str | None = None
                     ) -> tuple[LabelSet | None, list[str]]:
    """The label set a table of ``{"label", "description"}`` rows defines, or None and one message per problem:
    every bad label is named with its row (not only the first), then the set as a whole (its name, how many
    labels). Fully empty rows (the editor's blank last row) are ignored."""
    from biofm.models.spec import EMBEDDED_BASE

    encoder = (encoder or "").strip() or EMBEDDED_BASE
    kept = [(i, str(r.get("label") or ""), str(r.get("description") or "")) for i, r in enumerate(rows, start=1)
            if str(r.get("label") or "").strip() or str(r.get("description") or "").strip()]
    errors, seen = [], {}
    for i, lab, desc in kept:
        try:  # one label alone is a valid multi-label set: this checks the label's own name and description
            LabelSet("check", (Label(lab, desc),), True, encoder)
        except LabelSetError as exc:
            errors.append(f"Row {i}: {exc}")
            continue
        if lab.casefold() in seen:
            errors.append(f"Row {i}: label {lab!r} appears twice (row {seen[lab.casefold()]} too); names are "
                          "compared ignoring case")
        seen.setdefault(lab.casefold(), i)
    if errors:
        return None, errors
    try:
        return LabelSet(name.strip(), tuple(Label(lab, desc.strip()) for _, lab, desc in kept), multi_label,
                        encoder), []
    except LabelSetError as exc:
        return None, [str(exc)]


def model_folder(spec: ModelSpec) -> Path:
    """The custom model folder behind a spec (the folder holding ``labels.json``; a version's spec: its parent)."""
    here = Path(spec.location)
    return here if (here / "labels.json").is_file() or not (here.parent / "labels.json").is_file() else here.parent


def save_label_set_folder(ls: LabelSet) -> Path:
    """Write the label set as a custom model folder under the data dir (zero-shot until a version is trained).

    ValueError when the name belongs to another model, or when the folder has trained versions for other labels
    (they could not be compared; save the edited set under a new name)."""
    from biofm.models.registry import check_model_name

    why = check_model_name(ls.name, registry())
    if why:
        raise ValueError(why)
    folder = trained_models_dir(settings()) / ls.name
    known = registry()._specs.get(ls.name)
    if known is not None and (known.task != TASK or model_folder(known).resolve() != folder.resolve()):
        raise ValueError(f"{ls.name!r} already names a {known.task} model ({known.location}); choose another name")
    versions = read_versions(folder)
    if versions:
        old = load_label_set(folder)
        if old.names != ls.names or old.multi_label != ls.multi_label:
            raise ValueError(f"{ls.name!r} has {len(versions)} trained version(s) for the labels {old.names}; save "
                             "changed labels under a new name")
    return write_zero_shot(folder, ls, ls.name)


def label_set_editor(key: str) -> str | None:
    """Define or edit a label set; on save it is written and registered. Returns the saved model's name (this
    run), else None."""
    names = registry().names(TASK)
    choice = st.selectbox("Label set", ["New label set", *names], key=f"{key}-set",
                          help="a saved label set is a model of its own: pick it to edit its descriptions")
    if choice == "New label set":
        base, default_name = example_label_set(), ""
    else:
        base = load_label_set(model_folder(registry().get(choice)))
        default_name = base.name
    with st.form(f"{key}-labels-form"):
        name = st.text_input("Name of the label set", value=default_name or base.name, key=f"{key}-set-name-{choice}",
                             help="letters, digits, '.', '_' or '-'; it becomes the model's name")
        multi = st.checkbox("Multi-label (a note may have any number of these labels)", value=base.multi_label,
                            key=f"{key}-multi-{choice}")
        st.caption("One label per row, each with a one-line description: zero-shot suggestions come from the "
                   "descriptions, so say what the label means in the words a note would use.")
        table = st.data_editor(pd.DataFrame([{"label": lab.name, "description": lab.description}
                                             for lab in base.labels], columns=COLUMNS),
                               num_rows="dynamic", hide_index=True, key=f"{key}-labels-{choice}",
                               column_config={"label": st.column_config.TextColumn("label", width="medium"),
                                              "description": st.column_config.TextColumn("description",
                                                                                         width="large")})
        with st.expander("Sentence encoder"):
            encoder = st.text_input("Encoder zero-shot and training start from", value=base.encoder,
                                    key=f"{key}-encoder-{choice}",
                                    help="embedded:all-MiniLM-L6-v2 (shipped), an encoder folder, or hub:owner/name")
        saved = st.form_submit_button("Save label set", type="primary")
    if not saved:
        return None
    rows = [{k: (None if _missing(v) else v) for k, v in r.items()} for r in table.to_dict("records")]
    ls, errors = check_label_rows(name, rows, multi, encoder)
    for e in errors:
        st.error(md(e))
    if ls is None:
        return None
    try:
        folder = save_label_set_folder(ls)
    except (ValueError, OSError) as exc:
        st.error(f"Not saved: {md(exc)}")
        return None
    st.success(f"Saved the label set {md(ls.name)} ({len(ls.names)} labels, "
               f"{'multi' if ls.multi_label else 'single'}-label) in {md(folder)}; it is listed in the model picker.")
    return ls.name


def _missing(v) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def learning_curve_figure(rows: list[dict], height: int = 300) -> go.Figure:
    """Dev macro-F1 against the reviewed items each version trained on (version 0: zero-shot)."""
    fig = go.Figure(go.Scatter(x=[r["n_train"] for r in rows], y=[r["dev_macro_f1"] for r in rows],
                               mode="lines+markers+text", text=[f"v{r['version']}" for r in rows],
                               textposition="top center", name="dev macro-F1",
                               hovertemplate="version %{text}<br>%{x} reviewed items<br>macro-F1 %{y:.3f}"))
    fig.update_layout(height=height, xaxis_title="reviewed items trained on", yaxis_title="dev macro-F1",
                      yaxis={"range": [0, 1.15], "tickvals": [0, 0.25, 0.5, 0.75, 1]}, margin={"t": 20, "b": 10})
    return fig


def versions_table(folder: Path) -> pd.DataFrame:
    versions = read_versions(folder)
    rows = [{"version": v["version"], "created": v.get("created", ""), "trained on": v.get("n_train"),
             "dev items": v.get("n_dev"), "dev macro-F1": _round((v.get("dev") or {}).get("macro_f1")),
             "zero-shot dev macro-F1": _round((v.get("zero_shot_dev") or {}).get("macro_f1")),
             "contrastive steps": v.get("contrastive_steps"), "seconds": v.get("seconds"),
             "in use": v is versions[-1]} for v in versions]
    return pd.DataFrame(rows, columns=["version", "created", "trained on", "dev items", "dev macro-F1",
                                       "zero-shot dev macro-F1", "contrastive steps", "seconds", "in use"])


def _round(x):
    return round(float(x), 4) if isinstance(x, (int, float)) else None


def learning_panel(spec: ModelSpec, key: str, compact: bool = False) -> None:
    """The model's versions, its learning curve, and (on request) every version scored on the reviewed items.
    ``compact``: curve and versions side by side, no comparison (Review, above the card)."""
    from biofm.tasks.custom.teach import learning_curve

    folder = model_folder(spec)
    curve = learning_curve(folder)
    if not curve:
        st.caption(f"{md(spec.name)} is zero-shot: no version is trained yet. Send a batch to review, review some "
                   "notes (8 or more per label) and press 'Retrain from reviewed items' on the Review page.")
        return
    versions = read_versions(folder)
    last = versions[-1]
    dev = (last.get("dev") or {}).get("macro_f1")
    if not compact:
        st.write(f"In use: version {last['version']} of {md(spec.name)}, trained on {last['n_train']} reviewed "
                 "item(s)" + (f"; dev macro-F1 **{dev:.3f}** on {last['n_dev']} item(s)." if dev is not None else "."))
    left, right = st.columns([1, 1]) if compact else (st.container(), st.container())
    with left:
        st.plotly_chart(learning_curve_figure(curve, height=240 if compact else 300), key=f"{key}-curve")
        st.caption("Learning curve: macro-F1 on the fixed dev part of the reviewed items (chosen by a hash of each "
                   "item's id, never trained on) after each retrain; version 0 is the zero-shot suggestions.")
    with right:
        table = versions_table(folder)
        if compact:
            table = table[["version", "trained on", "dev items", "dev macro-F1", "zero-shot dev macro-F1", "in use"]]
        st.dataframe(table, hide_index=True, key=f"{key}-versions")
    if compact:
        return
    if st.button("Compare every version on the reviewed items", key=f"{key}-compare"):
        from biofm.tasks.custom.fewshot import compare_versions, read_reviewed
        from webui.review import review_store

        data = reviewed_rows(review_store(), spec.name, None)
        if data is None:
            st.info("No reviewed items of this model yet.")
            return
        ls = load_label_set(folder)
        path = _save_reviewed(data, spec.name)
        with st.spinner("Scoring every version…"):
            table = compare_versions(folder, read_reviewed(path, ls), ls)
        st.dataframe(pd.DataFrame(table), hide_index=True, key=f"{key}-comparison")
        st.caption("Every version (0: zero-shot) on all reviewed items, including items later versions trained on, "
                   "which favours them; the learning curve above is the fair comparison.")


# ---------------------------------------------------------------------------------------------------- Review --
def is_custom(batch: dict) -> bool:
    return batch.get("task") == TASK


def queue(store, batch_id: int, reviewer: str, order: str, pending_only: bool) -> list:
    """The review queue; ``order="teach"``: the stored teach rank (uncertain and unlike each other first)."""
    from biofm.tasks.custom.teach import teach_queue

    if order != "teach":
        return store.queue(batch_id, reviewer, order, pending_only=pending_only)
    return teach_queue(store.queue(batch_id, reviewer, "input", pending_only=pending_only))


def reviewed_rows(store, model_name: str, reviewer: str | None) -> bytes | None:
    """The reviewed items of every custom batch of ``model_name`` as one training CSV (``id,text,label`` or
    ``labels``); an item reviewed in several batches counts once, its latest batch's value. ``reviewer``: that
    reviewer's own values; None: the batches' labels (gold where adjudicated). None when nothing is reviewed."""
    rows, header = {}, None
    for b in sorted((b for b in store.batches() if b["task"] == TASK and b["model"] == model_name),
                    key=lambda b: b["id"]):
        data = store.export(b["id"], "csv", reviewer).decode("utf-8")
        reader = csv.DictReader(io.StringIO(data))
        for r in reader:
            key = "labels" if "labels" in r else "label"
            header = header or ["id", "text", key]
            rows[r["id"]] = [r["id"], r["text"], r[key]]
    if not rows:
        return None
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    w.writerows(rows.values())
    return out.getvalue().encode("utf-8")


def _save_reviewed(data: bytes, name: str) -> Path:
    from biofm.phi.files import save_private

    return save_private(data, Path(settings().data_dir) / "uploads", f"custom-{name}-reviewed.csv")


def training_default(name: str) -> int:
    """A training option's default: ``BIOFM_CUSTOM_<NAME>`` when set, else the trainer's own default."""
    from biofm.tasks.custom.fewshot import DEFAULTS

    raw = os.environ.get(ENV_DEFAULTS[name], "")
    try:
        return int(raw) if raw.strip() else int(DEFAULTS[name])
    except ValueError:
        return int(DEFAULTS[name])


def accept_panel(store, batch: dict, reviewer: str, pending: list, key: str = "teach") -> None:
    """'Accept all above confidence c': the reviewer's accept on every pending suggestion at least that sure."""
    from biofm.review import StaleDecision
    from biofm.tasks.custom.teach import accept_items

    if st.session_state.get(f"{key}-accepted"):
        st.success(st.session_state.pop(f"{key}-accepted"))
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    c = c1.slider("Accept all above confidence", 0.0, 1.0, 0.9, 0.01, key=f"{key}-c",
                  help="each suggestion at least this confident is recorded as your accept, as if pressed one by one")
    chosen = accept_items(pending, float(c), batch["labels"])
    if c2.button(f"Accept {len(chosen)} suggestion(s) above {c:.2f}", key=f"{key}-accept-above",
                 disabled=not chosen):
        done, stale = 0, 0
        for item, _value in chosen:
            try:
                store.decide(item.id, reviewer, "accept", None, comment=f"accepted above confidence {c:.2f}",
                             expect=item.decision["id"] if item.decision else None)
                done += 1
            except StaleDecision:
                stale += 1
        st.session_state[f"{key}-accepted"] = (f"Accepted {done} suggestion(s) with confidence {c:.2f} or more"
                                               + (f"; {stale} were decided meanwhile elsewhere and left as they were"
                                                  if stale else "") + ".")
        st.session_state["review-pos"] = 0
        st.rerun()


def latest_job(folder: Path):
    """The newest training job that writes into this custom model folder (None: none yet)."""
    from biofm.train.jobs import list_jobs

    for job in list_jobs(Path(settings().data_dir)):
        try:
            meta = job.meta
        except (OSError, ValueError):
            continue
        if meta.get("task") == TASK and Path(meta.get("out", "")).resolve() == folder.resolve():
            return job
    return None


def retrain_panel(store, batch: dict, who) -> None:
    """'Retrain from reviewed items': the reviewed items of this model's batches train its next version in a
    background job; while it runs its progress shows here, and when it ends the new version's dev macro-F1 and
    the learning curve (one more point)."""
    from biofm.tasks.custom.fewshot import check_counts, read_reviewed, targets
    from biofm.train.common import TrainingDataError
    from biofm.train.jobs import start_job
    from webui.training import job_panel

    try:
        spec = registry().get(batch["model"])
    except Exception:  # noqa: BLE001  (the model folder was removed or lives elsewhere)
        st.caption(f"The model {md(batch['model'])} is not registered here, so it cannot be retrained from this page.")
        return
    folder = model_folder(spec)
    job = latest_job(folder)
    running = job is not None and job.status in ("running", "cancelling")
    c1, c2, c3 = st.columns([2, 2, 3], vertical_alignment="bottom")
    steps = int(c1.number_input("Training steps (at most)", min_value=1, value=training_default("max_steps"),
                                step=10, key="teach-max-steps", help="contrastive SetFit steps of 16 pairs each"))
    need = int(c2.number_input("Reviewed examples needed per label", min_value=1,
                               value=training_default("min_per_label"), step=1, key="teach-min-per-label"))
    if c3.button("Retrain from reviewed items", type="primary", key="teach-retrain", disabled=running,
                 help="trains the next version of this label set on every reviewed item of its batches"):
        data = reviewed_rows(store, batch["model"], None if who.curator else who.user)
        try:
            if data is None:
                raise TrainingDataError("no reviewed items yet: accept or correct some suggestions first")
            ls = load_label_set(folder)
            path = _save_reviewed(data, batch["model"])
            records = read_reviewed(path, ls)
            check_counts(targets([r.meta["value"] for r in records], ls), ls, need)
            config = get_task(TASK).training_config({"labels": str(folder), "train": str(path), "out": str(folder),
                                                     "name": spec.name, "max_steps": steps, "min_per_label": need,
                                                     "threads": training_default("threads"),
                                                     "max_length": training_default("max_length")})
            summary = get_task(TASK).check_training_file(path, config)
        except (TrainingDataError, LabelSetError, ValueError) as exc:
            st.error(f"Not started: {md(exc)}")
        else:
            from webui.identity import acting_user

            job = start_job(Path(settings().data_dir), TASK, config, description=f"{spec.name} · {summary}",
                            user=acting_user())
            running = True
    if job is None:
        return
    if running:
        @st.fragment(run_every=2.0)
        def watch() -> None:
            job_panel(job)
            if job.status not in ("running", "cancelling"):
                st.rerun()  # the whole page: the new version's score and curve, the model picker

        watch()
        return
    if job.status != "finished" or not read_versions(folder):
        job_panel(job)  # failed or cancelled: why, and the log
        return
    v = read_versions(folder)[-1]
    dev = (v.get("dev") or {}).get("macro_f1")
    st.caption(f"Job {job.id} · finished · {md(job.meta.get('description', ''))}")
    st.success(f"Version {v['version']} of {md(spec.name)} is in use: trained on {v['n_train']} reviewed "
               f"item(s)" + (f", dev macro-F1 {dev:.3f} on {v['n_dev']} item(s)." if dev is not None else ".")
               + " New predictions on every page use it; send a new batch to review with its suggestions.")
    from biofm.tasks.custom.fewshot import version_warnings

    for line in version_warnings(v):  # below the version it replaced, or below zero-shot, on the same dev items
        st.warning(md(line.removeprefix("WARNING: ")))
    learning_panel(spec, key="teach", compact=True)


def teach_panel(store, batch: dict, who, order: str, pending_only: bool) -> None:
    """The custom task's teach loop above the review card: accept above a confidence, retrain, learning curve."""
    with st.container(border=True):
        st.markdown("**Teach the model**")
        pending = queue(store, batch["id"], who.user, order, True)
        accept_panel(store, batch, who.user, pending)
        retrain_panel(store, batch, who)


def suggestions_table(preds) -> pd.DataFrame:
    """One row per note: its suggested label(s), confidence, each label's probability, the text's start."""
    frame = pd.DataFrame(preds.rows())
    key = "labels" if preds.multi_label else "label"
    first = ["id", key, "score"] + (["true_label"] if "true_label" in frame else [])
    frame = frame[first + [c for c in frame.columns if c not in first and c != "text"] + ["text"]]
    frame = frame.rename(columns={"score": "confidence"})
    frame["text"] = frame["text"].str.slice(0, 160)
    return frame


__all__ = ["accept_panel", "check_label_rows", "example_label_set", "label_set_editor", "learning_curve_figure",
           "learning_panel", "model_folder", "queue", "retrain_panel", "reviewed_rows", "save_label_set_folder",
           "suggestions_table", "teach_panel", "versions_table"]

