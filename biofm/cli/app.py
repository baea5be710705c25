"""``biofm app``: the web app on localhost."""

from __future__ import annotations

import os
import subprocess
import sys

from biofm.config import PROJECT_ROOT


def add_parser(sub) -> None:
    p = sub.add_parser("app", help="start the web app on localhost")
    p.add_argument("--port", type=int, default=8501)
    p.set_defaults(func=run)


def run(args) -> int:
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    cmd = [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"), "--server.address", "localhost",
           "--server.port", str(args.port), "--browser.gatherUsageStats", "false", "--server.headless", "true"]
    print(f"biofm app on http://localhost:{args.port}", file=sys.stderr)
    return subprocess.call(cmd, cwd=PROJECT_ROOT, env=env)
