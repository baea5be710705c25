"""Review: accept, reject or correct predictions; agreement between reviewers; export to fine-tune on."""

import streamlit as st

import webui
from biofm.review import QUEUE_ORDERS
from webui.review import agreement, audit_and_export, item_card

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
    st.subheader(f"Item {webui.md(item.external_id)}  ·  {pos + 1} of {len(queue)} in the queue")
    st.caption(f"confidence {item.confidence:.3f}" + (f" · disagreement {item.disagreement:.0f}"
                                                       if item.disagreement else ""))
    if item.decision:
        st.info(f"Your last decision: {item.decision['action']} ({item.decision['created_at']:%H:%M:%S})")
    new_value = item_card(batch, item)
    comment = st.text_input("Comment (optional)", key=f"review-comment-{item.id}")
    b1, b2, b3, b4, b5 = st.columns(5)

    def decide(action: str, value=None) -> None:
        store.decide(item.id, reviewer, action, value, comment=comment)
        st.session_state["review-pos"] = pos if pending_only else min(pos + 1, len(queue) - 1)
        st.rerun()

    if b1.button("Accept", type="primary", shortcut="a", key="review-accept"):
        decide("accept")
    if b2.button("Save correction", shortcut="s", key="review-correct", disabled=new_value is None):
        decide("correct", new_value)
    if b3.button("Reject", shortcut="x", key="review-reject"):
        decide("reject")
    if b4.button("Previous", shortcut="p", key="review-prev", disabled=pos == 0):
        st.session_state["review-pos"] = pos - 1
        st.rerun()
    if b5.button("Next", shortcut="n", key="review-next", disabled=pos >= len(queue) - 1):
        st.session_state["review-pos"] = pos + 1
        st.rerun()
    st.caption("Keyboard: a accept · s save correction · x reject · n next · p previous")

st.divider()
st.subheader("Agreement and model quality")
agreement(store, batch_id, reviewer)
audit_and_export(store, batch, reviewer)
