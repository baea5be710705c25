"""More tasks: a task that is only a folder (BIOFM_TASK_DIRS) shows on the app with no page written for it: its
predictions table, the multi-label field's chart and item panel, explanations and the map."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import shown
from tests.tasks.lab_task import TASK, lab_task_folder
from tests.tasks.test_task_folder_errors import folder, kind_code, lab  # noqa: F401  (the fixture)

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "9_More_tasks.py")


@pytest.fixture
def lab_env(app_env, tiny_model_dir, tmp_path, monkeypatch):
    with lab_task_folder(tmp_path / "lab-tasks", monkeypatch):
        testing = sys.modules["biofm.tasks.side_effects"].__name__ + ".testing"
        __import__(testing)
        model = sys.modules[testing].model_dir(tmp_path / "models", tiny_model_dir)
        monkeypatch.setenv("BIOFM_MODEL_DIRS", str(model.parent))
        yield model


def test_a_folder_task_runs_on_the_more_tasks_page(lab_env):
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception and not at.error
    assert at.selectbox(key="more-task").value == TASK  # the only task without a page of its own
    assert at.selectbox(key=f"more-{TASK}-model").value == "tiny-side-effects"
    at.text_area(key=f"more-{TASK}-text").set_value("nausea after the first dose\nrash on both arms\n\n"
                                                  "dizzy on standing")
    at.checkbox(key=f"more-{TASK}-one-per-line").check()
    next(b for b in at.button if b.label == "Run").click()
    at.run()
    assert not at.exception and not at.error
    table = next(d.value for d in at.dataframe if "labels" in d.value.columns)
    assert len(table) == 3 and {"p_nausea", "p_rash", "p_dizziness", "score"} <= set(table.columns)
    assert any(c.value.startswith("score: the confidence of the least sure label decision") for c in at.caption)
    assert any("item(s) have no label" in c.value for c in at.caption)  # the multi-label field's batch panel
    assert any(c.value.startswith("Given: ") for c in at.caption)  # and its item panel
    target = at.selectbox(key=f"more-{TASK}-explain-target")
    assert sorted(target.options) == ["dizziness", "nausea", "rash"]  # every label can be explained
    target.set_value("rash")
    at.selectbox(key=f"more-{TASK}-explain-method").set_value("gxi")
    at.button(key=f"more-{TASK}-explain-explain").click()
    at.run()
    assert not at.exception and not at.error
    score = next(m for m in at.metric if m.label == "Target score")  # the attribution of that label, shown
    assert 0.0 <= float(score.value) <= 1.0 and "rash" in score.proto.help


def test_no_folder_task_says_so(app_env):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception and not at.error
    assert any("Every task has its own page" in i.value for i in at.info)


def test_a_broken_task_folder_is_named_on_the_page_and_the_good_one_still_runs(app_env, lab, tmp_path):
    bad = folder(tmp_path / "lab", "broken", 'raise RuntimeError("the lab config is missing")\n')
    folder(tmp_path / "lab", "habits", kind_code("habits", "Substance use"))
    lab(tmp_path / "lab")
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception and not at.error
    warning = next(shown(w.value) for w in at.warning if "was skipped" in w.value)
    assert str(bad) in warning and "RuntimeError: the lab config is missing" in warning
    assert at.selectbox(key="more-task").options == ["Substance use"]  # the good folder's task, as usual


def test_one_item_says_the_map_needs_three_and_nothing_about_selecting_points(lab_env):
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.text_area(key=f"more-{TASK}-text").set_value("nausea after the first dose")
    next(b for b in at.button if b.label == "Run").click()
    at.run()
    assert not at.exception and not at.error
    captions = [c.value for c in at.caption]
    assert "The map needs at least 3 items." in captions
    assert not any("lasso" in c for c in captions)  # there is no map to select points on
