"""A task that is only a folder (BIOFM_TASK_DIRS) trains from the Models and training page on a reviewed multi-label
batch, with the PHI gate on: the batch's export (``id,text,labels``) passes the gate by its ``labels`` column, and
the form's model name follows the chosen task."""

from __future__ import annotations

import json
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from biofm.review import ReviewStore
from biofm.train.jobs import list_jobs
from tests.app.test_more_tasks_page import lab_env  # noqa: F401  (the fixture: the lab folder and its tiny model)
from tests.tasks.lab_task import TASK

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "7_Models.py")
WORDS = {"nausea": "felt sick and vomited", "rash": "red itchy rash", "dizziness": "dizzy when standing"}


def test_a_folder_task_trains_from_a_reviewed_batch_with_the_phi_gate_on(lab_env, tmp_path, monkeypatch):
    monkeypatch.setenv("BIOFM_DATA_DIR", str(tmp_path / "home"))
    monkeypatch.setenv("BIOFM_PHI_GATE", "warn")
    store = ReviewStore(f"sqlite:///{tmp_path / 'home' / 'biofm.db'}")
    combos = [["nausea"], ["rash"], ["dizziness"], ["nausea", "rash"], ["rash", "dizziness"], []]
    items = [{"external_id": f"n{i}", "text": f"started the drug; {' and '.join(WORDS[g] for g in given) or 'fine'}",
              "prediction": {"labels": [], "probs": {}}} for i, given in enumerate(combos * 4)]
    batch = store.add_batch(TASK, "tiny-side-effects", "1", ["dizziness", "nausea", "rash"], items)
    for item, given in zip(store.queue(batch, "ann", "input"), combos * 4):
        store.decide(item.id, "ann", "correct", {"labels": given})

    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception and not at.error
    assert at.text_input(key="train-name").value == "my-text-classify"
    at.selectbox(key="train-task").set_value(TASK).run()
    assert at.text_input(key="train-name").value == f"my-{TASK}"  # the chosen task's name, not the first one's
    assert at.text_input(key=f"train-{TASK}-label_column").value == "labels"
    at.radio(key="train-source").set_value("A reviewed batch").run()
    assert not at.error, [e.value for e in at.error]  # not "Not saved: label column 'label' not found"
    at.selectbox(key=f"train-{TASK}-method").set_value("full")
    at.number_input(key=f"train-{TASK}-epochs").set_value(1)
    at.number_input(key=f"train-{TASK}-max_length").set_value(16)
    next(b for b in at.button if b.label == "Check data and start training").click().run()
    assert not at.exception and not at.error
    assert "Started job" in at.success[0].value and "24 labelled items" in at.success[0].value
    [job] = list_jobs(tmp_path / "home")
    deadline = time.time() + 300
    while job.status == "running" and time.time() < deadline:
        time.sleep(1)
    assert job.status == "finished", job.log_tail()
    spec = json.loads((tmp_path / "home" / "models" / f"my-{TASK}" / "biofm.json").read_text())
    assert spec["task"] == TASK and len(spec["extra"]["thresholds"]) == 3
