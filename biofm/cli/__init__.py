"""The ``biofm`` command. One small module per verb; task sub-commands and their options come from the registry."""

from __future__ import annotations

import argparse
import sys

from biofm.cli import app, batch, deid, deid_eval, embed, explain, models, predict, pretrain, train

VERBS = (app, models, predict, batch, deid, deid_eval, explain, embed, train, pretrain)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="biofm", description="Run, explain and fine-tune biomedical models locally.")
    sub = p.add_subparsers(dest="command", required=True)
    for verb in VERBS:
        verb.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:2] == ["deid", "eval"]:  # ``biofm deid eval GOLD``
        argv = ["deid-eval", *argv[2:]]
    args = build_parser().parse_args(argv)
    from biofm.io import InputError
    from biofm.models import ModelNotAvailableError, UnknownModelError
    from biofm.train.common import TrainingDataError

    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return 130
    except (InputError, UnknownModelError, ModelNotAvailableError, TrainingDataError, FileNotFoundError,
            ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


__all__ = ["build_parser", "main"]
