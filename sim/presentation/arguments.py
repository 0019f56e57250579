"""Command-line pieces shared by every `specsim` subcommand: value types, the usage exit code,
the executor options and the one resolution of run settings from options.

Each value type returns the parsed value or raises `argparse.ArgumentTypeError` with what was
wrong and what is allowed, so a bad option is one line and exit code 2 like every other input
error. Every number is finite and within the limits of `sim.config.limits`.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from pathlib import Path

from sim.config.limits import (
    MAX_INT_DIGITS,
    MAX_NUMBER,
    MAX_REPLICATIONS,
    MAX_SEED,
    MAX_WARMUP_DAYS,
    MAX_WORKERS,
    MAX_YEARS,
    shown,
)
from sim.config.schema import RunSettings

EXIT_USAGE = 2
"""Exit code of every input error (bad option, file or value), as argparse itself uses."""


class UsageError(ValueError):
    """Input the option parser cannot see is wrong (e.g. two scenarios share a name): the
    command line prints it as one `error:` line and exits with code 2."""


def _number(text: str, kind: type) -> float:
    what = "a whole number" if kind is int else "a number"
    if kind is int and len(text.strip().lstrip("+-").replace("_", "")) > max(MAX_INT_DIGITS, 19):
        raise argparse.ArgumentTypeError(f"must be {what} of at most {max(MAX_INT_DIGITS, 19)} "
                                         f"digits (got {shown(text, 30)})")
    try:
        value = kind(text)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"must be {what} (got {shown(text, 30)})") from None
    if kind is float and (not math.isfinite(value) or abs(value) > MAX_NUMBER):
        raise argparse.ArgumentTypeError(f"must be a finite number of at most {MAX_NUMBER:g} "
                                         f"in size (got {shown(text, 30)})")
    return value


def int_between(low: int, high: int) -> Callable[[str], int]:
    """argparse type: a whole number in [low, high]."""
    def parse(text: str) -> int:
        value = int(_number(text, int))
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low:,} (got {shown(value, 30)})")
        if value > high:
            raise argparse.ArgumentTypeError(f"must be at most {high:,} (got {shown(value, 30)})")
        return value
    return parse


def float_between(low: float, high: float, low_open: bool = False) -> Callable[[str], float]:
    """argparse type: a finite number in [low, high] (or (low, high] if `low_open`)."""
    def parse(text: str) -> float:
        value = _number(text, float)
        if not (value > low if low_open else value >= low) or value > high:
            floor = f"more than {low:g}" if low_open else f"at least {low:g}"
            raise argparse.ArgumentTypeError(f"must be {floor} and at most {high:,g} "
                                             f"(got {shown(text, 30)})")
        return value
    return parse


positive_int = int_between(1, MAX_REPLICATIONS)
replications = int_between(1, MAX_REPLICATIONS)
workers = int_between(1, MAX_WORKERS)
seed = int_between(0, MAX_SEED)
years = float_between(0.0, MAX_YEARS, low_open=True)
warmup_days = float_between(0.0, MAX_WARMUP_DAYS)
positive_float = float_between(0.0, MAX_NUMBER, low_open=True)
non_negative_float = float_between(0.0, MAX_NUMBER)

_ADDRESS = re.compile(r"(?:(?:tcp|tls|ws|wss|ucx)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)"
                      r":(\d{1,5})")


def scheduler_address(text: str) -> str:
    """argparse type for --scheduler: `[tcp|tls|ws|wss|ucx://]host:port`, port 1-65535."""
    match = _ADDRESS.fullmatch(text.strip())
    if not match or not 1 <= int(match.group(1)) <= 65535:
        raise argparse.ArgumentTypeError(f"must be a Dask scheduler address such as "
                                         f"tcp://10.0.0.5:8786 (got {shown(text, 40)})")
    return text.strip()


def out_folder(text: str) -> Path:
    """argparse type for --out: a non-empty path (checked as a location before any run)."""
    if not text.strip() or "\x00" in text:
        raise argparse.ArgumentTypeError(f"must name a folder (got {shown(text, 40)})")
    return Path(text)


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """`--workers` and `--scheduler`: where the runs execute (results are the same either way)."""
    parser.add_argument("--workers", type=workers,
                        help=f"local processes (default: number of cores; at most {MAX_WORKERS})")
    parser.add_argument("--scheduler", metavar="ADDRESS", type=scheduler_address,
                        help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (instead of a local pool)")


def run_settings(args: argparse.Namespace, defaults: RunSettings) -> RunSettings:
    """`defaults` (the first scenario's `run` block) with `--years`, `--warmup-days`,
    `--replications` and `--seed` where given."""
    return defaults.with_overrides(years=args.years, warmup_days=args.warmup_days,
                                   replications=args.replications, seed=args.seed)
