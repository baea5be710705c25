"""Review: accept, reject or correct predictions; agreement between reviewers; export to fine-tune on."""

import streamlit as st

import webui
from biofm.review import QUEUE_ORDERS
from webui.review import agreement, audit_and_export, explain_item, item_card

st.set_page_config(page_title="Review · biofm", page_icon=webui.FAVICON, layout="wide")
st.title("Review")
store = webui.review_store()

if "reviewer" not in st.session_state:  # start with the login name; change it to yours
    import getpass

    try:
        st.session_state["reviewer"] = getpass.getuser()
    except (KeyError, OSError):
        st.session_state["reviewer"] = ""
reviewer = st.text_input("Your name (recorded on every decision)", key="reviewer").strip()
batches = store.batches()
if not batches:
    st.info("No batches yet: run a model on any page and press 'Send this batch to review', or try the example.")
    if st.button("Try the example", key="review-example", icon=":material/play_arrow:",
                 help="classifies biofm's 20 example notes and sends them here to review"):
        with webui.guarded("Preparing the example batch"), st.spinner("Classifying the example notes…"):
            st.session_state["review-batch"] = webui.example_review_batch()
            st.rerun()
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


def _decide(item_id: int, external_id: str, action: str, value, pos: int, n: int) -> None:
    """A button's callback: store the decision before the card reruns, so the rerun shows the next item."""
    try:
        store.decide(item_id, reviewer, action, value,
                     comment=st.session_state.get(f"review-comment-{item_id}", ""))
    except Exception as exc:  # noqa: BLE001  (shown on the card; the traceback goes to the log)
        import logging

        logging.getLogger("biofm.app").exception("saving a decision on %s failed", external_id)
        st.session_state["review-error"] = f"Saving your decision on {external_id} failed: {exc}"
        return
    st.session_state["review-pos"] = pos if pending_only else min(pos + 1, n - 1)


def _move(pos: int) -> None:
    st.session_state["review-pos"] = pos


@st.fragment
def review_queue() -> None:
    """The card and its buttons rerun on their own (a decision does not rerun the whole page) and move on to the
    next item; agreement and export below refresh on the next full run."""
    if st.session_state.get("review-error"):
        st.error(st.session_state.pop("review-error"))
    queue = store.queue(batch_id, reviewer, order, pending_only=pending_only)
    done = len(store.reviewed(batch_id, reviewer))
    st.progress(done / max(batch["items"], 1), text=f"{webui.md(reviewer)}: {done} of {batch['items']} accepted or corrected")
    if not queue:
        st.success("Nothing left to review in this batch.")
        return
    pos = min(st.session_state.get("review-pos", 0), len(queue) - 1)
    item = queue[pos]
    st.subheader(f"{webui.md(item.external_id)}  ·  {pos + 1} of {len(queue)} in the queue")
    truth = item.prediction.get("true_label")
    st.caption(f"batch #{batch_id} · model {webui.md(batch['model'])} · confidence {item.confidence:.3f}"
               + (f" · disagreement {item.disagreement:.0f}" if item.disagreement else "")
               + (f" · true label in the input file: **{webui.md(truth)}**" if truth is not None else ""))
    if item.decision:
        st.info(f"Your last decision: {item.decision['action']} ({item.decision['created_at']:%H:%M:%S})")
    new_value = item_card(batch, item)
    st.text_input("Comment (optional)", key=f"review-comment-{item.id}")
    b1, b2, b3, b4, b5 = st.columns(5)
    here = (item.id, item.external_id)
    b1.button("Accept", type="primary", shortcut="a", key="review-accept", on_click=_decide,
              args=(*here, "accept", None, pos, len(queue)))
    if b2.button("Save correction", shortcut="s", key="review-correct", disabled=new_value is None):
        _decide(*here, "correct", new_value, pos, len(queue))  # the value edited in this very run
        st.rerun(scope="fragment")
    b3.button("Reject", shortcut="x", key="review-reject", on_click=_decide, args=(*here, "reject", None, pos, len(queue)))
    b4.button("Previous", shortcut="p", key="review-prev", disabled=pos == 0, on_click=_move, args=(pos - 1,))
    b5.button("Next", shortcut="n", key="review-next", disabled=pos >= len(queue) - 1, on_click=_move,
              args=(pos + 1,))
    st.caption("Keyboard: a accept · s save correction · x reject · n next · p previous")
    explain_item(batch, item, key=f"review-explain-{item.id}")


review_queue()

st.divider()
st.subheader("Agreement and model quality")
agreement(store, batch_id, reviewer)
audit_and_export(store, batch, reviewer)
