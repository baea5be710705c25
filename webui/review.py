"""Review widgets: the store, 'send this batch to review', and the item card every task shares (its codec's table)."""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from biofm import api
from biofm.models import ModelSpec
from biofm.tasks import get_task
from webui.core import registry, settings


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
    """A button that stores this batch for review and says where to find it. Pressed again for the same items and
    model, it offers the stored batch (and a second copy only when asked), not a silent duplicate."""
    import hashlib

    items = api.review_items(task, preds)
    here = hashlib.sha256(repr((spec.name, spec.version, [(it["external_id"], it["text"]) for it in items]))
                          .encode("utf-8")).hexdigest()
    state = f"{key}-send-review-same"
    left, right = st.columns([1, 3])
    k = int(left.number_input("Reviews per item", min_value=1, max_value=20, value=1, step=1,
                              key=f"{key}-send-review-k",
                              help="how many independent reviewers each item asks for (blind double review: 2)"))
    if right.button("Send this batch to review", key=f"{key}-send-review"):
        store = review_store()
        same = store.same_batch(task, spec.name, spec.version, items)
        if same is None:
            _stored(store.add_batch(task, spec.name, spec.version, list(spec.labels), items, source=key,
                                    reviews_per_item=k, created_by=_who()), len(items))
            st.session_state.pop(state, None)
            return
        st.session_state[state] = (here, same)
    offered = st.session_state.get(state)
    if offered and offered[0] == here:
        same = offered[1]
        st.info(f"These {len(items)} items from {webui_md(spec.name)} are already stored as batch {same}; nothing new was "
                "added. Review that batch, or store a second copy (its decisions start empty).")
        c1, c2 = st.columns(2)
        st.session_state["review-batch"] = same
        with c1:
            _review_link()
        if c2.button("Store a second copy", key=f"{key}-send-review-copy"):
            st.session_state.pop(state, None)
            _stored(review_store().add_batch(task, spec.name, spec.version, list(spec.labels), items, source=key,
                                             reviews_per_item=k, created_by=_who()), len(items))


def _stored(batch_id: int, n: int) -> None:
    st.session_state["review-batch"] = batch_id
    st.success(f"Batch {batch_id} ({n} items) is ready to review.")
    _review_link()


def _review_link() -> None:
    from streamlit.errors import StreamlitAPIException

    try:
        st.page_link("pages/5_Review.py", label="Open the review page", icon=":material/fact_check:")
    except StreamlitAPIException:  # a page run on its own (no navigation): name the page instead
        st.caption("Open the Review page to review it.")


def _who() -> str:
    from webui.identity import acting_user

    return acting_user()


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
            st.caption(f"The model '{webui_md(batch['model'])}' is not registered here, so it cannot be explained.")
            return
        explanation_panel(spec, item.text, targets, key=key, doc_id=item.external_id)


def _single_choice(codec, editor, item) -> dict | None:
    """One value with a set of choices (a document's label): a selectbox rather than a table."""
    row, column = editor.rows[0], editor.editable[0]
    st.write(f"Model: **{webui_md(row.get('model', row[column]))}**")
    options = editor.options[column]
    choice = st.selectbox("Correct label", options, index=options.index(row[column]) if row[column] in options else 0,
                          key=f"review-label-{item.id}")
    return codec.from_editor([{**row, column: choice}], item.text)[0]


def _missing(v) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def show_value(value: dict | None) -> str:
    """A reviewer's value in a few words (None: rejected)."""
    if value is None:
        return "(rejected)"
    if "label" in value:
        return str(value["label"])
    if "entities" in value:
        return "; ".join(f"{e.get('text', '')} [{e.get('label', '')}]" for e in value["entities"]) or "(no entities)"
    if "observations" in value:
        shown = [f"{o}: {v}" for o, v in value["observations"].items() if v != "not mentioned"]
        return "; ".join(shown) or "(nothing mentioned)"
    if "values" in value:
        return "; ".join(f"{t}: {v}" for t, v in value["values"].items())
    import json

    return json.dumps(value, ensure_ascii=False)


def batch_settings(store, batch: dict, who) -> dict:
    """Curators: how many independent reviews each item of this batch asks for (k)."""
    with st.expander(f"Batch settings · {batch['reviews_per_item']} independent review(s) per item"):
        k = st.number_input("Independent reviews per item (k)", min_value=1, max_value=20,
                            value=int(batch["reviews_per_item"]), step=1, key=f"review-k-{batch['id']}",
                            help="each reviewer's queue holds the items that still have fewer than k reviews")
        if int(k) != batch["reviews_per_item"]:
            store.set_reviews_per_item(batch["id"], int(k), who.user)
            batch = store.batch(batch["id"])
        p = store.progress(batch["id"])
        st.caption(f"{p['complete']} of {p['items']} items have {p['k']} review(s); {p['open disagreements']} "
                   f"disagreement(s) wait for a curator; {p['labelled']} item(s) have a label to export.")
    return batch


def decisions_side_by_side(store, batch: dict) -> pd.DataFrame:
    """Curators: one row per reviewed item, one column per reviewer, and the gold label."""
    values, gold = store.reviewer_values(batch["id"]), store.gold(batch["id"])
    names = sorted({r for per in values.values() for r in per})
    rows = []
    for item in store.queue(batch["id"], "", "input"):
        if item.id not in values:
            continue
        g = gold.get(item.id)
        rows.append({"id": item.external_id, **{n: show_value(values[item.id][n]) if n in values[item.id] else ""
                                                for n in names},
                     "gold": (show_value(g["new_value"]) if g["new_value"] is not None else "(excluded)") if g else ""})
    return pd.DataFrame(rows, columns=["id", *names, "gold"])


def adjudication_queue(store, batch: dict, who) -> None:
    """Curators: the items whose reviewers disagree, least confident first; the decision becomes the gold label."""
    if st.session_state.get("adjudicate-done"):
        st.success(st.session_state.pop("adjudicate-done"))
    include = st.checkbox("Also show items already adjudicated", key="adjudicate-all")
    queue = store.disagreements(batch["id"], include_resolved=include)
    if not queue:
        st.success("No open disagreements in this batch.")
    else:
        pos = min(st.session_state.get("adjudicate-pos", 0), len(queue) - 1)
        case = queue[pos]
        item = case["item"]
        st.subheader(f"{webui_md(item.external_id)}  ·  {pos + 1} of {len(queue)} disagreements")
        st.dataframe(pd.DataFrame([{"reviewer": r, "value": show_value(v)} for r, v in sorted(case["values"].items())]
                                  ), hide_index=True, key="adjudicate-values")
        if case["gold"]:
            st.info(f"Gold now: {webui_md(show_value(case['gold']['new_value']))} (by {webui_md(case['gold']['curator'])} at "
                    f"{case['gold']['created_at']:%H:%M:%S})")
        choices: dict[str, dict | None] = {}
        for r, v in sorted(case["values"].items()):
            if v is not None:
                choices.setdefault(show_value(v), v)
        cols = st.columns(max(len(choices), 1) + 1)
        comment = st.text_input("Comment (optional)", key=f"adjudicate-comment-{item.id}")
        for col, (label, value) in zip(cols, choices.items()):
            if col.button(f"Gold: {webui_md(label)}", key=f"adjudicate-take-{item.id}-{len(label)}-{abs(hash(label)) % 10**8}"):
                _adjudicate(store, item, who, value, comment)
        if cols[-1].button("Exclude from exports", key=f"adjudicate-exclude-{item.id}"):
            _adjudicate(store, item, who, None, comment)
        with st.expander("Another value"):
            edited = item_card(batch, item)
            if st.button("Save this value as gold", key=f"adjudicate-edited-{item.id}", disabled=edited is None):
                _adjudicate(store, item, who, edited, comment)
    with st.expander("All decisions side by side"):
        st.dataframe(decisions_side_by_side(store, batch), hide_index=True, key="adjudicate-side-by-side")
    with st.expander("Adjudication audit trail"):
        log = store.adjudications(batch["id"])
        st.dataframe(pd.DataFrame([{"item": a["item"], "curator": a["curator"], "created_at": a["created_at"],
                                    "old gold": show_value(a["old_value"]) if a["old_value"] is not None else "",
                                    "new gold": show_value(a["new_value"]) if a["new_value"] is not None
                                    else "(excluded)",
                                    "reviewers": "; ".join(f"{r}: {show_value(v)}"
                                                           for r, v in sorted(a["reviewer_values"].items())),
                                    "comment": a["comment"]} for a in log],
                                  columns=["item", "curator", "created_at", "old gold", "new gold", "reviewers",
                                           "comment"]), hide_index=True, key="adjudicate-log")


def rerun_area() -> None:
    """Rerun the fragment this runs in (a full run when the page itself is running, e.g. its first run)."""
    from streamlit.errors import StreamlitInvalidLayoutContextError

    try:
        st.rerun(scope="fragment")
    except StreamlitInvalidLayoutContextError:
        st.rerun()


def _adjudicate(store, item, who, value, comment: str) -> None:
    store.adjudicate(item.id, who.user, value, comment)
    st.session_state["adjudicate-done"] = (f"{webui_md(item.external_id)}: gold label "
                                           f"{webui_md(show_value(value)) if value is not None else 'excluded'} saved.")
    rerun_area()


def webui_md(text) -> str:
    from webui.core import md

    return md(text)


def agreement(store, batch: dict, who) -> None:
    """Curators: Krippendorff's alpha, Cohen's kappa per pair and span F1 (downloadable). Everyone: the model's
    scores against their own labels (a curator: against the batch's labels)."""
    batch_id = batch["id"]
    if who.curator:
        from biofm.review.agreement import agreement_csv

        tables = store.agreement(batch_id)
        if tables["alpha"] and len(store.reviewers(batch_id)) >= 2:
            st.write("Krippendorff's alpha (all reviewers, missing values allowed):")
            st.dataframe(_rounded(tables["alpha"]), hide_index=True, key="review-alpha")
            if tables["kappa"]:
                st.write("Cohen's kappa per pair of reviewers:")
                st.dataframe(_rounded(tables["kappa"]), hide_index=True, key="review-kappa")
            if tables["spans"]:
                st.write("Entity spans between reviewers:")
                st.dataframe(_rounded(tables["spans"]), hide_index=True, key="review-spans")
            st.download_button("Download agreement CSV", functools.partial(agreement_csv, tables),
                               f"agreement-{batch_id}.csv", "text/csv", key="review-agreement-csv",
                               on_click="ignore")
        else:
            st.caption("Agreement appears once two reviewers have reviewed this batch.")
    else:
        st.caption("Blind review: you see only your own decisions; curators see agreement between reviewers.")
    mine = None if who.curator else who.user
    metrics = store.model_metrics(batch_id, mine)
    if metrics:
        st.write("The model against the batch's labels:" if mine is None else
                 f"The model against {webui_md(who.display)}'s labels:")
        st.dataframe(pd.DataFrame([{"label": k, **{m: round(v, 3) if isinstance(v, float) else v
                                                   for m, v in row.items()}} for k, row in metrics.items()]),
                     hide_index=True, key="review-metrics")


def _rounded(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()} for r in rows])


def audit_and_export(store, batch: dict, who) -> None:
    """The audit log (a reviewer: their own decisions; a curator: everyone's and the exports) and the exports (a
    reviewer: their own values; a curator: the batch's labels, gold where adjudicated)."""
    with st.expander("Audit log"):
        log = store.audit_log(batch["id"])
        if not who.curator:
            log = [d for d in log if d["reviewer"] == who.user]
        st.dataframe(pd.DataFrame(log, columns=["id", "item", "reviewer", "created_at", "action", "old_value",
                                                "new_value", "comment", "model_name", "model_version", "input_hash"]
                                  ).astype({"old_value": str, "new_value": str}), hide_index=True, key="review-log")
        if who.curator:
            events = store.events(batch["id"])
            if events:
                st.dataframe(pd.DataFrame([{"when": e["created_at"], "user": e["user"], "event": e["event"],
                                            **{k: str(v) for k, v in e["detail"].items()}} for e in events]),
                             hide_index=True, key="review-events")
    st.subheader("Export reviewed items")
    mine = None if who.curator else who.user
    if mine is None:
        p = store.progress(batch["id"])
        adjudicated = len([1 for g in store.gold(batch["id"]).values() if g["new_value"] is not None])
        st.caption(f"The batch's labels: {p['labelled']} item(s), {adjudicated} adjudicated (gold; the CSV and JSONL "
                   f"say so in the adjudicated column); {p['open disagreements']} disagreement(s) are left out until "
                   "a curator adjudicates them.")
    else:
        st.caption("Your own accepted and corrected items.")
    formats = get_task(batch["task"]).codec.export_formats
    mime = {"csv": "text/csv", "jsonl": "application/jsonl", "conll": "text/plain"}
    for col, fmt in zip(st.columns(len(formats)), formats):
        # built when clicked (decisions since the page ran are in); no rerun, so a second export right after works
        col.download_button(f"Export {fmt.upper() if fmt != 'conll' else 'CoNLL'}",
                            functools.partial(store.export, batch["id"], fmt, mine, who.user),
                            f"reviewed-{batch['id']}.{fmt}", mime.get(fmt, "text/plain"), key=f"review-export-{fmt}",
                            on_click="ignore")
