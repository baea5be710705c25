"""Issue 25 item 14: the terminal running ``make app`` (``biofm app``) and the command line stay quiet: no file
watcher ("Inotify queue overflowed" by the thousand), no transformers load report ("MISSING classifier.weight ...
Consider training") when biofm loads its own models, and no line repeated over and over."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import free_port, start_biofm_app

ROOT = Path(__file__).resolve().parents[1]
NOISE = ("MISSING", "Inotify", "LOAD REPORT", "Consider training", "Loading weights", "Traceback", "FutureWarning")


async def _run_page(ws, page: str, widgets=None, timeout: float = 120.0) -> list:
    """One script run of ``page`` in a Streamlit session over its websocket, as a browser asks for it; the new
    elements it drew, once the run has finished."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = BackMsg()
    msg.rerun_script.page_name = page
    if widgets is not None:
        msg.rerun_script.widget_states.CopyFrom(widgets)
    await ws.send(msg.SerializeToString())
    elements, deadline = [], time.time() + timeout
    while time.time() < deadline:
        try:
            data = await asyncio.wait_for(ws.recv(), 2)
        except asyncio.TimeoutError:
            continue
        forward = ForwardMsg()
        forward.ParseFromString(data)
        kind = forward.WhichOneof("type")
        if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
            elements.append(forward.delta.new_element)
        elif kind == "script_finished":
            return elements
    raise TimeoutError(f"the {page or 'home'} page did not finish within {timeout} s")


async def _clinical_example(port: int) -> list[str]:
    """Open Clinical text, press "Try the example" (a model load and a run); the page's alerts."""
    import websockets
    from streamlit.proto.WidgetStates_pb2 import WidgetStates

    async with websockets.connect(f"ws://localhost:{port}/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None) as ws:
        await _run_page(ws, "")
        elements = await _run_page(ws, "Clinical_text")
        button = next(e.button for e in elements if e.WhichOneof("type") == "button"
                      and e.button.label == "Try the example")
        states = WidgetStates()
        pressed = states.widgets.add()
        pressed.id, pressed.trigger_value = button.id, True
        elements = await _run_page(ws, "Clinical_text", states)
        return [e.alert.body for e in elements if e.WhichOneof("type") == "alert"]


@pytest.mark.slow
def test_the_app_terminal_is_quiet_in_its_first_minute(tmp_path):
    from biofm.cli.app import command

    cmd = command(8501)
    assert cmd[cmd.index("--server.fileWatcherType") + 1] == "none"
    assert 'fileWatcherType = "none"' in (ROOT / ".streamlit" / "config.toml").read_text()

    started, port = time.time(), free_port()
    log = tmp_path / "terminal.log"
    with log.open("w") as out:
        proc = start_biofm_app(port, {"BIOFM_DATA_DIR": str(tmp_path / "data"), "BIOFM_PHI_GATE": "off"}, ROOT, out,
                               start_new_session=True)
        try:
            alerts = _in_own_loop(_clinical_example, port)
            assert any("20 document(s) classified with disease-category" in a for a in alerts), alerts
            fds = [os.readlink(f"/proc/{proc.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{proc.pid}/fd")]
            assert not [f for f in fds if "inotify" in f], "a file watcher is running"
            time.sleep(max(0.0, 40 - (time.time() - started)))
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    assert "biofm app on http://localhost:" in lines[0]
    noisy = [line for line in lines if any(word in line for word in NOISE)]
    assert not noisy, noisy
    repeated = {line: n for line, n in Counter(lines).items() if n > 2}
    assert not repeated, repeated


@pytest.mark.slow
def test_predict_on_a_shipped_adapter_model_prints_no_load_report(tmp_path):
    notes = tmp_path / "notes.csv"
    notes.write_text("id,text\n1,Chest pain radiating to the left arm.\n2,New glioma on MRI.\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    done = subprocess.run([sys.executable, "-m", "biofm.cli", "predict", "text-classify", str(notes), "-o", str(out),
                           "--phi-gate", "off"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    printed = done.stdout + done.stderr
    assert not [w for w in NOISE if w in printed], printed
    assert "2 document" in printed or out.read_text().count("\n") == 3


def test_a_weight_really_missing_from_a_model_is_still_reported(tmp_path, tiny_model_dir, caplog):
    """Quiet for what biofm expects (a head an adapter brings), not for a checkpoint that lacks a weight."""
    import logging
    import shutil

    from safetensors.torch import load_file, save_file
    from transformers import AutoModelForSequenceClassification

    from biofm.models.sources import pretrained_weights

    broken = tmp_path / "no-head"
    shutil.copytree(tiny_model_dir, broken)
    weights = load_file(broken / "model.safetensors")
    save_file({k: v for k, v in weights.items() if not k.startswith("classifier.")}, broken / "model.safetensors")
    caplog.set_level(logging.WARNING)
    pretrained_weights(AutoModelForSequenceClassification.from_pretrained, str(broken), heads=("classifier",))
    assert not [r for r in caplog.records if "LOAD REPORT" in r.getMessage()]
    pretrained_weights(AutoModelForSequenceClassification.from_pretrained, str(broken))
    reports = [r.getMessage() for r in caplog.records if "LOAD REPORT" in r.getMessage()]
    assert len(reports) == 1 and "classifier.weight" in reports[0] and "MISSING" in reports[0]


def _in_own_loop(coroutine_fn, *args):
    """Run a coroutine on a fresh event loop in its own thread: in a full test run Playwright's sync API holds a
    running loop in the main thread, where ``asyncio.run`` refuses to start."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine_fn(*args))).result()
