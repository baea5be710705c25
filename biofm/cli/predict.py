"""``biofm predict TASK INPUT -o OUT``: run a task's model over a file (one sub-command per registered task)."""

from __future__ import annotations

import sys
from pathlib import Path

from biofm import api
from biofm.cli.common import bar, gate, option_values, read_input, settings, task_parsers, write_errors
from biofm.tasks import get_task


def add_parser(sub) -> None:
    task_parsers(sub, "predict", "run a model over a file",
                 "input file (.txt, .csv, .jsonl, .parquet, .zip; SMILES files for molecules)",
                 "OUT.csv or OUT.jsonl", run)


def run(args) -> int:
    from biofm.io.writers import check_output

    kind = get_task(args.task)
    out = Path(args.output)
    check_output(out, kind.output_formats(args.input), inputs=[args.input])
    s = settings(args)
    result = read_input(kind, args, s, out, report=False)
    if not result.records and not getattr(kind, "keeps_rejected_rows", False):
        write_errors(result.errors, out)
        print("error: no readable rows in the input", file=sys.stderr)
        return 2
    result = gate(args.task, args, s, result, args.quiet)
    preds = api.predict(args.task, result.records, model=args.model, settings=s,
                        progress=None if args.quiet or not result.records else bar("predicting", "record"),
                        **option_values(args, getattr(kind, "predict_options", ())))
    write_errors(sorted(result.errors + list(preds.rejected), key=lambda e: (e.source, e.row)), out)
    kind.write(preds, out, result)
    print(f"{kind.summary(preds)} written to {out}", file=sys.stderr)
    return 0
