"""Warm-up analysis: weekly time series, Welch's moving average and the MSER-5 truncation point.

Runs for warm-up analysis start empty-ish (whatever `pathway.prefill` gives) with no warm-up
discarded; the series show how long the start-up bias lasts. MSER-5 (White 1997) picks the
truncation that minimises the standard error of the mean of the remaining batch means; Welch's
method averages replications and smooths, for a planner to judge by eye.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config import Scenario
from sim.config.schema import RunSettings
from sim.experiment.executors import Executor, LocalExecutor
from sim.experiment.runner import RunTask
from sim.model.invariants import check_invariants
from sim.model.kpis import replication_kpis
from sim.model.records import MANAGED_LOCALLY, UNMET, RunResult
from sim.model.simulation import simulate

WEEK = 7.0
SERIES = ("wait_mean_days", "waiting")


def weekly_series(result: RunResult) -> pd.DataFrame:
    """Per week from t=0: mean wait of treatments started that week, and patients waiting
    (access decided, treatment not started) at the end of the week."""
    p, r = result.patients, result.records
    weeks = int(result.horizon // WEEK)
    edges = np.arange(weeks + 1) * WEEK
    started = ~np.isnan(r.start)
    week_of = np.floor(r.start[started] / WEEK).astype(int)
    inside = week_of < weeks
    wait = (r.start[started] - p.referral[started])[inside]
    week_of = week_of[inside]
    sums = np.bincount(week_of, weights=wait, minlength=weeks)
    counts = np.bincount(week_of, minlength=weeks)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_wait = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    entered = ~np.isnan(r.decision) & (r.status != UNMET) & (r.status != MANAGED_LOCALLY)
    decision = np.sort(r.decision[entered])
    start = np.sort(np.where(np.isnan(r.start[entered]), np.inf, r.start[entered]))
    ends = edges[1:]
    waiting = np.searchsorted(decision, ends, "right") - np.searchsorted(start, ends, "right")
    return pd.DataFrame({"week": np.arange(weeks), "wait_mean_days": mean_wait,
                         "waiting": waiting.astype(float)})


def welch(series: np.ndarray, window: int) -> np.ndarray:
    """Welch's moving average of a replication-averaged series (shorter windows at the start)."""
    x = np.asarray(series, dtype=float)
    out = np.full(len(x), np.nan)
    for i in range(len(x)):
        w = min(window, i, len(x) - 1 - i)
        chunk = x[i - w:i + w + 1]
        if np.any(~np.isnan(chunk)):
            out[i] = np.nanmean(chunk)
    return out


def mser(series: np.ndarray, batch: int = 5) -> int:
    """MSER-b truncation point in observations (a multiple of `batch`).

    Batches the series into means of `batch` points, then picks the d (searching only the
    first half, as is usual) minimising sum((z_i - mean)^2) / (n - d)^2 over the kept batches.
    """
    x = np.asarray(series, dtype=float)
    x = x[~np.isnan(x)]
    nb = len(x) // batch
    if nb < 4:
        return 0
    z = x[:nb * batch].reshape(nb, batch).mean(axis=1)
    best, best_d = np.inf, 0
    for d in range(nb // 2):
        kept = z[d:]
        stat = float(np.sum((kept - kept.mean()) ** 2)) / len(kept) ** 2
        if stat < best:
            best, best_d = stat, d
    return best_d * batch


@dataclass
class WarmupAnalysis:
    """Replication-averaged weekly series, their Welch averages and MSER-5 suggestions."""

    series: pd.DataFrame  # week, series, mean (across replications), welch
    suggested_weeks: dict[str, int]
    window: int

    @property
    def suggested_days(self) -> float:
        """The longest suggestion over the series, in days (the safe choice)."""
        return WEEK * max(self.suggested_weeks.values(), default=0)


def analyse(per_replication: Sequence[pd.DataFrame], window: int = 5) -> WarmupAnalysis:
    """Average the weekly series over replications, smooth them, and suggest a warm-up."""
    stacked = pd.concat(per_replication, ignore_index=True)
    mean = stacked.groupby("week", sort=True)[list(SERIES)].mean()
    rows, suggested = [], {}
    for name in SERIES:
        values = mean[name].to_numpy()
        smooth = welch(values, window)
        suggested[name] = mser(values)
        rows.append(pd.DataFrame({"week": mean.index, "series": name, "mean": values,
                                  "welch": smooth}))
    return WarmupAnalysis(pd.concat(rows, ignore_index=True), suggested, window)


def replication_series(task: RunTask) -> pd.DataFrame:
    """Weekly series of one replication run with no warm-up discarded (picklable for pools).
    The run is checked for the accounting invariants like every other run."""
    result = simulate(task.scenario, task.replication, seed=task.seed, years=task.years,
                      warmup_days=0.0, stream_salt=task.stream_salt)
    check_invariants(result, replication_kpis(result))
    return weekly_series(result)


def default_years(settings: RunSettings) -> float:
    """How long a warm-up study runs from t=0 unless told: the configured warm-up plus the
    run after it, so the series cover everything a normal run would simulate."""
    return settings.years + settings.warmup_days / 365.0


def warmup_analysis(scenario: Scenario, replications: int, seed: int, years: float,
                    executor: Executor | None = None, window: int = 5) -> WarmupAnalysis:
    """Run `replications` from t=0 for `years` and analyse their weekly series.

    Runs go through `executor` (default: this process; the caller closes it)."""
    tasks = [RunTask(scenario, r, seed, years, 0.0) for r in range(replications)]
    executor = executor or LocalExecutor(1)
    frames: list[pd.DataFrame | None] = [None] * len(tasks)
    for k, frame in executor.map_unordered(replication_series, tasks):
        frames[k] = frame
    return analyse([f for f in frames if f is not None], window)
