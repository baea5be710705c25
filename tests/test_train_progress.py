"""The CLI's training printer takes every event the trainers send (a job died on ``KeyError: 'loss'`` when the
early-stop event reached it), with and without ``-q``, and the progress file keeps every event for the job panel."""

import json

import pytest
import torch

from biofm.cli.common import train_progress
from biofm.train.common import fit


def _events_with_early_stop() -> list[dict]:
    torch.manual_seed(0)
    model = torch.nn.Linear(2, 1)
    x, y = torch.randn(16, 2), torch.randn(16, 1)
    scores = iter([0.5, 0.4, 0.3, 0.2, 0.1, 0.0])
    events: list[dict] = []
    fit(model, n_examples=16, batch=lambda idx: ((model(x[idx]) - y[idx]) ** 2).mean(),
        evaluate=lambda: {"f1": next(scores)}, metric="f1", epochs=6, lr=0.01, batch_size=8, seed=0, patience=2,
        progress=events.append)
    return events


@pytest.mark.parametrize("quiet", [False, True])
def test_every_trainer_event_passes_through_the_cli_printer(quiet, tmp_path, capsys):
    events = _events_with_early_stop()
    assert any(e.get("event") == "early_stop" for e in events)
    events.append({"event": "something_new", "epoch": 3})  # a future event must not kill a finished job either
    sink = tmp_path / "progress.jsonl"
    printer = train_progress(quiet, str(sink))
    for ev in events:
        printer(ev)
    err = capsys.readouterr().err
    assert "stopped early after epoch 3 of 6" in err and "weights of epoch 1 were kept" in err
    assert "epoch 1 of 6: train loss" in err and "step 2/12" in err and "ETA" in err
    written = [json.loads(line) for line in sink.read_text().splitlines()]
    assert [w.get("event") for w in written] == [e.get("event") for e in events]


def test_step_events_carry_epoch_counts_and_an_eta_the_job_panel_shows():
    from webui.training import progress_of

    events = _events_with_early_stop()
    steps = [e for e in events if e.get("event") is None]
    assert [(e["epoch"], e["step"]) for e in steps[:3]] == [(1, 1), (1, 2), (2, 3)]
    assert all(e["epochs"] == 6 and e["total_steps"] == 12 for e in steps)
    assert all(isinstance(e["eta_s"], float) and e["eta_s"] >= 0 for e in steps)
    last = {"epoch": 2, "epochs": 8, "step": 5, "total_steps": 24, "eta_s": 130.0, "time": 1000.0}
    fraction, text = progress_of(last, now=1010.0)  # ten seconds after the event: two minutes left
    assert fraction == 5 / 24 and text == "epoch 2/8 · step 5/24 · about 2 min 00 s left"
    assert progress_of(None)[0] == 0.0 and "preparing" in progress_of(None)[1]
