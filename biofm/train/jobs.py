"""Training jobs that run in a background process, so a page stays responsive and survives a browser refresh.

A job is a folder under ``<data dir>/jobs/<id>/`` holding ``job.json`` (task, output, start time), ``config.json`` (the training options), the
``progress.jsonl`` events the trainer writes, ``log.txt`` and ``exit_code`` when it ends. Cancelling writes a
``cancel`` file the trainer checks between steps (the process is terminated if it does not stop).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Job:
    id: str
    folder: Path

    @property
    def meta(self) -> dict:
        return json.loads((self.folder / "job.json").read_text(encoding="utf-8"))

    def events(self) -> list[dict]:
        path = self.folder / "progress.jsonl"
        if not path.is_file():
            return []
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line being written right now
        return out

    @property
    def exit_code(self) -> int | None:
        path = self.folder / "exit_code"
        return int(path.read_text()) if path.is_file() else None

    @property
    def status(self) -> str:
        code = self.exit_code
        cancelled = (self.folder / "cancel").exists()
        if code is None:
            pid = self.meta.get("pid")
            if pid and not _alive(pid):
                return "cancelled" if cancelled else "failed"
            return "cancelling" if cancelled else "running"
        if code == 0:
            return "finished"
        return "cancelled" if cancelled else "failed"

    def result(self) -> dict | None:
        """The trainer's ``metrics.json`` in the job's output folder (dev metrics, comparison), once it is written."""
        path = Path(self.meta["out"]) / "metrics.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None

    def log_tail(self, n: int = 30) -> str:
        path = self.folder / "log.txt"
        if not path.is_file():
            return ""
        # split on newlines only: a progress bar's carriage-return redraws stay on their line (the panel keeps the last)
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").rstrip("\n").split("\n")[-n:])

    def cancel(self, grace: float = 10.0) -> None:
        (self.folder / "cancel").write_text("cancel")
        pid = self.meta.get("pid")
        deadline = time.time() + grace
        while pid and _alive(pid) and time.time() < deadline:
            time.sleep(0.2)
        if pid and _alive(pid):
            os.killpg(pid, signal.SIGTERM)  # the job runs in its own process group


def _alive(pid: int) -> bool:
    """Running, and not a zombie (a finished child that nobody reaped)."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def jobs_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "jobs"


def start_job(data_dir: Path, task: str, config: dict, description: str = "", user: str = "") -> Job:
    """Train ``task`` from ``config`` (written to ``config.json``) in a new process session."""
    job_id = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
    folder = jobs_dir(data_dir) / job_id
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    cmd = [sys.executable, "-m", "biofm.cli", "train", task, "--config", str(folder / "config.json"),
           "--progress-file", str(folder / "progress.jsonl"), "--cancel-file", str(folder / "cancel"), "-q"]
    wrapper = [sys.executable, "-c", "import subprocess, sys; code = subprocess.call(sys.argv[2:]); "
               "open(sys.argv[1], 'w').write(str(code))", str(folder / "exit_code"), *cmd]
    log = open(folder / "log.txt", "w")
    proc = subprocess.Popen(wrapper, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", "BIOFM_ACTING_USER": user})
    (folder / "job.json").write_text(json.dumps({"id": job_id, "task": task, "out": str(config["out"]), "pid": proc.pid,
                                                 "started": time.time(), "description": description,
                                                 "user": user}))
    return Job(job_id, folder)


def list_jobs(data_dir: Path) -> list[Job]:
    root = jobs_dir(data_dir)
    if not root.is_dir():
        return []
    return [Job(p.name, p) for p in sorted(root.iterdir(), reverse=True) if (p / "job.json").is_file()]
