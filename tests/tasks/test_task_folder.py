"""A new task is one folder: a multi-label task written here, as a folder outside biofm (``BIOFM_TASK_DIRS``), runs
through the same table-driven test as every shipped task (read, predict, rows, explain, map, review, export,
train), and through the CLI, with no other file edited."""

from __future__ import annotations

import csv
import json

import pytest

from biofm.cli import main
from biofm.tasks import get_task, task_names
from tests.tasks.lab_task import TASK, lab_task_folder
from tests.tasks.test_every_task import task_model, test_every_task_end_to_end  # noqa: F401  (the fixture)


@pytest.fixture
def task_folder(tmp_path_factory, monkeypatch):
    with lab_task_folder(tmp_path_factory.mktemp("lab-tasks"), monkeypatch) as root:
        yield root


@pytest.mark.parametrize("task", [TASK])
def test_a_multi_label_task_folder_passes_the_every_task_test(task_folder, task, task_model, tmp_path):
    assert TASK in task_names("train") and TASK in task_names("explain")
    test_every_task_end_to_end(task, task_model, tmp_path)
    trained = tmp_path / f"trained-{TASK}"
    spec = json.loads((trained / "biofm.json").read_text())
    assert spec["task"] == TASK and spec["labels"] == ["dizziness", "nausea", "rash"]
    assert len(spec["extra"]["thresholds"]) == 3  # per-label thresholds chosen on the dev part
    assert "macro-F1" in (trained / "README.md").read_text()


def test_the_folder_task_through_the_cli(task_folder, tiny_model_dir, tmp_path):
    from biofm.tasks import side_effects  # noqa: F401  (imported from the folder)

    testing = __import__("biofm.tasks.side_effects.testing", fromlist=["x"])
    name, content = testing.INPUT
    (tmp_path / name).write_text(content)
    model = testing.model_dir(tmp_path / "models", tiny_model_dir)
    out = tmp_path / "pred.csv"
    assert main(["predict", TASK, str(tmp_path / name), "--model", str(model), "-o", str(out), "-q"]) == 0
    rows = list(csv.DictReader(open(out)))
    assert [r["id"] for r in rows] == ["1", "3", "4"]
    assert {"labels", "score", "p_nausea", "p_rash", "p_dizziness"} <= set(rows[0])
    assert all(set(filter(None, r["labels"].split(";"))) <= {"nausea", "rash", "dizziness"} for r in rows)
    assert "row" in (tmp_path / "pred.errors.csv").read_text()  # the empty note, named

    config = testing.train_config(tmp_path, model)
    trained = tmp_path / "cli-trained"
    assert main(["train", TASK, "--train", config["train"], "--base", str(model), "--method", "full",
                 "--max-length", "16", "--epochs", "1", "--out", str(trained), "--device", "cpu", "-q"]) == 0
    assert main(["predict", TASK, str(tmp_path / name), "--model", str(trained), "-o", str(out), "-q"]) == 0
    assert len(list(csv.DictReader(open(out)))) == 3
    assert get_task(TASK).codec.train_export_format() == "csv"


def test_the_folder_task_trains_from_the_cli_with_the_phi_gate_on(task_folder, tiny_model_dir, tmp_path, monkeypatch,
                                                                  capsys):
    """The PHI gate reads a multi-label training file by the task's own label column (``labels``), as the trainer
    does: ``biofm train TASK --train FILE`` works as the README writes it, with no --label-column."""
    testing = __import__("biofm.tasks.side_effects.testing", fromlist=["x"])
    model = testing.model_dir(tmp_path / "models", tiny_model_dir)
    config = testing.train_config(tmp_path, model)
    monkeypatch.setenv("BIOFM_PHI_GATE", "warn")
    monkeypatch.setenv("BIOFM_DATA_DIR", str(tmp_path / "home"))
    trained = tmp_path / "gated"
    assert main(["train", TASK, "--train", config["train"], "--base", str(model), "--method", "full",
                 "--max-length", "16", "--epochs", "1", "--out", str(trained), "--device", "cpu", "-q"]) == 0
    err = capsys.readouterr().err
    assert "no identifiers found" in err and "not scanned: label" in err  # the labels cell is kept, not scanned
    assert json.loads((trained / "biofm.json").read_text())["labels"] == ["dizziness", "nausea", "rash"]


def test_predict_without_a_model_names_the_tasks_models(task_folder, tiny_model_dir, tmp_path, monkeypatch, capsys):
    """A folder task ships no model: with no --model, biofm says so and lists the task's registered models (it
    used to try the current directory as a model folder)."""
    testing = __import__("biofm.tasks.side_effects.testing", fromlist=["x"])
    name, content = testing.INPUT
    (tmp_path / name).write_text(content)
    monkeypatch.chdir(tmp_path)
    assert main(["predict", TASK, name, "-o", "pred.csv", "-q"]) == 2
    err = capsys.readouterr().err
    assert f"the {TASK} task has no default model" in err and f"biofm train {TASK}" in err
    model = testing.model_dir(tmp_path / "models", tiny_model_dir)
    monkeypatch.setenv("BIOFM_MODEL_DIRS", str(model.parent))
    assert main(["predict", TASK, name, "-o", "pred.csv", "-q"]) == 2
    assert "registered name: tiny-side-effects" in capsys.readouterr().err
    assert not (tmp_path / "pred.csv").exists()


@pytest.mark.parametrize("gate", ["off", "warn"])
def test_a_dev_file_without_the_label_column_is_named(task_folder, tiny_model_dir, tmp_path, monkeypatch, capsys,
                                                      gate):
    testing = __import__("biofm.tasks.side_effects.testing", fromlist=["x"])
    model = testing.model_dir(tmp_path / "models", tiny_model_dir)
    config = testing.train_config(tmp_path, model)
    dev = tmp_path / "my-dev.csv"
    dev.write_text("id,text,category\nd1,nausea since the first dose,nausea\n")
    monkeypatch.setenv("BIOFM_PHI_GATE", gate)
    monkeypatch.setenv("BIOFM_DATA_DIR", str(tmp_path / "home"))
    assert main(["train", TASK, "--train", config["train"], "--dev", str(dev), "--base", str(model), "--epochs", "1",
                 "--out", str(tmp_path / "m"), "--device", "cpu", "-q"]) == 2
    err = capsys.readouterr().err
    assert "my-dev.csv: label column 'labels' not found; the file has columns: id, text, category" in err
    assert not (tmp_path / "m").exists()


def test_an_empty_labels_cell_is_no_label_on_the_map(task_folder, tiny_model_dir, tmp_path):
    """Multi-label: an empty ``labels`` cell is an item with no label (as training reads it), also on the map."""
    testing = __import__("biofm.tasks.side_effects.testing", fromlist=["x"])
    model = testing.model_dir(tmp_path / "models", tiny_model_dir)
    notes = tmp_path / "labelled.csv"
    notes.write_text("id,text,labels\na,nausea and a rash,nausea; rash\nb,no complaints today,\nc,dizzy,dizziness\n"
                     "d,hives everywhere,rash;;\n")
    out = tmp_path / "map.csv"
    assert main(["embed", str(notes), "--task", TASK, "--model", str(model), "--label-column", "labels", "--method",
                 "pca", "-o", str(out), "-q"]) == 0
    rows = {r["id"]: r for r in csv.DictReader(open(out))}
    assert [rows[i]["true labels"] for i in "abcd"] == ["nausea;rash", "(no label)", "dizziness", "rash"]


def test_a_jsonl_file_with_label_lists_trains_as_review_exports_it(task_folder, tiny_model_dir, tmp_path):
    """Review's JSONL export of a multi-label batch holds ``"labels": [names]``: training on it learns those
    names (it learnt the list's text, ``"['nausea', 'rash']"``, as one label)."""
    testing = __import__("biofm.tasks.side_effects.testing", fromlist=["x"])
    model = testing.model_dir(tmp_path / "models", tiny_model_dir)
    rows = list(csv.DictReader(open(testing.train_config(tmp_path, model)["train"])))
    reviewed = tmp_path / "reviewed.jsonl"
    reviewed.write_text("".join(json.dumps({"id": r["id"], "text": r["text"], "labels": r["labels"].split(";")})
                                + "\n" for r in rows) + json.dumps({"id": "none", "text": "felt fine", "labels": []})
                        + "\n")
    trained = tmp_path / "from-jsonl"
    assert main(["train", TASK, "--train", str(reviewed), "--base", str(model), "--method", "full", "--max-length",
                 "16", "--epochs", "1", "--out", str(trained), "--device", "cpu", "-q"]) == 0
    assert json.loads((trained / "biofm.json").read_text())["labels"] == ["dizziness", "nausea", "rash"]
