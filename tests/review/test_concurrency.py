"""The review store under concurrent first use and concurrent decisions on one item, from separate processes."""

from __future__ import annotations

import multiprocessing as mp

from biofm.review.store import ReviewStore


def _open(url: str, q) -> None:
    try:
        ReviewStore(url)
        q.put("ok")
    except Exception as exc:  # noqa: BLE001
        q.put(repr(exc))


def _decide(url: str, item_id: int, n: int, who: str) -> None:
    store = ReviewStore(url)
    for i in range(n):
        store.decide(item_id, "dr-same", "correct", {"label": f"{who}-{i}"})


def test_four_processes_creating_a_new_database_at_once_all_succeed(tmp_path):
    ctx = mp.get_context("spawn")
    for trial in range(3):
        url = f"sqlite:///{tmp_path / f'new{trial}.db'}"
        q = ctx.Queue()
        procs = [ctx.Process(target=_open, args=(url, q)) for _ in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        assert sorted(q.get(timeout=5) for _ in procs) == ["ok"] * 4


def test_concurrent_decisions_chain_each_old_value_to_the_previous_new_value(tmp_path):
    url = f"sqlite:///{tmp_path / 'review.db'}"
    store = ReviewStore(url)
    bid = store.add_batch("text-classify", "m", "1", ["a", "b"],
                          [{"external_id": "n1", "text": "fever", "prediction": {"label": "a", "probs": {}}, "confidence": 0.6}])
    item_id = store.queue(bid, "dr-same", "input")[0].id
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_decide, args=(url, item_id, 25, f"p{k}")) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    history = store.history(item_id)
    assert len(history) == 100
    for before, after in zip(history, history[1:]):
        assert after["old_value"] == before["new_value"]
