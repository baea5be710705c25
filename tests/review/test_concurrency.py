"""The review store under concurrent first use and concurrent decisions on one item, from separate processes."""

from __future__ import annotations

import subprocess
import sys

import biofm.tasks  # noqa: F401  (registers every task's review codec)
from biofm.review.store import ReviewStore

OPEN = "import sys; from biofm.review.store import ReviewStore; ReviewStore(sys.argv[1]); print('ok')"
DECIDE = ("import sys; import biofm.tasks; from biofm.review.store import ReviewStore; "  # tasks: the codecs
          "s = ReviewStore(sys.argv[1]); "
          "[s.decide(int(sys.argv[2]), 'dr-same', 'correct', {'label': f'{sys.argv[3]}-{i}'}) for i in range(25)]")


def _run_all(script: str, argvs: list[list[str]]) -> list[subprocess.CompletedProcess]:
    procs = [subprocess.Popen([sys.executable, "-c", script, *a], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for a in argvs]
    return [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]


def test_four_processes_creating_a_new_database_at_once_all_succeed(tmp_path):
    for trial in range(3):
        url = f"sqlite:///{tmp_path / f'new{trial}.db'}"
        results = _run_all(OPEN, [[url]] * 4)
        assert [(code, out.strip()) for code, out, _ in results] == [(0, "ok")] * 4, [e for _, _, e in results]


def test_concurrent_decisions_chain_each_old_value_to_the_previous_new_value(tmp_path):
    url = f"sqlite:///{tmp_path / 'review.db'}"
    store = ReviewStore(url)
    bid = store.add_batch("text-classify", "m", "1", ["a", "b"],
                          [{"external_id": "n1", "text": "fever", "prediction": {"label": "a", "probs": {}},
                            "confidence": 0.6}])
    item_id = store.queue(bid, "dr-same", "input")[0].id
    results = _run_all(DECIDE, [[url, str(item_id), f"p{k}"] for k in range(4)])
    assert [code for code, _, _ in results] == [0] * 4, [e[-500:] for _, _, e in results]
    history = store.history(item_id)
    assert len(history) == 100
    for before, after in zip(history, history[1:]):
        assert after["old_value"] == before["new_value"]
