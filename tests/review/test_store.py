import csv
import io
import json
import subprocess
import sys
import threading

import pytest

import biofm.tasks  # noqa: F401  (registers every task's review codec)
from biofm.review import ReviewStore


@pytest.fixture
def store(tmp_path):
    return ReviewStore(f"sqlite:///{tmp_path / 'review.db'}")


def text_batch(store, n=4):
    items = [{"external_id": f"d{i}", "text": f"note {i}", "prediction": {"label": "cardiac" if i % 2 else "neuro",
                                                                          "probs": {}},
              "confidence": [0.9, 0.3, 0.6, 0.5][i % 4]} for i in range(n)]
    return store.add_batch("text-classify", "m", "1", ["cardiac", "neuro"], items, source="notes.csv")


def test_schema_is_created_by_alembic_and_is_idempotent(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    ReviewStore(url)
    store = ReviewStore(url)  # second open: upgrade is a no-op
    from sqlalchemy import inspect, text

    assert {"batches", "items", "decisions", "alembic_version"} <= set(inspect(store.engine).get_table_names())
    with store.engine.connect() as c:
        assert c.execute(text("select version_num from alembic_version")).scalar() == "0002"
        assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_queue_orders(store):
    b = text_batch(store)
    assert [v.external_id for v in store.queue(b, "ann", "input")] == ["d0", "d1", "d2", "d3"]
    assert [v.external_id for v in store.queue(b, "ann", "uncertainty")] == ["d1", "d3", "d2", "d0"]
    store.decide(store.queue(b, "ann", "input")[1].id, "ann", "accept")
    assert [v.external_id for v in store.queue(b, "ann", "uncertainty", pending_only=True)] == ["d3", "d2", "d0"]
    assert len(store.queue(b, "bob", "input", pending_only=True)) == 3  # k = 1: d1 has its one review
    store.set_reviews_per_item(b, 2, "curator")
    assert len(store.queue(b, "bob", "input", pending_only=True)) == 4  # k = 2: d1 still needs a second reviewer
    assert len(store.queue(b, "ann", "input", pending_only=True)) == 3  # but not ann again
    with pytest.raises(ValueError, match="order must be"):
        store.queue(b, "ann", "random")


def test_decisions_are_appended_with_old_and_new_values(store):
    b = text_batch(store)
    item = store.queue(b, "ann", "input")[0]  # predicted neuro
    store.decide(item.id, "ann", "accept")
    store.decide(item.id, "ann", "correct", {"label": "cardiac"}, comment="typo in note")
    store.decide(item.id, "ann", "reject")
    hist = store.history(item.id)
    assert [h["action"] for h in hist] == ["accept", "correct", "reject"]
    assert hist[0]["old_value"] == {"label": "neuro"} and hist[0]["new_value"] == {"label": "neuro"}
    assert hist[1]["old_value"] == {"label": "neuro"} and hist[1]["new_value"] == {"label": "cardiac"}
    assert hist[2]["old_value"] == {"label": "cardiac"} and hist[2]["new_value"] is None
    assert all(h["reviewer"] == "ann" and h["model_name"] == "m" and len(h["input_hash"]) == 64 for h in hist)
    assert hist[1]["comment"] == "typo in note"
    assert store.reviewed(b, "ann") == []  # latest decision is a rejection
    with pytest.raises(ValueError, match="reviewer name"):
        store.decide(item.id, "  ", "accept")
    with pytest.raises(ValueError, match="corrected value"):
        store.decide(item.id, "ann", "correct")


def test_kappa_on_a_known_table(store):
    labels = ["a", "a", "b", "b", "a", "b", "a", "b", "a", "a"]
    items = [{"external_id": str(i), "text": f"t{i}", "prediction": {"label": lab}} for i, lab in enumerate(labels)]
    b = store.add_batch("text-classify", "m", "1", ["a", "b"], items)
    queue = store.queue(b, "x", "input")
    other = ["a", "b", "b", "b", "a", "a", "a", "b", "a", "b"]  # reviewer 2 disagrees on items 1, 5, 9
    for v, lab_a, lab_b in zip(queue, labels, other):
        store.decide(v.id, "r1", "accept")
        store.decide(v.id, "r2", "accept" if lab_a == lab_b else "correct", {"label": lab_b})
    k = store.kappa(b, "r1", "r2")
    # 2x2 table: a/a 4, a/b 2, b/a 1, b/b 3 -> po 0.7, pe 0.6*0.5+0.4*0.5 = 0.5, kappa 0.4
    assert k["a"] == pytest.approx(0.4) and k["b"] == pytest.approx(0.4)
    m = store.model_metrics(b, "r2")
    assert m["a"]["precision"] == pytest.approx(4 / 6) and m["a"]["recall"] == pytest.approx(4 / 5)


def test_kappa_is_per_class_plus_overall_and_metrics_skip_what_nobody_saw(store):
    r1 = ["a", "a", "b", "c", "c", "a", "b", "c"]
    r2 = ["a", "b", "b", "c", "a", "a", "b", "c"]
    items = [{"external_id": str(i), "text": f"t{i}", "prediction": {"label": lab}} for i, lab in enumerate(r1)]
    b = store.add_batch("text-classify", "m", "1", ["a", "b", "c", "d"], items)
    assert store.model_metrics(b, "r1") == {}  # nothing reviewed yet: no error, nothing to show
    for v, x, y in zip(store.queue(b, "x", "input"), r1, r2):
        store.decide(v.id, "r1", "accept")
        store.decide(v.id, "r2", "accept" if x == y else "correct", {"label": y})
    k = store.kappa(b, "r1", "r2")
    from sklearn.metrics import cohen_kappa_score

    assert k["(all labels)"] == pytest.approx(cohen_kappa_score(r1, r2))
    assert k["b"] == pytest.approx(cohen_kappa_score([x == "b" for x in r1], [y == "b" for y in r2]))
    assert len({round(v, 6) for v in k.values()}) > 1  # not one overall value repeated on every row
    m = store.model_metrics(b, "r2")
    assert set(m) == {"a", "b", "c"}  # "d": never predicted, never reviewed
    assert m["b"]["reviewed as this"] == 3 and m["b"]["predicted as this"] == 2


def test_concurrent_writers_in_threads_lose_nothing(store):
    b = text_batch(store, n=8)
    ids = [v.id for v in store.queue(b, "x", "input")]

    def work(name):
        for i in ids:
            store.decide(i, name, "accept")

    threads = [threading.Thread(target=work, args=(f"t{k}",)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.audit_log(b)) == 6 * 8


WRITER = """
import sys
import biofm.tasks  # registers every task's review codec
from biofm.review import ReviewStore
url, name, ids = sys.argv[1], sys.argv[2], [int(x) for x in sys.argv[3].split(",")]
store = ReviewStore(url)
for i in ids:
    store.decide(i, name, "correct", {"label": "cardiac"})
"""


def test_concurrent_writers_in_processes_lose_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    store = ReviewStore(url)
    b = text_batch(store, n=10)
    ids = ",".join(str(v.id) for v in store.queue(b, "x", "input"))
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, url, f"p{k}", ids], stderr=subprocess.PIPE)
             for k in range(3)]
    for p in procs:
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err.decode()[-2000:]
    assert len(ReviewStore(url).audit_log(b)) == 30


def test_acknowledged_decisions_survive_a_new_process(tmp_path):
    url = f"sqlite:///{tmp_path / 'd.db'}"
    s1 = ReviewStore(url)
    b = text_batch(s1)
    did = s1.decide(s1.queue(b, "ann", "input")[0].id, "ann", "accept")
    s1.engine.dispose()  # as if the app crashed after the save returned
    assert [d["id"] for d in ReviewStore(url).audit_log(b)] == [did]


def test_text_export_round_trips_into_the_train_reader(store, tmp_path):
    from biofm.io import read_text_file

    b = text_batch(store)
    q = store.queue(b, "ann", "input")
    store.decide(q[0].id, "ann", "accept")
    store.decide(q[1].id, "ann", "correct", {"label": "neuro"})
    store.decide(q[2].id, "ann", "reject")
    path = tmp_path / "reviewed.csv"
    path.write_bytes(store.export(b, "csv", "ann"))
    res = read_text_file(path, label_column="label")
    assert [(r.id, r.text, r.label) for r in res.records] == [("d0", "note 0", "neuro"), ("d1", "note 1", "neuro")]
    lines = [json.loads(x) for x in store.export(b, "jsonl", "ann").decode().splitlines()]
    assert lines[1] == {"id": "d1", "text": "note 1", "label": "neuro"}


def test_ner_and_report_exports(store, tmp_path):
    from biofm.io.conll import read_conll

    text = "Aspirin induced asthma."
    ents = [{"start": 0, "end": 7, "label": "Chemical", "text": "Aspirin", "score": 0.9}]
    b = store.add_batch("ner", "n", "1", ["O", "B-Chemical"], [{"external_id": "s1", "text": text,
                                                                 "prediction": {"entities": ents}}])
    item = store.queue(b, "ann", "input")[0]
    store.decide(item.id, "ann", "correct", {"entities": ents[:1] + [{"start": 16, "end": 22, "label": "Disease",
                                                                       "text": "asthma"}]})
    path = tmp_path / "r.conll"
    path.write_bytes(store.export(b, "conll", "ann"))
    sents, errors = read_conll(path)
    assert not errors and sents[0].tags == ["B-Chemical", "O", "B-Disease", "O"]
    m = store.model_metrics(b, "ann")
    assert m["Chemical"]["f1"] == 1.0 and m["Disease"]["recall"] == 0.0

    from biofm.reports import OBSERVATIONS

    pred = {"observations": {o: "not mentioned" for o in OBSERVATIONS}}
    pred["observations"]["Edema"] = "positive"
    rb = store.add_batch("reports", "r", "1", list(OBSERVATIONS), [{"external_id": "r1", "text": "Edema.",
                                                                     "prediction": pred}])
    store.decide(store.queue(rb, "ann", "input")[0].id, "ann", "accept")
    rows = list(csv.DictReader(io.StringIO(store.export(rb, "csv", "ann").decode())))
    assert rows[0]["Edema"] == "1" and rows[0]["Fracture"] == "" and rows[0]["report"] == "Edema."


def test_molecule_review_export_reads_back_for_training(store, tmp_path):
    from biofm.chem.train import molecule_table

    items = [{"external_id": f"m{i}", "text": smi, "prediction": {"values": {"active": p}, "kind": "binary"}}
             for i, (smi, p) in enumerate([("CCO", 0.9), ("CCN", 0.2), ("c1ccccc1", 0.7)] * 4)]
    b = store.add_batch("molecules", "bbbp", "1", ["active"], items)
    q = store.queue(b, "ann", "input")
    for v in q:
        if v.text == "CCN":
            store.decide(v.id, "ann", "correct", {"values": {"active": 1.0}})
        else:
            store.decide(v.id, "ann", "accept")
    path = tmp_path / "reviewed.csv"
    path.write_bytes(store.export(b, "csv", "ann"))
    smiles, y = molecule_table(str(path), None, ["active"], skip_invalid=False)
    assert smiles[:3] == ["CCO", "CCN", "c1ccccc1"] and y[:3, 0].tolist() == [1.0, 1.0, 1.0]
    m = store.model_metrics(b, "ann")
    assert m["active"]["precision"] == 1.0 and m["active"]["recall"] == pytest.approx(8 / 12)


def test_a_stale_card_stores_nothing(store):
    from biofm.review import StaleDecision

    b = text_batch(store)
    item = store.queue(b, "ann", "input")[0]
    first = store.decide(item.id, "ann", "accept", expect=None)  # the card showed no decision: current
    with pytest.raises(StaleDecision, match="d0 was decided meanwhile"):
        store.decide(item.id, "ann", "correct", {"label": "cardiac"}, expect=None)  # a second tab's old card
    assert [h["id"] for h in store.history(item.id)] == [first]
    store.decide(item.id, "ann", "correct", {"label": "cardiac"}, expect=first)  # a card that showed `first`
    assert len(store.history(item.id)) == 2


def test_a_correction_to_the_predicted_value_is_an_accept(store):
    b = text_batch(store)
    item = store.queue(b, "ann", "input")[0]  # predicted neuro
    store.decide(item.id, "ann", "correct", {"label": "neuro"})
    assert [h["action"] for h in store.history(item.id)] == ["accept"]


def test_the_same_items_and_model_find_the_stored_batch(store):
    b = text_batch(store)
    items = [{"external_id": f"d{i}", "text": f"note {i}"} for i in range(4)]
    assert store.same_batch("text-classify", "m", "1", items) == b
    assert store.same_batch("text-classify", "m", "2", items) is None  # another model version
    assert store.same_batch("text-classify", "m", "1", items[:3]) is None
    assert store.same_batch("text-classify", "m", "1", [{**items[0], "text": "other"}, *items[1:]]) is None
