"""Command-line pieces shared by every `specsim` subcommand: value types, the usage exit code,
the executor options and the one resolution of run settings from options.

Each value type returns the parsed value or raises `argparse.ArgumentTypeError` with what was
wrong, so a bad option is one line and exit code 2 like every other input error.
"""

from __future__ import annotations

import argparse

from sim.config.schema import RunSettings

EXIT_USAGE = 2
"""Exit code of every input error (bad option, file or value), as argparse itself uses."""


def _number(text: str, kind: type) -> float:
    try:
        value = kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"must be {what} (got {text!r})") from None
    if value != value:  # NaN
        raise argparse.ArgumentTypeError(f"must be a number (got {text!r})")
    return value


def positive_int(text: str) -> int:
    value = int(_number(text, int))
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def seed(text: str) -> int:
    value = int(_number(text, int))
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more (got {value})")
    return value


def non_negative_float(text: str) -> float:
    value = _number(text, float)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more (got {text})")
    return value


def positive_float(text: str) -> float:
    value = _number(text, float)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than zero (got {text})")
    return value


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """`--workers` and `--scheduler`: where the runs execute (results are the same either way)."""
    parser.add_argument("--workers", type=positive_int,
                        help="local processes (default: number of cores)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (instead of a local pool)")


def run_settings(args: argparse.Namespace, defaults: RunSettings) -> RunSettings:
    """`defaults` (the first scenario's `run` block) with `--years`, `--warmup-days`,
    `--replications` and `--seed` where given."""
    return defaults.with_overrides(years=args.years, warmup_days=args.warmup_days,
                                   replications=args.replications, seed=args.seed)
