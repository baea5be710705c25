"""Helpers every verb shares: options from a task's Option list, progress bars, row-error files, settings."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from biofm.cli.argtypes import device, for_option, positive_int
from biofm.config import load_settings


def bar(desc: str, unit: str = "item"):
    """A progress callback ``(done, total)`` drawn as a tqdm bar on stderr: counts, rate and time left
    (``predicting:  37%|███▋      | 37/100 [00:07<00:12, 5.1 item/s]``), removed when done."""
    from tqdm import tqdm

    state: dict = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = tqdm(total=total, desc=desc, unit=f" {unit}", file=sys.stderr, leave=False)
        state["bar"].update(done - state["bar"].n)
        if done >= total:
            state["bar"].close()

    return update


def settings(args):
    return load_settings(device=getattr(args, "device", None), batch_size=getattr(args, "batch_size", None),
                         max_tokens=getattr(args, "max_tokens", None), phi_gate=getattr(args, "phi_gate", None))


def gate_options(p: argparse.ArgumentParser) -> None:
    """The PHI gate's flags, the same on every verb that reads user text."""
    from biofm.config import PHI_GATES

    g = p.add_argument_group("PHI gate (text and report tasks)")
    g.add_argument("--phi-gate", choices=PHI_GATES, default=argparse.SUPPRESS,
                   help="require: refuse input with identifiers; warn (default): de-identify it first and say so; "
                        "off: no scan (default: BIOFM_PHI_GATE, the config file, warn)")
    g.add_argument("--phi-action", choices=["redact", "mask", "surrogate"], default="redact",
                   help="how warn replaces identifiers (default redact)")
    g.add_argument("--phi-columns", type=_comma_list, default=None,
                   help="scan only these extra columns (default: every column; the text, id and file name always)")
    g.add_argument("--phi-as-is", action="store_true",
                   help="warn mode: run identified input as it is (acknowledged; written to the audit log)")


def gate(task: str, args, s, result, quiet: bool = False):
    """``result`` through the PHI gate (see :mod:`biofm.phi.gate`): its records de-identified (warn) or refused
    (require: :class:`~biofm.phi.gate.PhiRefused`, exit 2); what was scanned and done goes to stderr."""
    from biofm.phi.gate import applies, check
    from biofm.tasks import get_task

    if not applies(get_task(task)) or not result.records:
        return result
    gated = check(result.records, s.phi_gate, action=getattr(args, "phi_action", "redact"),
                  columns=getattr(args, "phi_columns", None), as_is=getattr(args, "phi_as_is", False), settings=s,
                  progress=None if quiet or s.phi_gate == "off" else bar("scanning for PHI", "field"), task=task)
    result.records = gated.records
    if not gated.as_is:
        result.errors = gated.clean_errors(result.errors)
    print(gated.summary(), file=sys.stderr)
    return result


def write_errors(errors, out: Path) -> None:
    """``OUT.errors.csv`` (source,row,field,message) and the first 20 on stderr."""
    from biofm.io.writers import write_row_errors

    path = write_row_errors(errors, out.with_name(out.stem + ".errors.csv"))
    if path is None:
        return
    for err in errors[:20]:
        print(f"warning: {err.source} row {err.row} ({err.field}): {err.message}", file=sys.stderr)
    if len(errors) > 20:
        print(f"warning: … {len(errors) - 20} more", file=sys.stderr)
    print(f"{len(errors)} row error(s) written to {path}", file=sys.stderr)


def add_options(p: argparse.ArgumentParser, options, suppress_defaults: bool = False) -> None:
    """argparse arguments for a task's Options (bool: a switch; list: comma-separated)."""
    for o in options:
        kwargs: dict = {"dest": o.name, "help": o.help}
        if suppress_defaults:
            kwargs["default"] = argparse.SUPPRESS
        elif o.type is not bool:
            kwargs["default"] = o.default
        if o.type is bool:
            kwargs["action"] = "store_true"
        else:
            kwargs["type"] = _comma_list if o.type is list else for_option(o.name, o.type)
            if o.choices:
                kwargs["choices"] = o.choices
        p.add_argument(o.flag, *o.aliases, **kwargs)


def _comma_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def union_options(verb: str) -> list:
    """The read options of every task supporting ``verb``, once each (aliases merged): for ``--task`` commands."""
    from dataclasses import replace

    from biofm.tasks import get_task, task_names

    merged: dict = {}
    for name in task_names(verb):
        for o in get_task(name).read_options:
            known = merged.get(o.name)
            merged[o.name] = o if known is None else replace(
                known, help=known.help.split(" (")[0], aliases=tuple(dict.fromkeys(known.aliases + o.aliases)))
    return list(merged.values())


def option_values(args, options) -> dict:
    return {o.name: getattr(args, o.name) for o in options if hasattr(args, o.name)}


def run_options(p: argparse.ArgumentParser, model_help: str = "registered name, model directory or hub id") -> None:
    p.add_argument("--model", default=None, help=model_help)
    p.add_argument("--batch-size", type=positive_int, default=None, help="rows per batch (default: by device)")
    p.add_argument("--max-tokens", type=positive_int, default=None, help="padded tokens per batch (default: by device)")
    p.add_argument("--device", type=device, default=None, metavar="{auto,cpu,cuda}")
    p.add_argument("-q", "--quiet", action="store_true")


def task_parsers(sub, verb: str, help_text: str, input_help: str, output_help: str, func, **kwargs) -> list:
    """``biofm VERB TASK INPUT -o OUT`` for every task that predicts, with the task's read and predict options;
    returns each task's parser so a verb can add its own flags."""
    from biofm.tasks import get_task, task_names

    p = sub.add_parser(verb, help=help_text, **kwargs)
    psub = p.add_subparsers(dest="task", required=True)
    parsers = []
    for name in task_names("predict"):
        kind = get_task(name)
        tp = psub.add_parser(name, help=kind.title)
        tp.add_argument("input", help=input_help)
        tp.add_argument("-o", "--output", required=True, help=output_help)
        add_options(tp, kind.read_options)
        add_options(tp, getattr(kind, "predict_options", ()))
        run_options(tp)
        for flag, flag_help in getattr(kind, "model_flags", {}).items():
            tp.add_argument(flag, dest="model", default=argparse.SUPPRESS, help=flag_help)
        gate_options(tp)
        tp.set_defaults(func=func)
        parsers.append(tp)
    return parsers


def read_input(kind, args, settings, out: Path, report: bool = True):
    """The task's records from ``args.input``; row errors to ``OUT.errors.csv`` (unless the caller adds more)."""
    result = kind.read(args.input, max_rows=settings.max_upload_rows, max_bytes=settings.max_upload_mb * 2**20,
                       max_chars=settings.max_doc_chars, **option_values(args, kind.read_options))
    if report:
        write_errors(result.errors, out)
    return result


def cancel_check(cancel_file: str | None):
    return (lambda: Path(cancel_file).exists()) if cancel_file else None


def train_progress(quiet: bool, progress_file: str | None = None):
    """Training events to a tqdm bar (and, for background jobs, to a JSONL file the Models page reads).

    Every event the trainers send is accepted: steps (``step``, ``total_steps``, ``loss``), ``epoch`` summaries,
    ``early_stop`` and any other ``event`` (printed as its fields); a field an event lacks is simply not shown.
    """
    from tqdm import tqdm

    from biofm.train.common import duration

    sink = open(progress_file, "a", encoding="utf-8") if progress_file else None
    tbar = None  # made at the first event: its clock and ETA start with training, not with loading the model

    def progress(ev: dict) -> None:
        nonlocal tbar
        if sink is not None:
            sink.write(json.dumps({**ev, "time": time.time()}) + "\n")
            sink.flush()
        if tbar is None:
            tbar = tqdm(total=None, desc="training", unit="step", file=sys.stderr, disable=quiet,
                        initial=max(0, ev.get("step", 1) - 1) if isinstance(ev.get("step"), int) else 0)
        if ev.get("total_steps"):
            tbar.total = ev["total_steps"]
        kind = ev.get("event")
        if isinstance(ev.get("step"), int) and ev["step"] >= tbar.n:
            tbar.update(ev["step"] - tbar.n)
        if ev.get("epochs") and kind is None:
            tbar.set_description(f"training, epoch {ev.get('epoch')}/{ev['epochs']}", refresh=False)
        if kind == "epoch":
            metric = ev.get("metric", "")
            dev = ev.get(f"dev_{metric}")
            of = f" of {ev['epochs']}" if ev.get("epochs") else ""
            steps = f"step {ev['step']}/{ev['total_steps']}, " if ev.get("step") and ev.get("total_steps") else ""
            eta = f", ETA {duration(ev['eta_s'])}" if isinstance(ev.get("eta_s"), (int, float)) else ""
            tbar.write(f"epoch {ev.get('epoch')}{of}: train loss {_num(ev.get('train_loss'))}, dev {metric} "
                       f"{_num(dev)} ({steps}{ev.get('seconds', '?')} s{eta})", file=sys.stderr)
        elif kind == "early_stop":
            tbar.write(f"stopped early after epoch {ev.get('epoch')} of {ev.get('epochs')}: the dev metric did not "
                       f"improve for {ev.get('patience')} epoch(s); the weights of epoch {ev.get('best_epoch')} "
                       "were kept", file=sys.stderr)
        elif kind is not None:
            tbar.write(f"{kind}: " + ", ".join(f"{k} {v}" for k, v in ev.items() if k != "event"),
                       file=sys.stderr)
        elif "loss" in ev:
            tbar.set_postfix(loss=_num(ev["loss"], 3))

    return progress


def _num(value, digits: int = 4) -> str:
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) else "?"
