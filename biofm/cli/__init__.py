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
    from biofm.privacy import private_umask

    private_umask()  # whatever this command writes under the data dir (or anywhere) is the user's only
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:2] == ["deid", "eval"]:  # ``biofm deid eval GOLD``
        argv = ["deid-eval", *argv[2:]]
    args = build_parser().parse_args(argv)
    _tighten_data_dir()
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
    except OSError as exc:  # a disk or permission problem outside the writers (which name it themselves)
        print(f"error: {exc.filename + ': ' if exc.filename else ''}{exc.strerror or exc}", file=sys.stderr)
        return 2


def _tighten_data_dir() -> None:
    """An existing data dir (an older biofm made it 755/644) becomes 0700/0600 on the next command."""
    from biofm.config import load_settings
    from biofm.privacy import private_dir

    try:
        data_dir = load_settings().data_dir
        if data_dir.is_dir():
            private_dir(data_dir)
    except (OSError, ValueError):
        pass  # a bad config file is reported by the command itself


__all__ = ["build_parser", "main"]
