"""Every limit on what specsim reads and runs, in one place (listed in docs/limits.md).

The limits are far above what a real scenario needs and far below what exhausts a laptop: an
input over a limit is refused before any work, with a one-line error naming the limit. Change
a value here and the error messages, the checks and the docs test follow.
"""

from __future__ import annotations

import re

KIB = 1024
MIB = 1024 * KIB

# -- reading files -----------------------------------------------------------------------------
MAX_FILE_BYTES = 4 * MIB
"""Largest scenario, sweep or targets file read (the England default is about 60 KB)."""
MAX_YAML_DEPTH = 32
"""Deepest nesting of mappings and lists in one YAML file (a scenario needs about 8)."""
MAX_YAML_NODES = 200_000
"""Most values in one YAML file counted with every alias (*name) expanded: an alias bomb
(a few lines that expand to billions of values) is refused before it is built."""
MAX_EXTENDS = 16
"""Longest `extends` chain (a file, its parent, its parent's parent...)."""
MAX_NUMBER = 1e15
"""Largest magnitude of any number in an input file or option (a budget in GBP is ~1e10)."""
MAX_INT_DIGITS = 16
"""Most digits of an integer literal (checked before it is converted, so 5,000 digits cost
nothing)."""

# -- runs --------------------------------------------------------------------------------------
MAX_YEARS = 100.0
"""Longest simulated run after the warm-up (`run.years`, `--years`)."""
MAX_WARMUP_DAYS = 36_500.0
"""Longest warm-up (`run.warmup_days`, `--warmup-days`) and planning horizon, days."""
MAX_REPLICATIONS = 10_000
"""Most replications of one scenario (`run.replications`, `--replications`, a sweep's)."""
MAX_RUNS = 100_000
"""Most runs one command may start: scenarios x replications (x design points for a sweep)."""
MAX_SERVICES = 500
"""Most services plus service groups in one scenario (England has about 150 prescribed
services)."""
MAX_SCENARIOS = 100
"""Most scenarios one command (or sweep file) may name."""
MAX_SWEEP_POINTS = 10_000
"""Most design points of one sweep (a grid's product of value counts, or lhs `n`)."""
MAX_SEED = 10**15
"""Largest master seed (as any number in a file)."""
MAX_WORKERS = 512
"""Most local worker processes (`--workers`)."""
MAX_REFERRALS = 2_000_000
"""Most patients one replication may generate (referrals drawn over warm-up and run, plus the
waiting lists at the start): the England default over about 13 years. A patient costs 0.5-2 KB
of memory (more while waiting), so this bounds one replication to about 1-4 GB."""
MAX_GROUP_EPISODES = 1e12
"""Most episodes a service group may have in a year (cohorts are counted, not simulated)."""

# -- names that become file or folder names ----------------------------------------------------
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
"""A scenario's or sweep's `name`: letters, digits, '_', '-', '.', starting with a letter or
digit, at most 64 characters. It names output files, so no '/', '..' or spaces."""
NAME_RULE = ("letters, digits, '_', '-' and '.', starting with a letter or digit, "
             "at most 64 characters")
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
"""A service, service group, ICS or provider id: as a name, without '.' (ids appear in
dotted sweep parameter paths and in `service/provider` unit keys)."""
ID_RULE = "letters, digits, '_' and '-', starting with a letter or digit, at most 64 characters"
RESERVED_NAMES = frozenset(["con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                            *(f"lpt{i}" for i in range(10))])
"""Names Windows will not create as files."""


def shown(value: object, width: int = 60) -> str:
    """`repr(value)` cut to `width` characters, so a 5,000-digit value stays one short line."""
    text = repr(value)
    return text if len(text) <= width else f"{text[:width - 15]}...{text[-10:]} ({len(text)} chars)"


def name_problem(name: object, pattern: re.Pattern[str] = NAME_PATTERN,
                 rule: str = NAME_RULE) -> str | None:
    """Why `name` cannot name a file or folder, or None if it can."""
    if not isinstance(name, str) or not pattern.fullmatch(name):
        return f"must be {rule} (got {shown(name)})"
    if name.split(".")[0].lower() in RESERVED_NAMES:
        return f"{name!r} is a reserved file name on Windows; choose another"
    return None
