import time

import pytest

from biofm.config import load_settings
from biofm.models import default_registry, trained_models_dir
from biofm.tasks import get_task
from biofm.train.common import TrainingDataError
from biofm.train.jobs import list_jobs, start_job


def job_config(src, out, name, base, **options):
    """The config a job receives: the task's defaults overlaid with the form's values (as the Models page does)."""
    return get_task("text-classify").training_config({"train": str(src), "out": str(out), "name": name,
                                                      "method": "full", "max_length": 16, "base": str(base),
                                                      **options})


def check_training_file(task, path, **config):
    return get_task(task).check_training_file(path, config)


def toy_csv(path, n=10):
    rows = [f"heart failure note {i},cardiac" for i in range(n)] + [f"seizure note {i},neuro" for i in range(n)]
    path.write_text("text,label\n" + "\n".join(rows) + "\n")
    return path


def wait(job, timeout=180):
    deadline = time.time() + timeout
    while job.status in ("running", "cancelling") and time.time() < deadline:
        time.sleep(0.5)
    return job.status


def test_background_job_trains_registers_and_reports_progress(tmp_path, tiny_model_dir, monkeypatch):
    monkeypatch.setenv("BIOFM_DATA_DIR", str(tmp_path))
    settings = load_settings()
    src = toy_csv(tmp_path / "toy.csv")
    out = trained_models_dir(settings) / "toy-job"
    job = start_job(tmp_path, "text-classify", job_config(src, out, "toy-job", tiny_model_dir, epochs=2, batch_size=8),
                    "toy")
    assert wait(job) == "finished", job.log_tail()
    events = job.events()
    assert [e["epoch"] for e in events if e.get("event") == "epoch"] == [1, 2]
    assert all("loss" in e for e in events if e.get("event") != "epoch")
    assert "toy-job" in default_registry(settings).names("text-classify")
    assert [j.id for j in list_jobs(tmp_path)] == [job.id]


def test_cancel_stops_a_running_job(tmp_path, tiny_model_dir):
    src = toy_csv(tmp_path / "toy.csv", n=200)
    out = tmp_path / "models" / "never"
    job = start_job(tmp_path, "text-classify", job_config(src, out, "never", tiny_model_dir, epochs=50, batch_size=2))
    deadline = time.time() + 120
    while not job.events() and time.time() < deadline:
        time.sleep(0.3)
    job.cancel()
    assert wait(job) == "cancelled"
    assert not (out / "biofm.json").exists()


@pytest.mark.parametrize("content,task,message", [
    ("text,label\na,x\nb,x\n", "text-classify", "at least two classes"),
    ("text,label\na,x\nb,x\nc,y\n", "text-classify", "single example"),
    ("text,label\na,x\n,y\n", "text-classify", "unreadable row"),
    ("Aspirin\tO\n\n", "ner", "no entities"),
    ("id,report\n1,x\n", "reports", "missing"),
])
def test_bad_training_data_is_refused_before_a_job_starts(tmp_path, content, task, message):
    path = tmp_path / ("data.conll" if task == "ner" else "data.csv")
    path.write_text(content)
    with pytest.raises(TrainingDataError, match=message):
        check_training_file(task, path)


def test_molecule_training_files_are_checked(tmp_path):
    good = tmp_path / "m.csv"
    good.write_text("smiles,active\n" + "\n".join(f"{'C' * (i + 1)}O,{i % 2}" for i in range(12)))
    assert check_training_file("molecules", good, targets=["active"], kind="binary") == \
        "12 molecules, targets active (binary)"
    with pytest.raises(TrainingDataError, match="not found"):
        check_training_file("molecules", good, targets=["logP"])
    bad = tmp_path / "b.csv"
    bad.write_text("smiles,y\n" + "\n".join(["CCO,1"] * 10 + ["C1CC,0"]))
    with pytest.raises(TrainingDataError, match="1 molecule\\(s\\) do not parse.*unclosed ring"):
        check_training_file("molecules", bad, targets=["y"], kind="binary")
    three = tmp_path / "t.csv"
    three.write_text("smiles,y\n" + "\n".join(f"{'C' * (i + 1)}O,{i % 3}" for i in range(12)))
    with pytest.raises(TrainingDataError, match="0, 1 or empty"):
        check_training_file("molecules", three, targets=["y"], kind="binary")
