"""``biofm app`` serves on localhost only, and stopping it stops the server (no orphan left serving)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(port: int) -> bool:
    try:
        return urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=2).read() == b"ok"
    except OSError:
        return False


def test_stopping_biofm_app_stops_the_server(tmp_path):
    from biofm.cli.app import command

    cmd = command(8501)
    assert cmd[cmd.index("--server.address") + 1] == "localhost"
    assert cmd[cmd.index("--browser.gatherUsageStats") + 1] == "false"
    assert cmd[cmd.index("--client.showErrorDetails") + 1] == "none"

    port = _free_port()
    env = {**os.environ, "BIOFM_DATA_DIR": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "biofm.cli", "app", "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 60
        while not _healthy(port):
            assert proc.poll() is None, "biofm app exited early"
            assert time.time() < deadline, "biofm app did not start"
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)  # what a service manager or `kill` sends
        proc.wait(timeout=30)
        time.sleep(1)
        assert not _healthy(port)
        alive = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True).stdout.split()
        assert not alive, f"processes left in biofm app's session: {alive}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
