"""``biofm app``: the web app on localhost."""

from __future__ import annotations

import os
import sys

from biofm.config import PROJECT_ROOT


def add_parser(sub) -> None:
    p = sub.add_parser("app", help="start the web app on localhost")
    p.add_argument("--port", type=int, default=8501)
    p.set_defaults(func=run)


def command(port: int) -> list[str]:
    """Streamlit on localhost only, no telemetry, no tracebacks in the browser (they go to the log), no file watcher
    (watching the project tree, a virtual environment inside it included, flooded the terminal with "Inotify queue
    overflowed" lines; a user runs the app, not edits it), started through ``webui.serve`` so the router runs first
    even on a first visit straight to a page's URL."""
    return [sys.executable, "-m", "webui.serve", "run", str(PROJECT_ROOT / "app.py"), "--server.address", "localhost",
            "--server.port", str(port), "--browser.gatherUsageStats", "false", "--server.headless", "true",
            "--client.showErrorDetails", "none", "--server.fileWatcherType", "none"]


def run(args) -> int:
    """Replace this process with Streamlit (exec, not a child): stopping ``biofm app`` in any way (Ctrl+C, kill,
    a service manager) stops the server, and no orphan keeps serving."""
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    print(f"biofm app on http://localhost:{args.port}", file=sys.stderr, flush=True)
    os.chdir(PROJECT_ROOT)
    os.execve(sys.executable, command(args.port), env)
    return 0  # not reached
