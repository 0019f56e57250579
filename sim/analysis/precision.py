"""Replications until the headline confidence intervals are narrow enough (`--precision`).

Adding replications r = n, n+1, ... keeps common random numbers (replication r is the same in
every scenario), so a precision run is an ordinary run with more replications, and its tables
are identical to `--replications N` with the N it stopped at.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from sim.analysis.stats import summarise
from sim.config import Scenario
from sim.experiment.executors import Executor
from sim.experiment.runner import TABLES, Progress, RunTables, RunTask, run_tasks
from sim.model.kpis import HEADLINE_KPIS


@dataclass
class PrecisionReport:
    """What a precision run reached: replications used, whether the target was met, and the
    relative half-width of every headline KPI of every scenario at the end."""

    target: float
    replications: int
    met: bool
    widths: pd.DataFrame  # scenario, kpi, mean, half_width, relative, met


def relative_half_widths(kpis: pd.DataFrame, target: float,
                         headline: Sequence[str] = HEADLINE_KPIS) -> pd.DataFrame:
    """95% CI half-width / |mean| of each overall headline KPI, per scenario.

    A KPI whose mean is zero with zero spread (e.g. no displaced patients) counts as met; one
    with a zero mean but some spread has no relative width and counts as not met."""
    summary = summarise(kpis[(kpis.scope == "overall") & kpis.kpi.isin(headline)])
    half = ((summary.ci_high - summary.ci_low) / 2.0).to_numpy()
    mean = summary["mean"].abs().to_numpy()
    relative = np.full(len(summary), np.inf)  # no CI yet (n < 2), or spread around a zero mean
    positive = (mean > 0) & ~np.isnan(half)
    relative[positive] = half[positive] / mean[positive]
    relative[(mean == 0) & (half == 0)] = 0.0
    return pd.DataFrame({"scenario": summary.scenario, "kpi": summary.kpi,
                         "mean": summary["mean"], "half_width": half,
                         "relative": relative, "met": relative <= target})


def _needed(widths: pd.DataFrame, n: int, target: float, level: float = 0.95) -> int:
    """Replications the worst KPI needs: the smallest m with t(m-1) * cv / sqrt(m) <= target,
    cv estimated from the current n; at most doubling n per step, as the estimate is noisy."""
    finite = widths.relative[np.isfinite(widths.relative)]
    if len(finite) < len(widths) or finite.empty:
        return 2 * n
    q = 0.5 + level / 2
    cv = float(finite.max()) * math.sqrt(n) / special.stdtrit(n - 1, q)
    m = n + 1
    while m < 2 * n and special.stdtrit(m - 1, q) * cv / math.sqrt(m) > target:
        m += 1
    return m


def run_to_precision(scenarios: Sequence[Scenario], target: float, seed: int, years: float,
                     warmup_days: float, start: int = 5, cap: int = 50,
                     executor: Executor | None = None, progress: Progress | None = None,
                     headline: Sequence[str] = HEADLINE_KPIS) -> tuple[RunTables, PrecisionReport]:
    """Add replications until every headline KPI's relative half-width <= target, or `cap`.

    Each round runs on `executor` (default: this process; the caller closes it); `progress`
    is told (replications done, cap) after each round."""
    if not 0 < target < 1:
        raise ValueError(f"precision must be between 0 and 1 (got {target})")
    n = min(max(2, start), cap)
    outputs: list[RunTables] = []
    done = 0
    while True:
        tasks = [RunTask(s, r, seed, years, warmup_days) for s in scenarios
                 for r in range(done, n)]
        outputs.append(run_tasks(tasks, executor))
        done = n
        if progress:
            progress(done, cap)
        kpis = pd.concat([o.kpis for o in outputs], ignore_index=True)
        widths = relative_half_widths(kpis, target, headline)
        met = bool(widths.met.all())
        if met or n >= cap:
            break
        n = min(cap, _needed(widths, n, target))
    report = PrecisionReport(target, n, met, widths)
    return _in_run_order(RunTables.concat(outputs), scenarios), report


def _in_run_order(tables: RunTables, scenarios: Sequence[Scenario]) -> RunTables:
    """Rounds appended replications after all scenarios; put rows back in (scenario,
    replication) order, as one plain run of the final count would have them."""
    order = {s.name: k for k, s in enumerate(scenarios)}

    def ordered(frame: pd.DataFrame) -> pd.DataFrame:
        return (frame.sort_values(["scenario", "replication"], kind="stable",
                                  key=lambda c: c.map(order) if c.name == "scenario" else c)
                .reset_index(drop=True))

    return RunTables(*(ordered(getattr(tables, name)) for name in TABLES))
