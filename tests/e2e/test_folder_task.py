"""A lab's own task in Chromium: a multi-label task that exists only as a folder (BIOFM_TASK_DIRS) appears as the
More tasks page; upload notes, see the predictions, the label-prevalence chart and one note's probabilities,
explain a label, download the CSV and send the batch to Review, where each label is a tick box."""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

from tests.e2e.conftest import app_server, download, no_traceback, shot, upload, wait_idle
from tests.tasks.lab_task import write_lab_task

pytestmark = pytest.mark.e2e
NOTES = "id,text\nn1,nausea after the first dose\nn2,\nn3,a rash on both arms\nn4,dizzy on standing\n"


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory, tiny_model_dir):
    root = write_lab_task(tmp_path_factory.mktemp("lab-tasks"))
    # the task's tiny model, from the folder's testing.py (loaded alone: this process does not register the task)
    spec = importlib.util.spec_from_file_location("lab_side_effects_testing", root / "side_effects" / "testing.py")
    testing = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(testing)
    model = testing.model_dir(tmp_path_factory.mktemp("lab-models"), tiny_model_dir)
    env = {"BIOFM_MODEL_DIRS": str(model.parent), "BIOFM_TASK_DIRS": str(root), "BIOFM_PHI_GATE": "warn"}
    with app_server(tmp_path_factory.mktemp("lab-data"), env) as url:
        yield url


def test_a_folder_task_runs_in_the_app(lab_server, page, tmp_path):
    page.goto(lab_server)
    page.get_by_role("link", name="More tasks").first.click()  # in the navigation: a task without a page exists
    page.get_by_role("heading", name="More tasks").wait_for()
    page.get_by_text("Upload a file").wait_for()
    wait_idle(page)
    def picked(label: str) -> str:
        return page.locator("[data-testid=stSelectbox]").filter(has_text=label).first.locator("input").first \
            .input_value()

    assert picked("Task") == "Adverse drug events (multi-label)"  # the task, by its title
    assert picked("Model") == "tiny-side-effects"  # its model, from BIOFM_MODEL_DIRS
    src = tmp_path / "notes.csv"
    src.write_text(NOTES)
    upload(page, src)
    page.get_by_role("button", name="Run").click()
    page.get_by_text("3 item(s) with tiny-side-effects").wait_for()
    page.get_by_text("1 row(s) could not be used").wait_for()
    page.get_by_text("Labels given (an item may have several, or none)").first.wait_for()
    page.get_by_text("Label probabilities").first.wait_for()
    wait_idle(page)
    no_traceback(page)
    shot(page, "more-tasks-folder-task")

    frame = pd.read_csv(download(page, "Download CSV", tmp_path / "pred.csv"))
    assert frame["id"].tolist() == ["n1", "n3", "n4"]
    assert {"labels", "score", "p_nausea", "p_rash", "p_dizziness", "windows"} <= set(frame.columns)
    given = frame["labels"].fillna("").str.split(";")
    assert all(set(filter(None, g)) <= {"nausea", "rash", "dizziness"} for g in given)

    page.get_by_role("button", name="Explain").click()
    page.get_by_text("Target score").first.wait_for()
    wait_idle(page)
    no_traceback(page)

    page.get_by_role("button", name="Send this batch to review").click()
    page.get_by_text("(3 items) is ready to review").wait_for()
    page.goto(f"{lab_server}/Review")
    page.get_by_text("nausea after the first dose").first.wait_for()
    page.get_by_text("tick every label the item has").first.wait_for()  # the multi-label field's editor
    for label in ("dizziness", "nausea", "rash"):  # a row (a tick box) per label, in the editor's grid
        page.locator("[role=gridcell]").filter(has_text=label).first.wait_for(state="attached")
    wait_idle(page)
    no_traceback(page)
    shot(page, "more-tasks-folder-task-review")
