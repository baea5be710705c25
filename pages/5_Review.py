"""Review: accept, reject or correct predictions; agreement between reviewers; export to fine-tune on."""

import pandas as pd
import streamlit as st

import webui
from biofm.explain import entities_html
from biofm.reports import LABELS as REPORT_LABELS
from biofm.reports import OBSERVATIONS
from biofm.review import QUEUE_ORDERS
from biofm.tasks.ner import Entity

st.set_page_config(page_title="Review · biofm", page_icon=":material/fact_check:", layout="wide")
st.title("Review")
store = webui.review_store()

reviewer = st.text_input("Your name (recorded on every decision)", key="reviewer").strip()
batches = store.batches()
if not batches:
    st.info("No batches yet: run a model on any page and press 'Send this batch to review'.")
    st.stop()
ids = [b["id"] for b in batches]
default = ids.index(st.session_state["review-batch"]) if st.session_state.get("review-batch") in ids else 0
batch_id = st.selectbox("Batch", ids, index=default, key="review-batch-pick",
                        format_func=lambda i: next(f"#{b['id']} · {b['task']} · {b['model']} · {b['items']} items · "
                                                   f"{b['created']:%Y-%m-%d %H:%M}" for b in batches if b["id"] == i))
batch = store.batch(batch_id)
task = batch["task"]
c1, c2 = st.columns(2)
order = c1.selectbox("Order", QUEUE_ORDERS, key="review-order", format_func={
    "uncertainty": "Least confident first", "disagreement": "Rules vs model disagreement first",
    "input": "Input order"}.get)
pending_only = c2.checkbox("Only items I have not reviewed", value=True, key="review-pending")
if not reviewer:
    st.warning("Enter your name to review.")
    st.stop()

queue = store.queue(batch_id, reviewer, order, pending_only=pending_only)
done = len(store.reviewed(batch_id, reviewer))
st.progress(done / max(batch["items"], 1), text=f"{reviewer}: {done} of {batch['items']} accepted or corrected")
if not queue:
    st.success("Nothing left to review in this batch.")
else:
    pos = min(st.session_state.get("review-pos", 0), len(queue) - 1)
    item = queue[pos]
    st.subheader(f"Item {item.external_id}  ·  {pos + 1} of {len(queue)} in the queue")
    st.caption(f"confidence {item.confidence:.3f}" + (f" · disagreement {item.disagreement:.0f}" if task == "reports"
                                                       else ""))
    if item.decision:
        st.info(f"Your last decision: {item.decision['action']} ({item.decision['created_at']:%H:%M:%S})")
    pred = item.prediction
    new_value = None
    if task == "ner":
        st.html(entities_html(item.text, [Entity(e["start"], e["end"], e["label"], e["text"], e.get("score", 1.0))
                                          for e in pred["entities"]], ["Chemical", "Disease"]))
        st.caption("Edit entities: add, delete, change type or adjust start/end (character offsets).")
        edited = st.data_editor(pd.DataFrame(pred["entities"], columns=["start", "end", "label", "text"]),
                                num_rows="dynamic", key=f"review-ents-{item.id}", column_config={
                                    "label": st.column_config.SelectboxColumn(options=["Chemical", "Disease"]),
                                    "text": st.column_config.TextColumn(disabled=True)})
        rows = edited.dropna(subset=["start", "end", "label"])
        bad = [r for r in rows.itertuples() if not (0 <= int(r.start) < int(r.end) <= len(item.text))]
        if bad:
            st.error(f"{len(bad)} entity span(s) fall outside the text (0-{len(item.text)}).")
        else:
            new_value = {"entities": [{"start": int(r.start), "end": int(r.end), "label": r.label,
                                       "text": item.text[int(r.start):int(r.end)]} for r in rows.itertuples()]}
    elif task == "molecules":
        from biofm.chem.draw import structure_png

        png = structure_png(item.text)
        if png:
            st.image(png, caption=item.text, width=320)
        kind = pred.get("kind", "regression")
        frame = pd.DataFrame({"target": list(pred["values"]), "model": list(pred["values"].values())})
        frame["reviewed"] = [v if kind == "regression" else float(v >= 0.5) for v in frame["model"]]
        st.caption("Reviewed value: a number (regression) or 1 / 0 (active / inactive); leave empty if unknown.")
        edited = st.data_editor(frame, key=f"review-mol-{item.id}", hide_index=True, disabled=["target", "model"])
        new_value = {"values": {t: (None if pd.isna(v) else float(v)) for t, v in zip(edited["target"],
                                                                                     edited["reviewed"])}}
    elif task == "reports":
        st.text(item.text)
        frame = pd.DataFrame({"observation": list(OBSERVATIONS),
                              "label": [pred["observations"][o] for o in OBSERVATIONS],
                              "rules": [pred.get("rules", {}).get(o, "") for o in OBSERVATIONS],
                              "model": [pred.get("model", {}).get(o, "") for o in OBSERVATIONS]})
        edited = st.data_editor(frame, key=f"review-obs-{item.id}", hide_index=True, disabled=["observation", "rules",
                                                                                                  "model"],
                                column_config={"label": st.column_config.SelectboxColumn(options=list(REPORT_LABELS))})
        new_value = {"observations": dict(zip(edited["observation"], edited["label"]))}
    else:
        st.text(item.text)
        probs = pred.get("probs", {})
        st.write(f"Model: **{pred['label']}**" + (f" ({probs.get(pred['label'], 0):.2f})" if probs else ""))
        labels = batch["labels"]
        choice = st.selectbox("Correct label", labels, index=labels.index(pred["label"]) if pred["label"] in labels
                              else 0, key=f"review-label-{item.id}")
        new_value = {"label": choice}
    comment = st.text_input("Comment (optional)", key=f"review-comment-{item.id}")
    b1, b2, b3, b4, b5 = st.columns(5)

    def advance():
        st.session_state["review-pos"] = pos if pending_only else min(pos + 1, len(queue) - 1)

    if b1.button("Accept", type="primary", shortcut="a", key="review-accept"):
        store.decide(item.id, reviewer, "accept", comment=comment)
        advance()
        st.rerun()
    if b2.button("Save correction", shortcut="s", key="review-correct", disabled=new_value is None):
        store.decide(item.id, reviewer, "correct", new_value, comment=comment)
        advance()
        st.rerun()
    if b3.button("Reject", shortcut="x", key="review-reject"):
        store.decide(item.id, reviewer, "reject", comment=comment)
        advance()
        st.rerun()
    if b4.button("Previous", shortcut="p", key="review-prev", disabled=pos == 0):
        st.session_state["review-pos"] = pos - 1
        st.rerun()
    if b5.button("Next", shortcut="n", key="review-next", disabled=pos >= len(queue) - 1):
        st.session_state["review-pos"] = pos + 1
        st.rerun()
    st.caption("Keyboard: a accept · s save correction · x reject · n next · p previous")

st.divider()
st.subheader("Agreement and model quality")
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
    st.write(f"The model against {reviewer}'s labels:")
    st.dataframe(pd.DataFrame([{"label": k, **{m: round(v, 3) if isinstance(v, float) else v for m, v in row.items()}}
                               for k, row in metrics.items()]), hide_index=True, key="review-metrics")
with st.expander("Audit log"):
    log = store.audit_log(batch_id)
    st.dataframe(pd.DataFrame(log, columns=["id", "item", "reviewer", "created_at", "action", "old_value", "new_value",
                                            "comment", "model_name", "model_version", "input_hash"]).astype(
        {"old_value": str, "new_value": str}), hide_index=True, key="review-log")
st.subheader("Export reviewed items")
e1, e2, e3 = st.columns(3)
e1.download_button("Export CSV", store.export(batch_id, "csv", reviewer), f"reviewed-{batch_id}.csv", "text/csv",
                   key="review-export-csv")
e2.download_button("Export JSONL", store.export(batch_id, "jsonl", reviewer), f"reviewed-{batch_id}.jsonl",
                   "application/jsonl", key="review-export-jsonl")
if task == "ner":
    e3.download_button("Export CoNLL", store.export(batch_id, "conll", reviewer), f"reviewed-{batch_id}.conll",
                       "text/plain", key="review-export-conll")
