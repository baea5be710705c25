"""``biofm app`` serves on localhost only, and stopping it stops the server (no orphan left serving)."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from tests.conftest import app_healthy, free_port, start_biofm_app


def test_stopping_biofm_app_stops_the_server(tmp_path):
    from biofm.cli.app import command

    cmd = command(8501)
    assert cmd[cmd.index("--server.address") + 1] == "localhost"
    assert cmd[cmd.index("--browser.gatherUsageStats") + 1] == "false"
    assert cmd[cmd.index("--client.showErrorDetails") + 1] == "none"

    port = free_port()
    proc = start_biofm_app(port, {"BIOFM_DATA_DIR": str(tmp_path)}, tmp_path, subprocess.DEVNULL,
                           start_new_session=True)
    try:
        proc.send_signal(signal.SIGTERM)  # what a service manager or `kill` sends
        proc.wait(timeout=30)
        time.sleep(1)
        assert not app_healthy(port)
        alive = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True).stdout.split()
        assert not alive, f"processes left in biofm app's session: {alive}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
