"""Ranges of the options every verb takes, checked once: by the CLI's argument types before any work, and by
:func:`biofm.api.train` for the page and background jobs. Each check returns the value or raises ValueError with
a message that names the accepted range."""

from __future__ import annotations

from collections.abc import Callable


def _number(kind: type, value):
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not {'an integer' if kind is int else 'a number'}") from None


def positive_int(value) -> int:
    number = _number(int, value)
    if number < 1:
        raise ValueError(f"must be 1 or more, got {number}")
    return number


def non_negative_int(value) -> int:
    number = _number(int, value)
    if number < 0:
        raise ValueError(f"must be 0 or more, got {number}")
    return number


def positive_float(value) -> float:
    number = _number(float, value)
    if not number > 0 or number == float("inf"):
        raise ValueError(f"must be a number above 0, got {value}")
    return number


def non_negative_float(value) -> float:
    number = _number(float, value)
    if not number >= 0 or number == float("inf"):
        raise ValueError(f"must be 0 or more, got {value}")
    return number


def open_fraction(value) -> float:
    """A share strictly between 0 and 1 (a dev split of 0 or 1 leaves nothing to train or to score on)."""
    number = _number(float, value)
    if not 0 < number < 1:
        raise ValueError(f"must be between 0 and 1 (exclusive), got {value}")
    return number


def device(value) -> str:
    """auto, cpu, or cuda where a CUDA GPU is visible."""
    value = str(value)
    if value not in ("auto", "cpu", "cuda"):
        raise ValueError(f"must be auto, cpu or cuda, got {value!r}")
    if value == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise ValueError("cuda was asked for but no CUDA GPU is visible here (use cpu or auto)")
    return value


def new_model_dir(value) -> str:
    """A folder to write a model into: not an existing file."""
    from pathlib import Path

    path = Path(str(value)).expanduser()
    if not str(value).strip():
        raise ValueError("give a folder for the model")
    if path.exists() and not path.is_dir():
        raise ValueError(f"{value} is a file; give a folder for the model")
    return str(value)


def confidence_level(value) -> float:
    """A conformal confidence level: 0 (no intervals or sets) or a fraction below 1 (0.9 = 90%)."""
    v = float(value)
    if not 0 <= v < 1:
        raise ValueError(f"must be 0 (none) or between 0 and 1, e.g. 0.9 for 90% (got {value})")
    return v


# option name -> check, for task options (training and predict) and the shared run options
OPTION_RANGES: dict[str, Callable] = {
    "epochs": positive_int, "batch_size": positive_int, "max_length": positive_int, "max_tokens": positive_int,
    "n_train": positive_int, "n_dev": positive_int, "n_test": positive_int, "patience": positive_int,
    "confidence": confidence_level, "lr": positive_float, "dev_fraction": open_fraction, "device": device,
    "out": new_model_dir, "chunk_rows": positive_int, "workers": positive_int, "gpus_per_worker": non_negative_float,
    "steps": positive_int, "perplexity": positive_float, "max_points": positive_int,
}


def check_option(name: str, value):
    """``value`` checked against ``name``'s range (unchanged when the option has none or is unset)."""
    check = OPTION_RANGES.get(name)
    if check is None or value is None:
        return value
    try:
        return check(value)
    except ValueError as exc:
        raise ValueError(f"--{name.replace('_', '-')}: {exc}") from None


def check_options(values: dict) -> dict:
    return {k: check_option(k, v) for k, v in values.items()}
