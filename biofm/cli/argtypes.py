"""argparse types built from :mod:`biofm.ranges`: a value out of range is a usage error (exit 2, one line naming
the flag and the range) before anything is read or loaded."""

from __future__ import annotations

import argparse

from biofm import ranges


def argtype(check):
    """An argparse ``type`` that converts and range-checks with ``check``."""

    def convert(text: str):
        try:
            return check(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = getattr(check, "__name__", "value")
    return convert


positive_int = argtype(ranges.positive_int)
positive_float = argtype(ranges.positive_float)
non_negative_float = argtype(ranges.non_negative_float)
device = argtype(ranges.device)
new_model_dir = argtype(ranges.new_model_dir)


def for_option(name: str, kind):
    """The argparse type of a task option: its range check where :data:`biofm.ranges.OPTION_RANGES` has one."""
    check = ranges.OPTION_RANGES.get(name)
    if check is None:
        return kind
    return argtype(check)
