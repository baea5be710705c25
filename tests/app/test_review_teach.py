"""Review of a custom (your own labels) batch: the teach order, 'accept all above confidence c' recorded as the
reviewer's own accepts, and 'Retrain from reviewed items' training the next version in a background job whose end
shows the new version's score and a learning curve one point longer. A tiny random encoder keeps it fast."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from biofm import api
from biofm.review import ReviewStore
from biofm.tasks.custom.teach import accept_items, teach_queue
from tests.app.conftest import shown

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "5_Review.py")


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory) -> Path:
    from tests.conftest import make_tiny_classifier

    return make_tiny_classifier(tmp_path_factory.mktemp("enc") / "tiny-encoder")


@pytest.fixture
def teach_env(app_env, tmp_path, monkeypatch, tiny_encoder):
    """A custom label set in the data dir's models folder, its zero-shot suggestions on the example notes stored
    as a review batch."""
    from biofm.config import load_settings
    from biofm.tasks import get_task
    from biofm.tasks.custom import label_set
    from biofm.tasks.custom.model import spec_for, write_zero_shot

    monkeypatch.setenv("BIOFM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BIOFM_CUSTOM_MAX_LENGTH", "32")  # the tiny encoder has 64 positions
    monkeypatch.setenv("BIOFM_CUSTOM_THREADS", "1")
    folder = write_zero_shot(tmp_path / "models" / "teach-set", label_set(
        "teach-set", {"smoking": "tobacco use", "adverse_drug_event": "harm from a medicine",
                      "fall": "the patient fell"}, encoder=str(tiny_encoder)), "teach-set")
    spec = spec_for(folder)
    records = get_task("custom").read_example().records
    preds = api.predict("custom", records, model=str(folder), settings=load_settings(device="cpu"))
    store = ReviewStore(f"sqlite:///{tmp_path / 'biofm.db'}")
    batch = api.send_to_review(store, "custom", preds, spec, source="test")
    return store, batch, folder


def _page(name: str = "Dr Teach") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.text_input(key="reviewer").input(name).run()
    return at


def test_teach_order_is_the_default_and_shows_the_most_informative_item_first(teach_env):
    store, batch, _ = teach_env
    at = _page()
    assert not at.exception and not at.error
    assert at.selectbox(key="review-order-teach").value == "teach"
    first = teach_queue(store.queue(batch, "x", "input"))[0]
    assert first.prediction["teach_rank"] == 0
    assert at.subheader[0].value.startswith(first.external_id)
    at.selectbox(key="review-order-teach").set_value("input").run()
    assert at.subheader[0].value.startswith("own-01")


def test_accept_all_above_c_records_each_as_the_reviewers_accept(teach_env):
    store, batch, _ = teach_env
    at = _page()
    items = store.queue(batch, "Dr Teach", "input", pending_only=True)
    confs = sorted(it.confidence for it in items)
    c = round(confs[len(confs) // 2], 2)  # about half the batch
    expected = {it.external_id for it, _ in accept_items(items, c, store.batch(batch)["labels"])}
    assert 0 < len(expected) < len(items)
    at.slider(key="teach-c").set_value(c).run()
    button = at.button(key="teach-accept-above")
    assert button.label == f"Accept {len(expected)} suggestion(s) above {c:.2f}"
    button.click().run()
    assert not at.exception and not at.error
    assert f"Accepted {len(expected)} suggestion(s) with confidence {c:.2f} or more." in at.success[0].value
    log = store.audit_log(batch)
    assert {d["item"] for d in log} == expected
    assert all(d["reviewer"] == "Dr Teach" and d["action"] == "accept" for d in log)
    assert store.reviewed(batch, "Dr Other") == []  # the accepts are Dr Teach's own
    assert at.button(key="teach-accept-above").label.startswith("Accept 0 suggestion(s)")


def test_retrain_from_reviewed_items_trains_the_next_version_in_a_job(teach_env):
    from biofm.config import EXAMPLES_DIR

    store, batch, folder = teach_env
    truth = {r["id"]: r["label"] for r in __import__("csv").DictReader(open(EXAMPLES_DIR / "custom_notes.csv"))}
    for it in store.queue(batch, "Dr Teach", "input")[:30]:
        store.decide(it.id, "Dr Teach", "correct", {"label": truth[it.external_id]})
    at = _page()
    at.number_input(key="teach-min-per-label").set_value(20).run()
    at.button(key="teach-retrain").click().run()
    assert "Not started: " in shown(at.error[0].value) and "20" in at.error[0].value  # too few per label
    at.number_input(key="teach-min-per-label").set_value(4)
    at.number_input(key="teach-max-steps").set_value(2)
    at.button(key="teach-retrain").click().run()
    assert not at.exception and not at.error
    jobs = list((Path(folder).parent.parent / "jobs").iterdir())
    assert len(jobs) == 1
    config = json.loads((jobs[0] / "config.json").read_text())
    assert config["out"] == str(folder) and config["max_steps"] == 2 and config["min_per_label"] == 4
    deadline = time.time() + 300
    while not (jobs[0] / "exit_code").is_file() and time.time() < deadline:
        time.sleep(2)
    assert (jobs[0] / "exit_code").read_text() == "0", (jobs[0] / "log.txt").read_text()[-2000:]
    at.run()
    assert not at.exception and not at.error
    done = next(shown(s.value) for s in at.success if "is in use" in s.value)
    assert done.startswith("Version 1 of teach-set is in use: trained on ") and "dev macro-F1" in done
    curve = json.loads(at.get("plotly_chart")[-1].proto.spec)["data"][0]
    assert len(curve["x"]) == 2 and curve["x"][0] == 0 and curve["x"][1] > 0  # zero-shot, then version 1
    spec = json.loads((folder / "biofm.json").read_text())
    assert spec["extra"]["mode"] == "few-shot" and spec["extra"]["weights"] == "v1"
