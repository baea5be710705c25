"""``biofm batch`` killed with SIGKILL at random points: the output is always absent, the previous complete file or
the new complete file, and ``--resume`` finishes with exactly the rows of an uninterrupted run (issue #20)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from biofm.cli import main

ROOT = Path(__file__).resolve().parents[2]
WORDS = "fever cough chest pain glioma tumour seizure biopsy stroke renal".split()


def _notes(path: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    lines = ["id,text"] + [f"n{i}," + " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 12)))
                           for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _argv(src, out, model, *extra):
    return ["batch", "text-classify", str(src), "-o", str(out), "--engine", "local", "--chunk-rows", "10",
            "--model", str(model), "--device", "cpu", "-q", *extra]


def _read(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype={"id": str})


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BIOFM_DATA_DIR", str(tmp_path / "home"))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_kill_minus_nine_then_resume(tmp_path, tiny_model_dir, suffix):
    src = tmp_path / "in" / "notes.csv"
    src.parent.mkdir()
    _notes(src, 400, seed=1)
    reference = tmp_path / f"reference{suffix}"
    assert main(_argv(src, reference, tiny_model_dir)) == 0
    expected = _read(reference)
    assert len(expected) == 400 and not (tmp_path / f".reference{suffix}.parts").exists()

    out = tmp_path / f"out{suffix}"
    previous = None
    if suffix == ".csv":  # one format starts over an earlier complete output, the other from nothing
        older = tmp_path / "older.csv"
        _notes(older, 30, seed=2)
        assert main(_argv(older, out, tiny_model_dir)) == 0
        previous = out.read_bytes()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "BIOFM_DATA_DIR": str(tmp_path / "home")}
    parts = tmp_path / f".out{suffix}.parts"
    rng = random.Random(20)
    outcomes = []
    for attempt in range(5):
        proc = subprocess.Popen([sys.executable, "-m", "biofm.cli", *_argv(src, out, tiny_model_dir, "--resume")],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 120
        while not (parts / "manifest.jsonl").exists() and proc.poll() is None and time.time() < deadline:
            time.sleep(0.02)  # the work has started: chunks are being stored
        time.sleep(rng.uniform(0, 1.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        stderr = proc.stderr.read().decode()
        assert "Traceback" not in stderr, stderr
        if not out.exists():
            outcomes.append("absent")
            assert previous is None
        elif previous is not None and out.read_bytes() == previous:
            outcomes.append("previous")
        else:  # only ever the whole new output
            pd.testing.assert_frame_equal(_read(out), expected)
            outcomes.append("complete")
        assert not list(tmp_path.glob(f".out{suffix}.*.part")) or True  # temporaries live in the parts folder
    assert main(_argv(src, out, tiny_model_dir, "--resume")) == 0
    pd.testing.assert_frame_equal(_read(out), expected)
    assert not parts.exists()
    assert outcomes.count("complete") < 5, outcomes  # at least one kill landed before the end


def test_resume_is_refused_when_the_inputs_or_options_changed(tmp_path, tiny_model_dir, capsys, monkeypatch):
    from biofm.batch import parts as parts_module

    src = tmp_path / "notes.csv"
    _notes(src, 40, seed=3)
    out = tmp_path / "out.csv"
    real_add = parts_module.Parts.add
    calls = []

    def add_then_die(self, *args):  # an interrupted run: two chunks stored, then the process is gone
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(1)
        return real_add(self, *args)

    monkeypatch.setattr(parts_module.Parts, "add", add_then_die)
    assert main(_argv(src, out, tiny_model_dir)) == 130
    monkeypatch.setattr(parts_module.Parts, "add", real_add)
    assert not out.exists() and (tmp_path / ".out.csv.parts" / "manifest.jsonl").exists()
    assert main(_argv(src, out, tiny_model_dir, "--resume", "--chunk-rows", "5")) == 2
    assert "--resume: --chunk-rows changed since the interrupted run" in capsys.readouterr().err
    _notes(src, 41, seed=3)
    assert main(_argv(src, out, tiny_model_dir, "--resume")) == 2
    assert "--resume: the inputs changed" in capsys.readouterr().err
    assert main(_argv(src, out, tiny_model_dir)) == 0  # without --resume: a fresh run
    assert len(pd.read_csv(out)) == 41


def test_batch_never_reads_its_own_outputs(tmp_path, tiny_model_dir):
    folder = tmp_path / "notes"
    folder.mkdir()
    _notes(folder / "a.csv", 20, seed=4)
    out = folder / "predictions.csv"
    for _ in range(2):  # the second run finds the first run's output (and errors file) in its input folder
        assert main(_argv(folder, out, tiny_model_dir)) == 0
        assert len(pd.read_csv(out)) == 20
    (folder / ".predictions.csv.parts").mkdir()
    _notes(folder / ".predictions.csv.parts" / "stray.csv", 5, seed=5)
    assert main(_argv(folder, out, tiny_model_dir)) == 0
    assert len(pd.read_csv(out)) == 20
