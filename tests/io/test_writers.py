"""The one output writer: bad outputs refused before any work, atomic replacement, no write over an input, disk
errors as one line (issue #20)."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from biofm.cli import main


@pytest.fixture
def notes(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("id,text\na,chest pain\nb,headache and seizure\n", encoding="utf-8")
    return path


@pytest.fixture
def no_model(monkeypatch):
    """Any attempt to load or run a model fails the test: refusals must come first."""
    from biofm import api

    def boom(*args, **kwargs):
        raise AssertionError("a model was loaded before the output was checked")

    monkeypatch.setattr(api, "load", boom)
    monkeypatch.setattr(api, "predict", boom)


def read_only_folder(tmp_path) -> Path:
    """A folder this process cannot write: chmod 0500, or (as root, who ignores modes) /sys."""
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        fd, probe = tempfile.mkstemp(dir=folder)
    except OSError:
        return folder
    os.close(fd)
    os.unlink(probe)
    return Path("/sys")


@pytest.mark.parametrize("argv, message", [
    (["predict", "text-classify", "{notes}", "-o", "{tmp}/out.xlsx"], "must end in .csv, .jsonl or .json (got .xlsx)"),
    (["predict", "text-classify", "{notes}", "-o", "{tmp}"], "is a directory"),
    (["predict", "text-classify", "{notes}", "-o", "{notes}"], "is an input file"),
    (["predict", "ner", "{notes}", "-o", "{tmp}/ents.csv"], "must end in .jsonl or .json (got .csv)"),
    (["deid", "{notes}", "-o", "{tmp}/clean.txt"], "must end in .jsonl, .json or .csv (got .txt)"),
    (["embed", "{notes}", "--task", "text-classify", "-o", "{tmp}/map.png"], "must end in .html or .csv"),
    (["explain", "text-classify", "--input", "{notes}", "-o", "{tmp}/x.csv"], "must end in .json"),
    (["batch", "text-classify", "{notes}", "-o", "{tmp}/out.xlsx", "--engine", "local"], "must end in .parquet"),
    (["batch", "text-classify", "{notes}", "-o", "{notes}", "--engine", "local"], "is an input file"),
])
def test_a_bad_output_is_refused_before_the_model_loads(argv, message, notes, tmp_path, no_model, capsys):
    before = notes.read_bytes()
    argv = [a.format(notes=notes, tmp=tmp_path) for a in argv]
    assert main(argv + ["-q"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert notes.read_bytes() == before


def test_a_read_only_folder_is_refused_before_the_model_loads(notes, tmp_path, no_model, capsys):
    out = read_only_folder(tmp_path) / "out.csv"
    assert main(["predict", "text-classify", str(notes), "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert f"{out}: the folder" in err and ("not writable" in err or "read-only" in err)


def test_a_full_disk_keeps_the_previous_output_and_says_so(notes, tmp_path, tiny_model_dir, monkeypatch, capsys):
    import biofm.io.writers as writers

    out = tmp_path / "out.csv"
    out.write_text("previous,complete\n1,2\n")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writers.os, "fsync", full)
    assert main(["predict", "text-classify", str(notes), "-o", str(out), "--model", str(tiny_model_dir), "-q"]) == 2
    err = capsys.readouterr().err
    assert f"could not write {out}: the disk is full" in err and "Traceback" not in err
    assert out.read_text() == "previous,complete\n1,2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.csv", "out.csv"]  # no temporary file left


def test_outputs_replace_the_old_file_only_when_complete(notes, tmp_path, tiny_model_dir):
    out = tmp_path / "out.csv"
    out.write_text("old\n")
    assert main(["predict", "text-classify", str(notes), "-o", str(out), "--model", str(tiny_model_dir), "-q"]) == 0
    assert pd.read_csv(out)["id"].tolist() == ["a", "b"]
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.csv", "out.csv"]


def test_atomic_output_leaves_nothing_on_an_exception(tmp_path):
    from biofm.io.writers import atomic_output

    out = tmp_path / "x.txt"
    with pytest.raises(RuntimeError):
        with atomic_output(out) as fh:
            fh.write("half")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []
