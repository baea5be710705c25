"""``biofm train TASK``: fine-tune a task's model on a labelled file. Options come from the task (one set of
defaults shared with the Models page); ``--config FILE.json`` holds them for background jobs."""

from __future__ import annotations

import argparse
import json
import sys

from biofm import api
from biofm.cli.common import add_options, cancel_check, option_values, train_progress
from biofm.tasks import get_task, task_names


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="fine-tune a model on a labelled file")
    tsub = p.add_subparsers(dest="task", required=True)
    for name in task_names("train"):
        kind = get_task(name)
        tp = tsub.add_parser(name, help=kind.title, argument_default=argparse.SUPPRESS)
        add_options(tp, kind.train_options, suppress_defaults=True)
        tp.add_argument("--config", help="JSON file of training options (flags given here win)")
        tp.add_argument("-q", "--quiet", action="store_true", default=False)
        tp.add_argument("--phi-gate", choices=["require", "warn", "off"], default=None,
                        help="training files through the PHI gate: require refuses identifiers, warn (default) "
                             "trains on a de-identified copy, off: no scan (default: BIOFM_PHI_GATE)")
        tp.add_argument("--phi-as-is", action="store_true", default=False,
                        help="warn mode: train on the files as they are (acknowledged; written to the audit log)")
        tp.add_argument("--progress-file", default=None, help=argparse.SUPPRESS)
        tp.add_argument("--cancel-file", default=None, help=argparse.SUPPRESS)
        tp.set_defaults(func=run)


def run(args) -> int:
    kind = get_task(args.task)
    values = json.loads(open(args.config, encoding="utf-8").read()) if getattr(args, "config", None) else {}
    values.update(option_values(args, kind.train_options))
    values = _gated(args.task, values, args)
    summary = api.train(args.task, values, progress=train_progress(args.quiet, args.progress_file),
                        should_stop=cancel_check(args.cancel_file))
    print(summary, file=sys.stderr)
    return 0


def _gated(task: str, values: dict, args) -> dict:
    """Each training file (train, dev, test) through the PHI gate; the copies to train on (de-identified where they
    held identifiers, under the data dir, 0600). require: PhiRefused (exit 2) naming the rows."""
    from biofm.config import load_settings
    from biofm.phi.files import gate_training_file
    from biofm.phi.gate import applies

    if not applies(get_task(task)):
        return values
    s = load_settings(phi_gate=getattr(args, "phi_gate", None))
    values = dict(values)
    options = {"label_column": get_task(task).option_defaults().get("label_column"), **values}  # the trainer's column
    for key in ("train", "dev", "test"):
        if values.get(key):
            values[key], line = gate_training_file(values[key], s, options, getattr(args, "phi_as_is", False), task)
            if line:
                print(f"{key}: {line}", file=sys.stderr)
    return values
