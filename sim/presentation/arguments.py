"""Command-line value types shared by every `specsim` subcommand.

Each returns the parsed value or raises `argparse.ArgumentTypeError` with what was wrong, so a
bad option is one line and exit code 2 like every other input error.
"""

from __future__ import annotations

import argparse


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
