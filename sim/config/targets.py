"""Calibration targets: observed figures the model should reproduce, read from a CSV file.

Columns: `kpi, scope, key, observed, tolerance, unit, source`. `tolerance` is the miss a
planner accepts, in the KPI's own unit (points for percentages, patients for a list, GBP).
Every row names its source, so a validation table can cite it.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

from sim.config.errors import ConfigError, ConfigIssue
from sim.config.limits import MAX_NUMBER, shown
from sim.config.reading import read_text

COLUMNS = ("kpi", "scope", "key", "observed", "tolerance", "unit", "source")
SCOPES = ("overall", "service", "ics", "commissioner")


@dataclass(frozen=True)
class Target:
    kpi: str
    scope: str
    key: str
    observed: float
    tolerance: float
    unit: str
    source: str


def load_targets(path: str | Path) -> list[Target]:
    """Read and check a targets file; every problem is reported with its row and column."""
    path = Path(path)
    label = str(path)
    text = read_text(path, label)  # a regular UTF-8 file within the size limit
    try:
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        header = rows[0].keys() if rows else []
    except csv.Error as exc:
        raise ConfigError.single(label, "", f"not a valid CSV file ({exc})") from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ConfigError.single(label, "header", f"missing column(s) {missing}; "
                                                  f"columns: {', '.join(COLUMNS)}")
    issues: list[ConfigIssue] = []
    targets = []
    for line, row in enumerate(rows, start=2):
        numbers = {}
        for column in ("observed", "tolerance"):
            try:
                numbers[column] = float(row[column])
                if not math.isfinite(numbers[column]) or abs(numbers[column]) > MAX_NUMBER:
                    raise ValueError
            except (TypeError, ValueError):
                numbers.pop(column, None)
                issues.append(ConfigIssue(label, f"row {line}.{column}",
                                          f"must be a finite number of at most {MAX_NUMBER:g} "
                                          f"in size (got {shown(row[column], 30)})"))
        if row["scope"] not in SCOPES:
            issues.append(ConfigIssue(label, f"row {line}.scope",
                                      f"must be one of {list(SCOPES)} "
                                      f"(got {shown(row['scope'], 30)})"))
        if "tolerance" in numbers and numbers["tolerance"] <= 0:
            issues.append(ConfigIssue(label, f"row {line}.tolerance",
                                      f"must be > 0 (got {row['tolerance']!r})"))
        if len(numbers) == 2:
            targets.append(Target(row["kpi"], row["scope"], row["key"], numbers["observed"],
                                  numbers["tolerance"], row["unit"], row["source"]))
    if not rows:
        issues.append(ConfigIssue(label, "", "no targets (the file has a header only)"))
    if issues:
        raise ConfigError(issues[:20])
    return targets
