"""``biofm batch``: one task over many files, in-process (``local``) or on a Ray cluster (``ray``).

Both engines run the same two steps (:func:`biofm.batch.chunks.parse_file`, :class:`ChunkPredictor`) and the driver
stores what comes back chunk by chunk (:mod:`biofm.batch.parts`) and, once every chunk is done, writes the output in
input order through one :class:`RowSink` and moves it into place. On Ray, files are read by Ray (any path Ray
reads: local, ``s3://``, ``gs://``), parsed in tasks, and predicted by a fixed pool of actors that each load the model
once and hold one GPU where ``gpus_per_worker`` asks for it.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from biofm.batch.chunks import CHUNK_ROWS, ChunkPredictor, error_from_json, parse_file
from biofm.batch.sink import output_format
from biofm.records import RowError

RAY_MISSING = "the ray engine needs Ray: pip install 'biofm[ray]' (or use --engine local)"
READABLE = (".csv", ".jsonl", ".parquet", ".txt", ".zip", ".smi", ".sdf")


@dataclass
class BatchJob:
    task: str
    inputs: list[str]
    output: Path
    model: object = None  # a name, directory, hub id or ModelSpec, resolved once by the driver
    settings: object = None
    read_options: dict = field(default_factory=dict)
    predict_options: dict = field(default_factory=dict)
    chunk_rows: int = CHUNK_ROWS
    phi: dict = field(default_factory=dict)  # the PHI gate's action, columns and as_is (mode: settings.phi_gate)


@dataclass
class BatchResult:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    seconds: float = 0.0
    phi: dict = field(default_factory=dict)  # identifiers the PHI gate found, by type ("_refused": rows refused)


def expand_inputs(spec: str, exclude=()) -> list[str]:
    """A file, a directory (its readable files, sorted), a glob, or a remote URI (left for Ray to list).

    ``exclude``: files or folders never taken as input (a batch's own output, its errors file and parts folder)."""
    if "://" in spec:
        return [spec]
    path = Path(spec).expanduser()
    if path.is_dir():
        found = sorted(str(p) for p in path.rglob("*") if p.is_file() and p.suffix.lower() in READABLE)
    elif any(ch in spec for ch in "*?["):
        found = sorted(p for p in glob.glob(str(path), recursive=True) if Path(p).is_file())
    else:
        found = [str(path)] if path.is_file() else []
    if exclude and (path.is_dir() or any(ch in spec for ch in "*?[")):
        mine = [Path(e).expanduser().resolve() for e in exclude]
        found = [p for p in found if not any(Path(p).resolve() == m or m in Path(p).resolve().parents
                                              for m in mine)]
    if not found:
        raise FileNotFoundError(f"{spec}: no input files found")
    return found


def own_outputs(output: str | Path) -> list[Path]:
    """What a batch writing ``output`` writes: the output, its row-errors file and its parts folder."""
    from biofm.batch.parts import parts_dir

    output = Path(output)
    return [output, output.with_name(output.stem + ".errors.csv"), parts_dir(output)]


def check_job(job: BatchJob) -> str:
    """The output's format, checked before any work (suffix, not a directory, not an input, writable)."""
    from biofm.io.writers import check_output
    from biofm.tasks import get_task

    fmt = output_format(job.output, get_task(job.task).flat_rows)
    check_output(job.output, None, job.inputs)
    return fmt


def run_batch(job: BatchJob, engine: str = "local", workers: int | None = None, gpus_per_worker: float = 0.0,
              progress: Callable[[int], None] | None = None, resume: bool = False,
              note: Callable[[str], None] | None = None) -> BatchResult:
    """Predict every row of every input; write ``job.output``; return row count and row errors (in input order).

    Finished chunks are kept in the output's parts folder (:mod:`biofm.batch.parts`); ``job.output`` is replaced
    only when every chunk is done. ``resume`` continues an interrupted run of the same job (ResumeError if its
    inputs, model or options changed)."""
    import time

    from biofm.batch.parts import Parts, job_fingerprint

    fmt = check_job(job)
    detail = fmt != "csv"
    start, result = time.perf_counter(), BatchResult()
    parts = Parts(job.output, {**job_fingerprint(job, fmt), "engine": engine})
    message = parts.open(resume)
    if message and note:
        note(message)
    if parts.done and progress:
        progress(parts.rows_done())
    done = set(parts.done)
    stream = _local(job, detail, done) if engine == "local" else _ray(job, detail, workers, gpus_per_worker, done)
    for key, rows, errors, phi in stream:
        for k, v in phi.items():
            result.phi[k] = result.phi.get(k, 0) + v
        parts.add(key, rows, [e.as_dict() for e in errors])
        if progress:
            progress(len(rows))
    result.rows, errors = parts.assemble(fmt)
    result.errors = [error_from_json(e) for e in errors]
    parts.remove()
    result.seconds = time.perf_counter() - start
    return result


def _local(job: BatchJob, detail: bool, done: set = frozenset()):
    from biofm.batch.chunks import chunk_key

    remote = [p for p in job.inputs if "://" in p]
    if remote:
        raise ValueError(f"{remote[0]}: --engine local reads local files; use --engine ray for remote paths")
    predictor = None
    for path in job.inputs:
        for chunk in parse_file(job.task, path, Path(path).read_bytes(), job.read_options, job.chunk_rows):
            key = chunk_key(chunk)
            if key in done:
                continue
            if predictor is None:  # the model loads once, and not at all when everything was done
                predictor = ChunkPredictor(job.task, job.model, job.settings, job.predict_options, detail,
                                           phi=job.phi)
            rows, errors = predictor.rows(chunk)
            yield key, json.loads(json.dumps(rows, ensure_ascii=False, default=_plain)), errors, predictor.phi_counts


def _ray(job: BatchJob, detail: bool, workers: int | None, gpus_per_worker: float, done: set = frozenset()):
    try:
        import ray
        import ray.data
    except ImportError:
        raise RuntimeError(RAY_MISSING) from None
    _connect(ray)
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False
    total_cpus = int(ray.cluster_resources().get("CPU", 1))
    workers = workers or _default_workers(ray, gpus_per_worker)
    threads = max(1, total_cpus // workers) if not gpus_per_worker else 0
    ds = ray.data.read_binary_files(job.inputs if len(job.inputs) > 1 else job.inputs[0], include_paths=True,
                                    num_cpus=0.25)
    ds = ds.flat_map(_parse_row, fn_kwargs={"task": job.task, "options": job.read_options,
                                            "chunk_rows": job.chunk_rows, "done": sorted(done)}, num_cpus=0.25)
    ds = ds.repartition(target_num_rows_per_block=1)  # one chunk a block, so every actor gets work
    ds = ds.map_batches(ChunkPredictor, batch_size=1, compute=ray.data.ActorPoolStrategy(size=workers),
                        fn_constructor_kwargs={"task": job.task, "model": job.model, "settings": job.settings,
                                               "predict_options": job.predict_options, "detail": detail,
                                               "threads": threads, "phi": job.phi},
                        num_gpus=gpus_per_worker or None, num_cpus=_actor_cpus(total_cpus, workers))
    rows, errors, phi = [], [], {}
    for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
        for kind, payload in zip(batch["kind"], batch["json"]):
            value = json.loads(payload)
            if kind == "row":
                rows.append(value)
            elif kind == "error":
                errors.append(error_from_json(value))
            elif kind == "phi":
                for k, v in value.items():
                    phi[k] = phi.get(k, 0) + v
            else:  # "done": the end of one chunk's output
                yield (str(value[0]), int(value[1])), rows, errors, phi
                rows, errors, phi = [], [], {}


def _actor_cpus(total_cpus: int, workers: int) -> float:
    """Logical CPUs per actor, leaving one for reading, parsing and re-blocking (so they can never starve: the
    actors set their own thread count)."""
    return max(0.1, (total_cpus - 1) / workers)


def _parse_row(row: dict, task: str, options: dict, chunk_rows: int, done=()) -> list[dict]:
    from biofm.batch.chunks import chunk_key

    skip = {(str(p), int(c)) for p, c in done}
    return [c for c in parse_file(task, row["path"], bytes(row["bytes"]), options, chunk_rows)
            if chunk_key(c) not in skip]


def _plain(value):
    """numpy scalars in output rows, as plain JSON values."""
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _connect(ray) -> None:
    """Join the cluster at ``RAY_ADDRESS``, or start a local one with this machine's cores (no dashboard)."""
    if ray.is_initialized():
        return
    if os.environ.get("RAY_ADDRESS"):
        ray.init(address=os.environ["RAY_ADDRESS"], log_to_driver=False)
        return
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    ray.init(num_cpus=int(os.environ.get("BIOFM_RAY_CPUS", cores)), include_dashboard=False, log_to_driver=False,
             configure_logging=False)


def _default_workers(ray, gpus_per_worker: float) -> int:
    resources = ray.cluster_resources()
    if gpus_per_worker and resources.get("GPU"):
        return max(1, int(resources["GPU"] / gpus_per_worker))
    return max(1, int(resources.get("CPU", 1)) // 2)
