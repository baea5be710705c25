"""Review: accept, reject or correct predictions (blind, k reviews per item); curators adjudicate disagreements;
agreement between reviewers; export to fine-tune on."""

import streamlit as st

import webui
from biofm.review import QUEUE_ORDERS, StaleDecision
from webui import custom, identity
from webui.review import (adjudication_queue, agreement, audit_and_export, batch_settings, explain_item, item_card,
                          rerun_area)

st.set_page_config(page_title="Review · biofm", page_icon=webui.FAVICON, layout="wide")
st.title("Review")
store = webui.review_store()
who = identity.require()  # the signed-in account (team) or the single user's name; nobody can act as another
reviewer = who.user
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
                                                   f"{b['reviews_per_item']} review(s) per item · "
                                                   f"{b['created']:%Y-%m-%d %H:%M}" for b in batches if b["id"] == i))
batch = store.batch(batch_id)
work = "review"
if who.curator:
    batch = batch_settings(store, batch, who)
    work = st.radio("Work", ["review", "adjudicate"], key="review-work", horizontal=True,
                    format_func={"review": "Review items",
                                 "adjudicate": f"Adjudicate disagreements ({len(store.disagreements(batch_id))})"}.get)
if work == "adjudicate":
    st.fragment(lambda: adjudication_queue(store, batch, who))()
    st.stop()

c1, c2 = st.columns(2)
teach = custom.is_custom(batch)  # your own labels: teach order first, the teach loop above the card
order = c1.selectbox("Order", (("teach",) if teach else ()) + QUEUE_ORDERS,
                     key="review-order-teach" if teach else "review-order", format_func={
    "teach": "Teach: least confident and most informative first", "uncertainty": "Least confident first",
    "disagreement": "Rules vs model disagreement first", "input": "Input order"}.get)
pending_only = c2.checkbox("Only items that still need my review", value=True, key="review-pending")
if teach:
    custom.teach_panel(store, batch, who, order, pending_only)


def _decide(item_id: int, seen, action: str, value, pos: int, n: int) -> None:
    """Store a decision on the item the card showed, if the card was current (``seen``: the reviewer's latest
    decision on it as shown); a stale card stores nothing and says so."""
    try:
        store.decide(item_id, reviewer, action, value, comment=st.session_state.get(f"review-comment-{item_id}", ""),
                     expect=seen)
    except StaleDecision as exc:
        st.session_state["review-stale"] = (f"This card was stale: {exc}. Nothing was stored; the queue below is "
                                            "current.")
        return
    except Exception as exc:  # noqa: BLE001  (shown on the card; the traceback goes to the log)
        import logging

        logging.getLogger("biofm.app").exception("saving a decision on item %s failed", item_id)
        st.session_state["review-error"] = f"Saving your decision failed: {exc}"
        return
    st.session_state["review-pos"] = pos if pending_only else min(pos + 1, n - 1)


def _move(pos: int) -> None:
    st.session_state["review-pos"] = pos


def review_queue() -> None:
    """The card and its buttons; a decision moves on to the next item."""
    if st.session_state.get("review-error"):
        st.error(st.session_state.pop("review-error"))
    if st.session_state.get("review-stale"):
        st.warning(st.session_state.pop("review-stale"))
    shown = st.session_state.get("review-shown")  # (item id, latest decision id) the card showed last run
    queue = custom.queue(store, batch_id, reviewer, order, pending_only)
    done = len(store.reviewed(batch_id, reviewer))
    st.progress(done / max(batch["items"], 1), text=f"{webui.md(who.display)}: {done} of {batch['items']} "
                                                     "accepted or corrected")
    if not queue:
        st.session_state.pop("review-shown", None)
        st.success("Nothing left to review in this batch.")
        return
    pos = min(st.session_state.get("review-pos", 0), len(queue) - 1)
    item = queue[pos]
    seen = item.decision["id"] if item.decision else None
    st.session_state["review-shown"] = (item.id, seen)
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
    here = (item.id, seen)
    b1.button("Accept", type="primary", shortcut="a", key="review-accept", on_click=_decide,
              args=(*here, "accept", None, pos, len(queue)))
    if b2.button("Save correction", shortcut="s", key="review-correct", disabled=new_value is None):
        if shown is None or shown[0] != item.id:  # the card pressed showed another item (decided in another tab)
            stale = store.item(shown[0], reviewer) if shown else None
            last = stale.decision if stale else None
            st.session_state["review-stale"] = (
                f"This card was stale: {stale.external_id if stale else 'its item'} was decided meanwhile in another "
                f"tab or window" + (f" ({last['action']} at {last['created_at']:%H:%M:%S})" if last else "")
                + ". Nothing was stored; the queue below is current.")
        else:
            _decide(item.id, shown[1], "correct", new_value, pos, len(queue))  # the value edited in this very run
        rerun_area()
    b3.button("Reject", shortcut="x", key="review-reject", on_click=_decide, args=(*here, "reject", None, pos, len(queue)))
    b4.button("Previous", shortcut="p", key="review-prev", disabled=pos == 0, on_click=_move, args=(pos - 1,))
    b5.button("Next", shortcut="n", key="review-next", disabled=pos >= len(queue) - 1, on_click=_move,
              args=(pos + 1,))
    st.caption("Keyboard: a accept · s save correction · x reject · n next · p previous")
    explain_item(batch, item, key=f"review-explain-{item.id}")


@st.fragment
def review_area() -> None:
    """The card, agreement and export rerun together on their own: a decision does not rerun the whole page, and
    the agreement and export below show it at once."""
    review_queue()
    st.divider()
    st.subheader("Agreement and model quality")
    agreement(store, batch, who)
    audit_and_export(store, batch, who)


review_area()
