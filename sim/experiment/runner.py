"""Replications of scenarios on any executor, with results independent of where they ran.

Replication r of every scenario draws from the same named streams (master seed, r, name), so
scenarios see the same patients (common random numbers). Tasks are independent; their tables
are put back in task order, (scenario, replication) from `make_tasks`, so the output does not
depend on the executor, the number of workers or the order in which runs finish. `run`,
`compare`, `--precision` and `warmup` all run through `run_tasks` or the same executors.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata

import pandas as pd

from sim.config import Scenario, config_hash
from sim.experiment.executors import Executor, LocalExecutor
from sim.model.calendar import month_ends
from sim.model.finance_table import finance_table, provider_table
from sim.model.invariants import check_invariants
from sim.model.kpis import replication_kpis, wait_quantiles
from sim.model.network import build_network
from sim.model.records import RunResult
from sim.model.simulation import simulate
from sim.model.transition import commissioner_table
from sim.model.unit_table import unit_table
from sim.model.waiting import WaitingList

Progress = Callable[[int, int], None]
"""Told (runs done, runs in total) after each run; the CLI draws its progress bar from it."""


@dataclass(frozen=True)
class RunTask:
    """One replication of one scenario."""

    scenario: Scenario
    replication: int
    seed: int
    years: float
    warmup_days: float
    stream_salt: str = ""  # non-empty: independent streams instead of common random numbers


@dataclass
class RunTables:
    """The tables of one or more runs, in memory: tidy KPIs and wait-distribution quantiles.

    (`api.RunResults` adds the summary; a folder on disk is read by `presentation.report`.)
    """

    kpis: pd.DataFrame
    waits: pd.DataFrame
    timeseries: pd.DataFrame = field(default_factory=pd.DataFrame)  # month-end waiting lists
    units: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per unit
    finance: pd.DataFrame = field(default_factory=pd.DataFrame)  # commissioner x year
    providers: pd.DataFrame = field(default_factory=pd.DataFrame)  # trust x year

    @classmethod
    def concat(cls, parts: Iterable[RunTables]) -> RunTables:
        """The parts' rows one after another, in the order given."""
        parts = list(parts)
        return cls(*(pd.concat([getattr(p, name) for p in parts], ignore_index=True)
                     for name in TABLES))

TABLES = ("kpis", "waits", "timeseries", "units", "finance", "providers")


def run_task(task: RunTask) -> RunTables:
    """Simulate one replication, check its invariants, and return its tables."""
    result = simulate(task.scenario, task.replication, seed=task.seed, years=task.years,
                      warmup_days=task.warmup_days, stream_salt=task.stream_salt)
    tables = result_tables(result)
    for name in TABLES:
        frame = getattr(tables, name)
        frame.insert(0, "replication", task.replication)
        frame.insert(0, "scenario", task.scenario.name)
    return tables


def result_tables(result: RunResult) -> RunTables:
    """The tables of one finished run, its invariants checked (the benchmark times this)."""
    table = replication_kpis(result)
    check_invariants(result, table)
    return RunTables(table, wait_quantiles(result), WaitingList(result).monthly(),
                     unit_table(result, table), finance_table(result),
                     provider_table(result))


def run_tasks(tasks: Sequence[RunTask], executor: Executor | None = None,
              progress: Progress | None = None) -> RunTables:
    """Run tasks on `executor` (default: this process) and concatenate in task order.

    The caller owns the executor (and closes it); results are put back by index, so the
    tables are the same whatever the executor and however many workers it has.
    """
    executor = executor or LocalExecutor(1)
    results: list[RunTables | None] = [None] * len(tasks)
    for done, (k, tables) in enumerate(executor.map_unordered(run_task, tasks), start=1):
        results[k] = tables
        if progress:
            progress(done, len(tasks))
    return RunTables.concat(r for r in results if r is not None)


def make_tasks(scenarios: Sequence[Scenario], replications: int, seed: int, years: float,
               warmup_days: float) -> list[RunTask]:
    return [RunTask(s, r, seed, years, warmup_days)
            for s in scenarios for r in range(replications)]


def commissioner_tables(scenarios: Sequence[Scenario], years: float,
                        warmup_days: float) -> pd.DataFrame:
    """Who commissions each (service, ICS) at each month end after the warm-up, for the
    scenarios with a dated commissioning plan (`commissioners.csv`; empty without one). The
    plan is deterministic, so one table per scenario, not per replication."""
    parts = []
    for scenario in scenarios:
        if not scenario.commissioning.plan:
            continue
        net = build_network(scenario)
        if not net.plan.dated:
            continue
        days, dates = month_ends(scenario.run.start_date, warmup_days + 365.0 * years)
        months = [(m, float(day), date) for m, (day, date)
                  in enumerate(zip(days, dates, strict=True), start=1) if day >= warmup_days]
        table = commissioner_table(net.lines(), net.commissioners, net.icss, months)
        table.insert(0, "scenario", scenario.name)
        parts.append(table)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def versions() -> dict[str, str]:
    """Versions of Python and the packages a result depends on."""
    found = {"python": platform.python_version()}
    for name in ("specsim", "simpy", "numpy", "scipy", "pandas", "pydantic", "pyarrow"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def run_metadata(scenarios: Sequence[Scenario], replications: int, seed: int, years: float,
                 warmup_days: float, wall_seconds: float, workers: int) -> dict:
    """What `run.json` records so that any figure can be reproduced."""
    return {
        "seed": seed,
        "replications": replications,
        "years": years,
        "warmup_days": warmup_days,
        "workers": workers,
        "wall_seconds": round(wall_seconds, 3),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "versions": versions(),
        "scenarios": {
            s.name: {"config_hash": config_hash(s), "config": s.model_dump(mode="json")}
            for s in scenarios
        },
    }
