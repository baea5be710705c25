"""``biofm batch TASK INPUT -o OUT``: ``biofm predict`` over many files or rows, in-process or on Ray."""

from __future__ import annotations

import sys
from pathlib import Path

from biofm import api
from biofm.cli.argtypes import non_negative_float, positive_int
from biofm.cli.common import option_values, settings, task_parsers, write_errors
from biofm.tasks import get_task


def add_parser(sub) -> None:
    description = ("Same rows as `biofm predict`, for inputs of any size. Set RAY_ADDRESS to use an existing Ray "
                   "cluster; otherwise --engine ray starts one on this machine.")
    for tp in task_parsers(sub, "batch", "run a model over many files or rows (locally or on a Ray cluster)",
                           "a file, a directory or a glob of CSV, JSONL or Parquet files (any path Ray reads, "
                           "e.g. s3://bucket/notes/, with --engine ray)", "OUT.parquet, OUT.csv or OUT.jsonl", run,
                           description=description):
        tp.add_argument("--engine", choices=["local", "ray"], default="ray", help="where to run (default: ray)")
        tp.add_argument("--workers", type=positive_int, default=None,
                        help="actors that each load the model once (default: one per GPU, or cores / 2)")
        tp.add_argument("--gpus-per-worker", type=non_negative_float, default=0.0, help="GPUs each worker holds (e.g. 1 or 0.5)")
        tp.add_argument("--chunk-rows", type=positive_int, default=256,
                        help="rows a worker takes at a time (each finished chunk is kept for --resume)")
        tp.add_argument("--resume", action="store_true",
                        help="continue an interrupted run of the same inputs, model and options into OUT")


def run(args) -> int:
    from biofm.batch import BatchJob, expand_inputs, run_batch
    from biofm.phi.gate import applies

    from biofm.batch.run import check_job, own_outputs

    kind = get_task(args.task)
    out = Path(args.output)
    inputs = expand_inputs(args.input, exclude=own_outputs(out))
    job = BatchJob(args.task, inputs, out, None, None, option_values(args, kind.read_options),
                   option_values(args, getattr(kind, "predict_options", ())), args.chunk_rows,
                   phi={"action": args.phi_action, "columns": args.phi_columns, "as_is": args.phi_as_is})
    check_job(job)  # before the model is resolved or loaded
    job.settings = s = settings(args)
    job.model = api.resolve_spec(args.model, args.task, s)
    try:
        result = run_batch(job, args.engine, args.workers, args.gpus_per_worker, None if args.quiet else _bar(),
                           resume=args.resume, note=lambda m: print(f"note: {m}", file=sys.stderr))
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stale = out.with_name(out.stem + ".errors.csv")
    if not result.errors and stale.exists():
        stale.unlink()  # the errors of an earlier run into OUT no longer describe it
    write_errors(result.errors, out)
    refused = result.phi.pop("_refused", 0)
    if s.phi_gate == "off" or not applies(kind):
        pass
    elif refused:
        print(f"error: the PHI gate (BIOFM_PHI_GATE=require) refused {refused} row(s) holding identifiers "
              f"({_counts(result.phi)}); each is a row error in the errors file; nothing identified was written",
              file=sys.stderr)
    else:
        done = "run as is (acknowledged; audited)" if args.phi_as_is else f"de-identified ({args.phi_action})"
        print(f"PHI gate ({s.phi_gate}): " + (f"{sum(result.phi.values())} identifier(s) ({_counts(result.phi)}) "
                                              f"{done} before the model ran" if result.phi else
                                              "no identifiers found"), file=sys.stderr)
    rate = result.rows / result.seconds if result.seconds else 0.0
    print(f"{result.rows} row(s) from {len(job.inputs)} file(s) written to {out} in {result.seconds:.1f} s "
          f"({rate:.1f} rows/s, engine {args.engine})", file=sys.stderr)
    return 0 if result.rows and not refused else 2


def _counts(found: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(found.items()))


def _bar():
    from tqdm import tqdm

    tbar = tqdm(desc="predicting", unit="row", file=sys.stderr, leave=False)
    return tbar.update
