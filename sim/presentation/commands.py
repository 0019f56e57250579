"""What `specsim run` and `specsim compare` do, as typed functions on resolved values.

The command-line modules parse options and call these; `compare` calls `run_scenarios` with
its own options rather than rebuilding a `run` command line, so each option is parsed once
and no command module imports another.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.overload import overloaded_units
from sim.analysis.precision import PrecisionReport, run_to_precision
from sim.analysis.stats import summarise
from sim.config import Scenario
from sim.config.schema import RunSettings
from sim.experiment.executors import Executor, default_workers, make_executor
from sim.experiment.outputs import OutputFolder, output_folder
from sim.experiment.runner import (
    TABLES,
    Progress,
    RunTables,
    commissioner_tables,
    make_tasks,
    run_metadata,
    run_tasks,
)
from sim.experiment.store import write_json, write_table
from sim.presentation.arguments import UsageError
from sim.presentation.boundary import scenario_names
from sim.presentation.progress import progress_bar
from sim.presentation.tables import headline_table, print_table

RUN_FILES = (*(f"{name}.{ext}" for name in (*TABLES, "summary") for ext in ("csv", "parquet")),
             "run.json")
"""What `run_scenarios` writes: everything a report is drawn from."""


@dataclass(frozen=True)
class PrecisionGoal:
    """`--precision`: add replications from `start` until every headline KPI's 95% CI
    half-width is within `target` of its mean, or `cap` replications."""

    target: float
    start: int = 5
    cap: int = 50


@dataclass
class FinishedRun:
    """What `run_scenarios` wrote to `out`, and how: the settings it ran with (replications
    being the number actually run), the tables, and the precision reached if asked for."""

    out: Path
    scenarios: list[Scenario]
    settings: RunSettings
    tables: RunTables
    summary: pd.DataFrame
    workers: int
    wall_seconds: float
    precision: PrecisionReport | None = None

    @property
    def runs(self) -> int:
        return len(self.scenarios) * self.settings.replications


def open_executor(workers: int | None = None, scheduler: str | Any | None = None) -> Executor:
    """The executor for `--workers` / `--scheduler`: a Dask cluster if a scheduler is given,
    else a local pool of `workers` processes (default: every core). Use it with `with`.
    A scheduler that cannot be reached (or Dask not installed) is a one-line usage error."""
    try:
        return make_executor(workers or default_workers(), scheduler)
    except Exception as exc:  # distributed raises OSError, TimeoutError, ValueError...
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise UsageError(f"--scheduler {scheduler}: {first}") from None


def run_scenarios(scenarios: Sequence[Scenario], settings: RunSettings, executor: Executor,
                  out: Path | OutputFolder, precision: PrecisionGoal | None = None,
                  metadata: Mapping[str, Any] | None = None,
                  progress: bool = True) -> FinishedRun:
    """Run `settings.replications` of every scenario (or replications up to a precision goal)
    on `executor`, and write kpis, waits, summary (CSV and Parquet) and run.json to `out`
    (`metadata`: extra run.json entries, e.g. the baseline `compare` reports against).

    `out` is locked for the whole call (an OutputFolder the caller opened, or a folder opened
    here). Nothing is written before every run has finished, and the tables are then committed
    whole (`outputs.py`): an interrupted run leaves the previous results, or a folder marked
    INCOMPLETE, never a mixture.
    """
    scenarios = list(scenarios)
    scenario_names(scenarios)
    with output_folder(out, "run") as folder:
        return _run(scenarios, settings, executor, folder, precision, metadata, progress)


def _run(scenarios: list[Scenario], settings: RunSettings, executor: Executor,
         folder: OutputFolder, precision: PrecisionGoal | None,
         metadata: Mapping[str, Any] | None, progress: bool) -> FinishedRun:
    start = time.perf_counter()
    report = None
    if precision is not None:
        bar, update = _progress(progress, precision.cap, "replications")
        with bar:
            tables, report = run_to_precision(
                scenarios, precision.target, settings.seed, settings.years, settings.warmup_days,
                start=precision.start, cap=precision.cap, executor=executor, progress=update)
        settings = settings.with_overrides(replications=report.replications)
    else:
        tasks = make_tasks(scenarios, settings.replications, settings.seed, settings.years,
                           settings.warmup_days)
        label = f"{len(scenarios)} scenario(s) x {settings.replications} replications"
        bar, update = _progress(progress, len(tasks), label)
        with bar:
            tables = run_tasks(tasks, executor, progress=update)
    wall = time.perf_counter() - start

    summary = summarise(tables.kpis)
    staging = folder.staging
    for name in TABLES:
        write_table(staging, name, getattr(tables, name))
    write_table(staging, "summary", summary)
    plans = commissioner_tables(scenarios, settings.years, settings.warmup_days)
    if len(plans):  # a dated commissioning plan: who commissions what, month by month
        write_table(staging, "commissioners", plans)
    meta = run_metadata(scenarios, settings.replications, settings.seed, settings.years,
                        settings.warmup_days, wall, executor.workers)
    write_json(staging / "run.json", {**meta, **(metadata or {})})
    folder.commit("run", {"scenarios": [s.name for s in scenarios]})
    return FinishedRun(folder.path, scenarios, settings, tables, summary, executor.workers, wall,
                       report)


def _progress(show: bool, total: int,
              label: str) -> tuple[AbstractContextManager[Any], Progress | None]:
    """The progress bar and its callback, or nothing at all when not shown."""
    return progress_bar(total, label) if show else (nullcontext(), None)


def print_run(run: FinishedRun) -> None:
    """What a planner reads after a run: the precision reached (if asked for), the headline
    table, and where the files are."""
    if run.precision is not None:
        p = run.precision
        worst = p.widths.sort_values("relative", ascending=False).iloc[0]
        state = "met" if p.met else f"NOT met (cap {p.replications} reached)"
        print(f"precision {p.target:g}: {state} after {p.replications} replications; "
              f"widest: {worst.scenario}/{worst.kpi} at {worst.relative:.3g}")
    print_table(headline_table(run.summary, run.settings.replications))
    print(f"{run.runs} runs in {run.wall_seconds:.1f} s; results in {run.out}/ (kpis, waits, "
          f"timeseries, units, finance, providers, summary as .csv and .parquet; run.json)")
    warn_overloads(run)


def warn_overloads(run: FinishedRun, most: int = 5) -> None:
    """Once, after the run: a warning per service whose units are overloaded (their queue
    grows without bound), naming the busiest units and their utilisation."""
    found = overloaded_units(run.tables.units, run.tables.timeseries, run.settings.warmup_days)
    for overload in found[:most]:
        print(f"warning: {overload}", file=sys.stderr)
    if len(found) > most:
        units = sum(len(o.units) for o in found[most:])
        print(f"warning: and {units} overloaded units of {len(found) - most} more services "
              "(see units.csv: utilisation)", file=sys.stderr)
