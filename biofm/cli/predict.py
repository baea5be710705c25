"""``biofm predict TASK INPUT -o OUT``: run a task's model over a file (one sub-command per registered task)."""

from __future__ import annotations

import sys
from pathlib import Path

from biofm import api
from biofm.cli.common import add_options, bar, option_values, read_input, run_options, settings, write_errors
from biofm.tasks import get_task, task_names


def add_parser(sub) -> None:
    p = sub.add_parser("predict", help="run a model over a file")
    psub = p.add_subparsers(dest="task", required=True)
    for name in task_names("predict"):
        kind = get_task(name)
        tp = psub.add_parser(name, help=kind.title)
        tp.add_argument("input", help="input file (.txt, .csv, .jsonl, .zip; SMILES files for molecules)")
        tp.add_argument("-o", "--output", required=True, help="OUT.csv or OUT.jsonl")
        add_options(tp, kind.read_options)
        add_options(tp, getattr(kind, "predict_options", ()))
        run_options(tp)
        tp.set_defaults(func=run)


def run(args) -> int:
    kind = get_task(args.task)
    s = settings(args)
    out = Path(args.output)
    result = read_input(kind, args, s, out, report=False)
    if not result.records and not getattr(kind, "keeps_rejected_rows", False):
        write_errors(result.errors, out)
        print("error: no readable rows in the input", file=sys.stderr)
        return 2
    preds = api.predict(args.task, result.records, model=args.model, settings=s,
                        progress=None if args.quiet or not result.records else bar("predicting"),
                        **option_values(args, getattr(kind, "predict_options", ())))
    write_errors(sorted(result.errors + list(preds.rejected), key=lambda e: (e.source, e.row)), out)
    kind.write(preds, out, result)
    print(f"{kind.summary(preds)} written to {out}", file=sys.stderr)
    return 0
