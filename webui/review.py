"""Review widgets: the store, 'send this batch to review', and the item card every task shares (its codec's table)."""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from biofm import api
from biofm.models import ModelSpec
from biofm.tasks import get_task
from webui.core import registry, settings
from webui.text import md


@st.cache_resource
def review_store():
    from biofm.review import ReviewStore

    return ReviewStore(settings().database_url)


def example_review_batch() -> int:
    """The text-classification example, classified with the task's default model and stored as a review batch."""
    from webui.core import loaded_model

    kind = get_task("text-classify")
    spec = registry().get(kind.default_model)
    result = kind.read_example()
    preds = api.predict(kind.name, result.records, model=loaded_model(spec), settings=settings())
    return api.send_to_review(review_store(), kind.name, preds, spec, source="example")


def send_to_review(task: str, preds, spec: ModelSpec, key: str) -> None:
    """A button that stores this batch for review and says where to find it."""
    if st.button("Send this batch to review", key=f"{key}-send-review"):
        batch_id = api.send_to_review(review_store(), task, preds, spec, source=key)
        st.session_state["review-batch"] = batch_id
        st.success(f"Batch {batch_id} ({len(preds.ids)} items) is ready to review.")
        st.page_link("pages/5_Review.py", label="Open the review page", icon=":material/fact_check:")


def item_card(batch: dict, item) -> dict | None:
    """Show an item as its task's codec says and return the corrected value from its editable table (or None)."""
    codec = get_task(batch["task"]).codec
    kind, content = codec.preview(item.text, item.prediction, batch["labels"])
    if kind == "html":
        st.html(content)
    elif kind == "image":
        st.image(content, caption=item.text, width=320)
    else:
        st.text(content)
    editor = codec.editor(item.text, item.prediction, batch["labels"])
    if editor.help:
        st.caption(editor.help)
    if len(editor.rows) == 1 and len(editor.editable) == 1 and editor.editable[0] in editor.options:
        return _single_choice(codec, editor, item)
    frame = pd.DataFrame(editor.rows)
    config = {c: st.column_config.SelectboxColumn(options=opts) for c, opts in editor.options.items()}
    edited = st.data_editor(frame, key=f"review-edit-{item.id}", hide_index=True, column_config=config,
                            num_rows="dynamic" if editor.dynamic else "fixed",
                            disabled=[c for c in frame.columns if c not in editor.editable])
    rows = [{k: (None if _missing(v) else v) for k, v in r.items()} for r in edited.to_dict("records")]
    value, error = codec.from_editor(rows, item.text)
    if error:
        st.error(error)
    return value


def explain_item(batch: dict, item, key: str) -> None:
    """Why the model said it: the explanation panel for this item, when its model is still registered."""
    from webui.explain import explanation_panel

    codec = get_task(batch["task"]).codec
    targets = codec.explain_targets(item.prediction, batch["labels"])
    if not targets:
        return
    with st.expander("Why did the model say this?"):
        try:
            spec = registry().get(batch["model"])
        except Exception:  # noqa: BLE001  (a model trained elsewhere or since deleted)
            st.caption(f"The model '{md(batch['model'])}' is not registered here, so it cannot be explained.")
            return
        explanation_panel(spec, item.text, targets, key=key)


def _single_choice(codec, editor, item) -> dict | None:
    """One value with a set of choices (a document's label): a selectbox rather than a table."""
    row, column = editor.rows[0], editor.editable[0]
    st.write(f"Model: **{md(row.get('model', row[column]))}**")
    options = editor.options[column]
    choice = st.selectbox("Correct label", options, index=options.index(row[column]) if row[column] in options else 0,
                          key=f"review-label-{item.id}")
    return codec.from_editor([{**row, column: choice}], item.text)[0]


def _missing(v) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def agreement(store, batch_id: int, reviewer: str) -> None:
    """Cohen's kappa between two reviewers and the model's scores against this reviewer's labels."""
    names = store.reviewers(batch_id)
    if len(names) >= 2:
        k1, k2 = st.columns(2)
        ra = k1.selectbox("Reviewer A", names, index=0, key="kappa-a")
        rb = k2.selectbox("Reviewer B", names, index=1, key="kappa-b")
        kappa = store.kappa(batch_id, ra, rb)
        st.dataframe(pd.DataFrame([{"label": k, "Cohen's kappa": None if v is None else round(v, 3)}
                                   for k, v in kappa.items()]), hide_index=True, key="review-kappa")
    else:
        st.caption("Cohen's kappa appears once two reviewers have reviewed this batch.")
    metrics = store.model_metrics(batch_id, reviewer)
    if metrics:
        st.write(f"The model against {md(reviewer)}'s labels:")
        st.dataframe(pd.DataFrame([{"label": k, **{m: round(v, 3) if isinstance(v, float) else v
                                                   for m, v in row.items()}} for k, row in metrics.items()]),
                     hide_index=True, key="review-metrics")


def audit_and_export(store, batch: dict, reviewer: str) -> None:
    with st.expander("Audit log"):
        log = store.audit_log(batch["id"])
        st.dataframe(pd.DataFrame(log, columns=["id", "item", "reviewer", "created_at", "action", "old_value",
                                                "new_value", "comment", "model_name", "model_version", "input_hash"]
                                  ).astype({"old_value": str, "new_value": str}), hide_index=True, key="review-log")
    st.subheader("Export reviewed items")
    formats = get_task(batch["task"]).codec.export_formats
    mime = {"csv": "text/csv", "jsonl": "application/jsonl", "conll": "text/plain"}
    for col, fmt in zip(st.columns(len(formats)), formats):
        # built when clicked: decisions made on the card (a fragment) since the page last ran are included
        col.download_button(f"Export {fmt.upper() if fmt != 'conll' else 'CoNLL'}",
                            functools.partial(store.export, batch["id"], fmt, reviewer),
                            f"reviewed-{batch['id']}.{fmt}", mime.get(fmt, "text/plain"), key=f"review-export-{fmt}")
