"""k reviews per item, adjudication with its audit trail, gold-label exports, agreement and the 0001 -> 0002 upgrade."""

import csv
import io
import json
import subprocess
import sys

import numpy as np
import pytest

import biofm.tasks  # noqa: F401  (registers every task's review codec)
from biofm.review import ReviewStore


@pytest.fixture
def store(tmp_path):
    return ReviewStore(f"sqlite:///{tmp_path / 'team.db'}")


def _batch(store, labels, k=2):
    items = [{"external_id": f"n{i}", "text": f"note {i}", "prediction": {"label": lab}, "confidence": 0.5 + i / 100}
             for i, lab in enumerate(labels)]
    return store.add_batch("text-classify", "m", "1", ["a", "b"], items, reviews_per_item=k)


def test_k_reviews_adjudication_and_gold_export(store):
    b = _batch(store, ["a", "a", "b"])
    q = store.queue(b, "ann", "input")
    for v in q:
        store.decide(v.id, "ann", "accept")
    assert len(store.queue(b, "bob", "input", pending_only=True)) == 3  # each item still needs a second review
    store.decide(q[0].id, "bob", "accept")
    store.decide(q[1].id, "bob", "correct", {"label": "b"})
    store.decide(q[2].id, "bob", "reject")
    assert store.queue(b, "cat", "input", pending_only=True) == []  # k = 2 reached everywhere
    open_ = store.disagreements(b)
    assert [d["item"].external_id for d in open_] == ["n1", "n2"]
    assert open_[0]["values"] == {"ann": {"label": "a"}, "bob": {"label": "b"}}
    rows = list(csv.DictReader(io.StringIO(store.export(b, "csv").decode())))
    assert [(r["id"], r["label"], r["adjudicated"]) for r in rows] == [("n0", "a", "false")]  # disagreements out
    store.adjudicate(q[1].id, "cur", {"label": "b"}, comment="MRI says so")
    store.adjudicate(q[1].id, "cur2", {"label": "a"})
    store.adjudicate(q[2].id, "cur", None)  # excluded
    assert store.disagreements(b) == []
    trail = store.adjudications(b)
    assert [(a["item"], a["curator"], a["old_value"], a["new_value"]) for a in trail] == [
        ("n1", "cur", None, {"label": "b"}), ("n1", "cur2", {"label": "b"}, {"label": "a"}), ("n2", "cur", None, None)]
    assert trail[0]["reviewer_values"] == {"ann": {"label": "a"}, "bob": {"label": "b"}}
    assert trail[0]["comment"] == "MRI says so" and trail[0]["created_at"] is not None
    rows = list(csv.DictReader(io.StringIO(store.export(b, "csv", user="cur").decode())))
    assert [(r["id"], r["label"], r["adjudicated"]) for r in rows] == [("n0", "a", "false"), ("n1", "a", "true")]
    lines = [json.loads(x) for x in store.export(b, "jsonl").decode().splitlines()]
    assert [x["adjudicated"] for x in lines] == [False, True]
    assert [(e["user"], e["event"], e["detail"]["rows"]) for e in store.events(b)] == [("cur", "export", 2)]
    # a reviewer's own export is blind to the others and to gold
    assert [r["label"] for r in csv.DictReader(io.StringIO(store.export(b, "csv", "bob").decode()))] == ["a", "b"]


def test_alpha_matches_the_krippendorff_package_on_krippendorffs_example(store):
    import krippendorff

    nan = np.nan  # Krippendorff (2011), 4 coders x 12 units, nominal, with missing values
    data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
            [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    items = [{"external_id": f"u{j}", "text": f"unit {j}", "prediction": {"label": "1"}} for j in range(12)]
    b = store.add_batch("text-classify", "m", "1", ["1", "2", "3", "4", "5"], items, reviews_per_item=4)
    q = store.queue(b, "x", "input")
    for c, row in enumerate(data):
        for v, x in zip(q, row):
            if not np.isnan(x):
                store.decide(v.id, f"coder{c}", "correct", {"label": str(int(x))})
    table = {r["label"]: r for r in store.agreement(b)["alpha"]}
    expected = krippendorff.alpha(reliability_data=np.array(data), level_of_measurement="nominal")
    assert table["(all labels)"]["Krippendorff's alpha"] == pytest.approx(expected)
    assert table["(all labels)"]["Krippendorff's alpha"] == pytest.approx(0.743, abs=1e-3)  # the paper's value
    binary = np.array([[nan if np.isnan(x) else float(x == 3) for x in row] for row in data])
    assert table["3"]["Krippendorff's alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=binary, level_of_measurement="nominal"))
    from sklearn.metrics import cohen_kappa_score

    both = [j for j in range(12) if not np.isnan(data[1][j]) and not np.isnan(data[3][j])]
    kappa = {(r["reviewer A"], r["reviewer B"], r["label"]): r["Cohen's kappa"] for r in store.agreement(b)["kappa"]}
    assert kappa[("coder1", "coder3", "(all labels)")] == pytest.approx(
        cohen_kappa_score([data[1][j] for j in both], [data[3][j] for j in both]))


def test_span_agreement_exact_and_overlap(store):
    text = "Aspirin induced severe asthma."
    pred = {"entities": [{"start": 0, "end": 7, "label": "Chemical", "text": "Aspirin"}]}
    b = store.add_batch("ner", "n", "1", ["O", "B-Chemical", "B-Disease"],
                        [{"external_id": "s1", "text": text, "prediction": pred}], reviews_per_item=2)
    item = store.queue(b, "x", "input")[0]
    store.decide(item.id, "ann", "correct", {"entities": pred["entities"] + [
        {"start": 16, "end": 29, "label": "Disease", "text": "severe asthma"}]})
    store.decide(item.id, "bob", "correct", {"entities": pred["entities"] + [
        {"start": 23, "end": 29, "label": "Disease", "text": "asthma"}]})
    spans = store.agreement(b)["spans"][0]
    assert spans["exact F1"] == pytest.approx(0.5) and spans["overlap F1"] == pytest.approx(1.0)


CONCURRENT = """
import sys
import biofm.tasks  # registers every task's review codec
from biofm.review import ReviewStore
url, name, ids, role = sys.argv[1], sys.argv[2], [int(x) for x in sys.argv[3].split(",")], sys.argv[4]
store = ReviewStore(url)
for n, i in enumerate(ids):
    if role == "curator":
        store.adjudicate(i, name, {"label": "b" if n % 2 else "a"})
    else:
        store.decide(i, name, "correct", {"label": "b" if name.endswith("1") else "a"})
"""


def test_k_reviewers_and_a_curator_in_separate_processes_lose_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    store = ReviewStore(url)
    b = _batch(store, ["a"] * 12, k=3)
    ids = ",".join(str(v.id) for v in store.queue(b, "x", "input"))
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT, url, name, ids, role], stderr=subprocess.PIPE)
             for name, role in [("r0", "reviewer"), ("r1", "reviewer"), ("r2", "reviewer"), ("c0", "curator")]]
    for p in procs:
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err.decode()[-2000:]
    fresh = ReviewStore(url)
    assert len(fresh.audit_log(b)) == 36 and len(fresh.adjudications(b)) == 12
    assert all(len(v) == 3 for v in fresh.reviewer_values(b).values())


def test_a_0001_database_upgrades_and_keeps_its_decisions(tmp_path):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text

    from biofm.review.store import MIGRATIONS

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text("insert into batches (id, task, model_name, model_version, source, labels) values "
                          "(1, 'text-classify', 'm', '1', '', '[\"a\", \"b\"]')"))
        conn.execute(text("insert into items (id, batch_id, position, external_id, input_hash, input_text, prediction,"
                          " confidence, disagreement, explanation_ref) values (1, 1, 0, 'n0', 'h', 't', "
                          "'{\"label\": \"a\"}', 0.5, 0, '')"))
        conn.execute(text("insert into decisions (item_id, reviewer, action, old_value, new_value, comment, model_name,"
                          " model_version, input_hash) values (1, 'ann', 'accept', '{\"label\": \"a\"}', "
                          "'{\"label\": \"a\"}', '', 'm', '1', 'h')"))
    store = ReviewStore(url)
    assert store.batch(1)["reviews_per_item"] == 1
    assert [(d["reviewer"], d["action"]) for d in store.audit_log(1)] == [("ann", "accept")]
    assert store.export(1, "csv").decode().splitlines() == ["id,text,label,adjudicated", "n0,t,a,false"]
