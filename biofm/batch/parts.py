"""Completed chunks of a ``biofm batch`` run, kept next to the output until the output is whole.

``.OUT.parts/`` (beside ``OUT``) holds ``job.json`` (what the run is: task, inputs with size and modification time,
model, options, format), one ``part-N.json`` per finished chunk (its output rows and row errors, written atomically)
and ``manifest.jsonl``, one line per finished part, appended after the part is in place. A run killed at any point
leaves at most a part the manifest does not name (done again on ``--resume``) or a manifest line cut short (ignored).
``OUT`` itself is only ever replaced, in one ``os.replace``, by a file assembled from every part: it is absent, the
previous complete file, or the new complete file.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from biofm.io.writers import OutputError, atomic_output, disk_error


class ResumeError(ValueError):
    """``--resume`` of a run whose inputs, model or options changed."""


def parts_dir(output: str | Path) -> Path:
    output = Path(output)
    return output.with_name(f".{output.name}.parts")


def _stat(path: str) -> list:
    if "://" in path:
        return [path]
    st = os.stat(path)
    return [str(Path(path).resolve()), st.st_size, st.st_mtime_ns]


def _model(model) -> dict:
    """What identifies the weights: the spec, and each file of its directory with size and modification time."""
    if hasattr(model, "to_json"):
        data = {k: v for k, v in model.to_json().items() if k not in ("metrics", "description")}
        folder = Path(str(model.location))
        if folder.is_dir():
            data["files"] = sorted([p.name, p.stat().st_size, p.stat().st_mtime_ns]
                                   for p in folder.iterdir() if p.is_file())
        return data
    return {"model": str(model)}


def job_fingerprint(job, fmt: str) -> dict:
    settings = job.settings
    return {"version": 1, "task": job.task, "format": fmt, "chunk_rows": job.chunk_rows,
            "inputs": [_stat(p) for p in job.inputs], "model": _model(job.model),
            "precision": getattr(settings, "precision", None),
            "read_options": job.read_options, "predict_options": job.predict_options}


WHAT = {"inputs": "the inputs", "model": "the model", "task": "the task", "format": "the output format",
        "chunk_rows": "--chunk-rows", "precision": "the precision", "read_options": "the read options",
        "predict_options": "the predict options", "version": "biofm's batch format", "engine": "--engine"}


class Parts:
    """The parts folder of one output: start or resume, add finished chunks, assemble the output."""

    def __init__(self, output: str | Path, fingerprint: dict) -> None:
        self.output, self.folder, self.fingerprint = Path(output), parts_dir(output), json.loads(
            json.dumps(fingerprint, default=str))
        self.done: dict[tuple[str, int], str] = {}
        self._manifest = None

    def open(self, resume: bool) -> str | None:
        """Start (discarding another run's parts) or resume; returns a note for the user, or None.

        Raises ResumeError when resuming a run whose inputs, model or options differ from this one's."""
        note = None
        job_file = self.folder / "job.json"
        if resume and job_file.is_file():
            try:
                old = json.loads(job_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                old = {}
            changed = [WHAT.get(k, k) for k in dict.fromkeys([*self.fingerprint, *old])
                       if old.get(k) != self.fingerprint.get(k)]
            if changed:
                raise ResumeError(f"--resume: {', '.join(changed)} changed since the interrupted run of "
                                  f"{self.output}; run without --resume to start over")
            self._read_manifest()
            note = f"resuming: {len(self.done)} chunk(s) already done"
        else:
            if resume:
                note = f"nothing to resume for {self.output}: starting a new run"
            elif self.folder.exists():
                note = "an interrupted run's chunks were discarded (--resume continues one)"
            self._clear()
            try:
                self.folder.mkdir(mode=0o700)
                with atomic_output(job_file) as fh:
                    fh.write(json.dumps(self.fingerprint, indent=1))
            except OSError as exc:
                raise disk_error(self.folder, exc) from None
        try:
            self._manifest = open(self.folder / "manifest.jsonl", "a", encoding="utf-8")
        except OSError as exc:
            raise disk_error(self.folder, exc) from None
        return note

    def _clear(self) -> None:
        if self.folder.is_symlink() or self.folder.is_file():
            self.folder.unlink()
        elif self.folder.exists():
            shutil.rmtree(self.folder)

    def _read_manifest(self) -> None:
        path = self.folder / "manifest.jsonl"
        if not path.is_file():
            return
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
                key, name = (str(entry["path"]), int(entry["chunk"])), str(entry["part"])
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a kill
            if (self.folder / name).is_file():
                self.done[key] = name

    def add(self, key: tuple[str, int], rows: list[dict], errors: list[dict]) -> None:
        """Store one finished chunk: its part file first, then its manifest line."""
        name = f"part-{len(self.done):07d}.json"
        try:
            with atomic_output(self.folder / name) as fh:
                fh.write(json.dumps({"rows": rows, "errors": errors}, ensure_ascii=False, default=_plain))
            self._manifest.write(json.dumps({"path": key[0], "chunk": key[1], "part": name}) + "\n")
            self._manifest.flush()
            os.fsync(self._manifest.fileno())
        except OSError as exc:
            raise disk_error(self.folder, exc) from None
        self.done[key] = name

    def rows_done(self) -> int:
        return sum(len(self._load(name)["rows"]) for name in self.done.values())

    def _load(self, name: str) -> dict:
        return json.loads((self.folder / name).read_text(encoding="utf-8"))

    def assemble(self, fmt: str):
        """Write ``OUT`` from every part in input order (a temporary file, then ``os.replace``); returns
        (rows written, row errors as dicts). The parts folder is removed afterwards."""
        from biofm.batch.sink import RowSink

        if self._manifest is not None:
            self._manifest.close()
        tmp = self.folder / f"assembled{self.output.suffix}"
        rows, errors = 0, []
        try:
            sink = RowSink(tmp, fmt)
            try:
                for key in sorted(self.done):
                    part = self._load(self.done[key])
                    sink.write(part["rows"])
                    rows += len(part["rows"])
                    errors += part["errors"]
            finally:
                sink.close()
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.output)
        except OSError as exc:
            raise disk_error(self.output, exc) from None
        except OutputError:
            raise
        return rows, errors

    def remove(self) -> None:
        try:
            self._clear()
        except OSError:
            pass


def _plain(value):
    if hasattr(value, "item"):
        return value.item()
    return str(value)
