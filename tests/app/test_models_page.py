import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

import biofm.tasks  # noqa: F401  (registers every task's review codec)
from biofm.review import ReviewStore
from biofm.train.jobs import list_jobs

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "7_Models.py")


def test_train_from_a_reviewed_batch_and_use_the_model(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("BIOFM_DATA_DIR", str(tmp_path))
    store = ReviewStore(f"sqlite:///{tmp_path / 'biofm.db'}")
    items = [{"external_id": str(i), "text": f"{'heart murmur' if i % 2 else 'new seizure'} case {i}",
              "prediction": {"label": "cardiac"}} for i in range(16)]
    batch = store.add_batch("text-classify", "tiny-text", "1", ["cardiac", "neuro"], items)
    for v in store.queue(batch, "ann", "input"):
        if "seizure" in v.text:
            store.decide(v.id, "ann", "correct", {"label": "neuro"})
        else:
            store.decide(v.id, "ann", "accept")

    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception and not at.error
    at.radio(key="train-source").set_value("A reviewed batch").run()
    at.text_input(key="train-name").input("from-review")
    at.selectbox(key="train-text-classify-method").set_value("full")
    at.number_input(key="train-text-classify-epochs").set_value(1)
    at.number_input(key="train-text-classify-max_length").set_value(32)
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert "Started job" in at.success[0].value and "16 documents, 2 labels" in at.success[0].value
    [job] = list_jobs(tmp_path)
    deadline = time.time() + 240
    while job.status == "running" and time.time() < deadline:
        time.sleep(1)
    assert job.status == "finished", job.log_tail()
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert any("is registered and selectable on every page" in s.value for s in at.success)
    assert "from-review" in set(at.dataframe[0].value["name"])
    assert at.selectbox(key="train-job-pick").value == job.id
    # a second job: the panel follows it (not the finished one), and a cancel reads as words, not log lines
    at.radio(key="train-source").set_value("A reviewed batch").run()
    at.text_input(key="train-name").input("second-run")
    at.button[0].click().run()
    newest = next(j for j in list_jobs(tmp_path) if j.id != job.id)
    assert at.selectbox(key="train-job-pick").value == newest.id
    newest.cancel(grace=0.5)
    at.run()
    assert any("Cancelled: nothing was registered" in w.value for w in at.warning)
    assert not any("\x1b[" in c.value for c in at.get("code"))


def test_bad_name_is_refused(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("BIOFM_DATA_DIR", str(tmp_path))
    store = ReviewStore(f"sqlite:///{tmp_path / 'biofm.db'}")
    b = store.add_batch("text-classify", "m", "1", ["a", "b"], [{"external_id": "1", "text": "x",
                                                                "prediction": {"label": "a"}}])
    store.decide(store.queue(b, "r", "input")[0].id, "r", "accept")
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.radio(key="train-source").set_value("A reviewed batch").run()
    at.text_input(key="train-name").input("../../etc")
    at.button[0].click().run()
    assert "letters, digits" in at.error[0].value
    at.text_input(key="train-name").input("ok-name")
    at.button[0].click().run()
    assert at.error[0].value.startswith("Not started:") and "two classes" in at.error[0].value
