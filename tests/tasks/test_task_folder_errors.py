"""A lab's task folder (``BIOFM_TASK_DIRS``) that is broken never takes the shipped tasks down: a folder whose
``__init__.py`` raises or does not parse, that registers a task name another task has, whose folder name another
folder takes, or whose task name is not a plain name, is skipped with a warning naming the folder and the reason;
every other task still loads and the CLI still builds."""

from __future__ import annotations

import logging
import sys
import textwrap
from pathlib import Path

import pytest

import biofm.tasks
from biofm.review import codec as review_codec
from biofm.tasks import SKIPPED_FOLDERS, TASK_DIRS_ENV, TASKS, load_task_folders, task_names

SHIPPED = {"text-classify", "ner", "reports", "molecules", "phi", "custom"}

KIND = '''
from biofm.tasks.base import register
from biofm.tasks.fields import {field}
from biofm.tasks.text_head import TextHeadKind


class Lab(TextHeadKind):
    name, title = {name!r}, {title!r}
    output = {field}("labels")


KIND = register(Lab())
'''


def folder(root: Path, name: str, code: str) -> Path:
    (root / name).mkdir(parents=True)
    (root / name / "__init__.py").write_text(textwrap.dedent(code))
    return root / name


def kind_code(name: str, title: str = "A lab task", field: str = "MultiLabelProbs") -> str:
    return KIND.format(name=name, title=title, field=field)


@pytest.fixture
def lab(tmp_path, monkeypatch, caplog):
    """Lab folders under tmp_path (each dir given is put on BIOFM_TASK_DIRS); afterwards the registry, the review
    codecs, the package path and sys.modules are as they were."""
    path, tasks, codecs = list(biofm.tasks.__path__), dict(TASKS), dict(review_codec.CODECS)
    modules, skipped = set(sys.modules), dict(SKIPPED_FOLDERS)
    caplog.set_level(logging.WARNING, logger="biofm.tasks")

    def load(*dirs: Path) -> list[str]:
        monkeypatch.setenv(TASK_DIRS_ENV, ":".join(map(str, dirs)))
        return load_task_folders()

    yield load
    biofm.tasks.__path__[:] = path
    TASKS.clear()
    TASKS.update(tasks)
    review_codec.CODECS.clear()
    review_codec.CODECS.update(codecs)
    for name in set(sys.modules) - modules:
        if name.startswith("biofm.tasks."):
            del sys.modules[name]
            vars(biofm.tasks).pop(name.split(".")[2], None)
    SKIPPED_FOLDERS.clear()
    SKIPPED_FOLDERS.update(skipped)


def warned(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.name == "biofm.tasks")


@pytest.mark.parametrize("code, error", [
    ('raise RuntimeError("the lab config is missing")\n', "RuntimeError: the lab config is missing"),
    ("def oops(:\n", "SyntaxError"),
    ("from biofm.tasks.base import register\nimport no_such_module_here\n", "ModuleNotFoundError"),
])
def test_a_broken_folder_is_skipped_with_a_warning_and_the_rest_loads(lab, tmp_path, caplog, code, error):
    root = tmp_path / "lab"
    bad = folder(root, "broken", code)
    folder(root, "zz_good", kind_code("zz-good"))  # sorts after the broken one
    names = lab(root)
    assert "biofm.tasks.zz_good" in names and "biofm.tasks.broken" not in names
    assert SHIPPED | {"zz-good"} <= set(task_names())
    assert str(bad) in SKIPPED_FOLDERS and error in SKIPPED_FOLDERS[str(bad)]
    assert f"skipped the task folder {bad}" in warned(caplog) and error in warned(caplog)

    from biofm.cli import build_parser  # `biofm --help` still builds, with the shipped tasks and the good folder

    help_text = build_parser()._subparsers._group_actions[0].choices["train"].format_help()
    assert "text-classify" in help_text and "zz-good" in help_text


def test_a_folder_that_registers_then_raises_leaves_no_task_behind(lab, tmp_path):
    bad = folder(tmp_path / "lab", "half", kind_code("half-done") + 'raise ValueError("and then it broke")\n')
    lab(tmp_path / "lab")
    assert "half-done" not in task_names() and "half-done" not in review_codec.CODECS
    assert "ValueError: and then it broke" in SKIPPED_FOLDERS[str(bad)]


def test_a_second_folder_with_the_same_task_name_is_skipped(lab, tmp_path, caplog):
    first = folder(tmp_path / "a", "habits", kind_code("habits", "Substance use"))
    second = folder(tmp_path / "b", "habits_again", kind_code("habits", "Habits again", "ClassProbs"))
    lab(tmp_path / "a", tmp_path / "b")
    from biofm.tasks import get_task

    assert get_task("habits").title == "Substance use"  # the first folder keeps the name
    assert type(review_codec.CODECS["habits"]).__name__ == "MultiLabelCodec"  # and its codec
    assert "'habits'" in SKIPPED_FOLDERS[str(second)] and str(first) in SKIPPED_FOLDERS[str(second)]
    assert f"skipped the task folder {second}" in warned(caplog)


def test_a_lab_folder_cannot_replace_a_shipped_task(lab, tmp_path):
    from biofm.tasks import get_task

    shipped = get_task("text-classify")
    mine = folder(tmp_path / "lab", "mine", kind_code("text-classify", "Hijacked"))
    lab(tmp_path / "lab")
    assert get_task("text-classify") is shipped and review_codec.CODECS["text-classify"] is shipped.codec
    assert "'text-classify'" in SKIPPED_FOLDERS[str(mine)]


def test_a_folder_named_like_a_shipped_module_or_another_folder_is_skipped(lab, tmp_path, caplog):
    ner = folder(tmp_path / "a", "ner", kind_code("lab-ner"))
    fields = folder(tmp_path / "a", "fields", kind_code("lab-fields"))
    folder(tmp_path / "a", "habits", kind_code("habits"))
    again = folder(tmp_path / "b", "habits", kind_code("habits-b"))
    lab(tmp_path / "a", tmp_path / "b")
    names = set(task_names())
    assert "habits" in names and not {"lab-ner", "lab-fields", "habits-b"} & names
    assert "fields.py" in SKIPPED_FOLDERS[str(fields)] and "rename the folder" in SKIPPED_FOLDERS[str(ner)]
    assert str(tmp_path / "a" / "habits") in SKIPPED_FOLDERS[str(again)]
    assert all(f"skipped the task folder {f}" in warned(caplog) for f in (ner, fields, again))


@pytest.mark.parametrize("name", ["my task", "x;rm -rf", "../up", "", "Upper"])
def test_a_task_name_with_odd_characters_is_refused(lab, tmp_path, name):
    odd = folder(tmp_path / "lab", "odd", kind_code(name))
    lab(tmp_path / "lab")
    assert name not in TASKS
    assert f"task name {name!r}" in SKIPPED_FOLDERS[str(odd)]


def test_an_output_given_as_the_field_class_is_named(lab, tmp_path):
    """``output = MultiLabelProbs`` (the class, not a field) is refused where it is written, not later as a
    missing 'label' column."""
    bad = folder(tmp_path / "lab", "noparen", kind_code("noparen").replace('MultiLabelProbs("labels")',
                                                                          "MultiLabelProbs"))
    lab(tmp_path / "lab")
    assert "noparen" not in TASKS
    assert "Lab.output must be an output field, e.g. MultiLabelProbs(\"labels\")" in SKIPPED_FOLDERS[str(bad)]


def test_a_folder_that_registers_nothing_is_loaded_with_a_warning(lab, tmp_path, caplog):
    quiet = folder(tmp_path / "lab", "forgot", kind_code("forgot").replace("KIND = register(Lab())", "KIND = Lab()"))
    assert "biofm.tasks.forgot" in lab(tmp_path / "lab")
    assert "forgot" not in TASKS and str(quiet) not in SKIPPED_FOLDERS
    assert f"the task folder {quiet} registers no task" in warned(caplog)


def test_a_task_dir_that_is_missing_or_is_one_task_folder_is_named(lab, tmp_path, caplog):
    one = folder(tmp_path / "lab", "habits", kind_code("habits"))
    lab(tmp_path / "nowhere", one)  # the task folder itself named, not the folder holding it
    assert "habits" not in TASKS
    assert "not a folder" in SKIPPED_FOLDERS[str(tmp_path / "nowhere")]
    assert f"names the folder that holds task folders ({tmp_path / 'lab'})" in SKIPPED_FOLDERS[str(one)]
    assert f"skipped the task folder {one}" in warned(caplog)
