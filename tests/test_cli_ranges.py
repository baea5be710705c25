"""Every CLI argument is range-checked by the parser: one clear line, exit 2, before anything loads (issue #20)."""

from __future__ import annotations

import pytest

from biofm.cli import main


@pytest.fixture
def notes(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("text,label\nfever,a\ncough,b\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("argv, message", [
    (["batch", "text-classify", "{notes}", "-o", "{tmp}/o.csv", "--chunk-rows", "0"], "--chunk-rows: must be 1 or more"),
    (["batch", "text-classify", "{notes}", "-o", "{tmp}/o.csv", "--chunk-rows", "-5"], "must be 1 or more, got -5"),
    (["batch", "text-classify", "{notes}", "-o", "{tmp}/o.csv", "--workers", "0"], "--workers: must be 1 or more"),
    (["predict", "text-classify", "{notes}", "-o", "{tmp}/o.csv", "--batch-size", "0"], "--batch-size: must be 1"),
    (["predict", "text-classify", "{notes}", "-o", "{tmp}/o.csv", "--max-tokens", "x"], "'x' is not an integer"),
    (["predict", "molecules", "{notes}", "-o", "{tmp}/o.csv", "--confidence", "1.5"], "--confidence: must be 0 (none) or between 0 and 1"),
    (["train", "text-classify", "--train", "{notes}", "--out", "{tmp}/m", "--epochs", "0"], "--epochs: must be 1"),
    (["train", "text-classify", "--train", "{notes}", "--out", "{tmp}/m", "--batch-size", "0"], "--batch-size: must"),
    (["train", "text-classify", "--train", "{notes}", "--out", "{tmp}/m", "--dev-fraction", "1.5"],
     "--dev-fraction: must be between 0 and 1 (exclusive), got 1.5"),
    (["train", "text-classify", "--train", "{notes}", "--out", "{tmp}/m", "--lr", "-1"], "--lr: must be a number above"),
    (["train", "text-classify", "--train", "{notes}", "--out", "{notes}"], "is a file; give a folder for the model"),
    (["pretrain-smiles", "{notes}", "--out", "{notes}"], "is a file; give a folder"),
    (["explain", "text-classify", "--text", "fever", "-o", "{tmp}/x.json", "--steps", "0"], "--steps: must be 1"),
    (["embed", "{notes}", "--task", "text-classify", "-o", "{tmp}/m.csv", "--perplexity", "0"], "--perplexity:"),
])
def test_out_of_range_arguments_are_usage_errors(argv, message, notes, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([a.format(notes=notes, tmp=tmp_path) for a in argv])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cuda_without_a_gpu_is_refused_by_the_parser(notes, tmp_path, capsys, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for argv in (["predict", "text-classify", str(notes), "-o", str(tmp_path / "o.csv"), "--device", "cuda"],
                 ["train", "text-classify", "--train", str(notes), "--out", str(tmp_path / "m"), "--device", "cuda"]):
        with pytest.raises(SystemExit):
            main(argv)
        assert "no CUDA GPU is visible here" in capsys.readouterr().err


def test_the_page_and_jobs_get_the_same_checks(notes, tmp_path):
    from biofm import api

    with pytest.raises(ValueError, match="--epochs: must be 1 or more, got 0"):
        api.train("text-classify", {"train": str(notes), "out": str(tmp_path / "m"), "epochs": 0})
