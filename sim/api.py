"""The Python API, mirroring the CLI, for planners working in a notebook.

    from sim import api
    a = api.load_scenario("scenarios/centralised.yaml")
    b = api.load_scenario("scenarios/ics_delegation.yaml")
    res = api.run([a, b], replications=5, years=1)
    api.compare(res, baseline="centralised")          # paired differences with 95% CIs
    table = api.sweep("scenarios/sweeps/demand_growth.yaml", out="outputs/dg", workers=2)
    res = api.run("centralised", progress=lambda done, total: print(done, "of", total))

Every function returns pandas DataFrames (or a small dataclass of them); nothing is printed.
`progress` (run, sweep) is called with (runs done, runs in total) after every finished run.
A scenario is a file (YAML or a parameter workbook .xlsx), a shipped name or 'england'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.compare import paired_differences
from sim.analysis.precision import PrecisionReport, run_to_precision
from sim.analysis.stats import summarise
from sim.analysis.warmup import WarmupAnalysis, default_years, warmup_analysis
from sim.config import Scenario
from sim.config import load_scenario as _load_scenario
from sim.config.loader import resolve
from sim.config.sweep import load_sweep
from sim.experiment.executors import make_executor
from sim.experiment.runner import Progress, make_tasks, run_tasks
from sim.experiment.sweep import SweepReport, run_sweep
from sim.presentation.boundary import check_run_size
from sim.presentation.show import shown_values
from sim.presentation.workbook import write_workbook

__all__ = ["RunResults", "compare", "load_scenario", "run", "show", "sweep", "sweep_report",
           "warmup", "workbook"]


@dataclass
class RunResults:
    """What `run` returns, in memory: per-replication KPIs and wait quantiles (the tables a
    `specsim run` folder holds), their mean [95% CI] summary, and the precision reached."""

    kpis: pd.DataFrame
    waits: pd.DataFrame
    summary: pd.DataFrame
    precision: PrecisionReport | None = None


Results = RunResults  # its earlier name, kept so that existing notebooks keep working


def load_scenario(ref: str | Path) -> Scenario:
    """A validated scenario from a file (YAML or .xlsx), a shipped name or 'england' (raises
    ConfigError)."""
    return _load_scenario(ref)


def show(ref: str | Path, key: str | None = None) -> pd.DataFrame:
    """Like `specsim show`: every resolved value (under `key`), the file that set it and its
    provenance (cited / derived / illustrative and the source note)."""
    rows = shown_values(resolve(ref), key)
    return pd.DataFrame([{"key": r.key, "value": r.value, "set_in": r.set_in, "kind": r.kind,
                          "provenance": r.provenance} for r in rows])


def workbook(ref: str | Path, out: str | Path, force: bool = False) -> Path:
    """Like `specsim workbook`: the scenario's parameters as an .xlsx that reads back as it."""
    return write_workbook(str(ref), Path(out), force)


def _scenarios(items: Scenario | str | Path | Sequence[Scenario | str | Path]) -> list[Scenario]:
    if isinstance(items, Scenario | str | Path):
        items = [items]
    return [s if isinstance(s, Scenario) else _load_scenario(s) for s in items]


def run(scenarios: Scenario | str | Sequence[Scenario | str], replications: int | None = None,
        seed: int | None = None, years: float | None = None, warmup_days: float | None = None,
        workers: int = 1, precision: float | None = None, max_replications: int = 50,
        stream_salt: str = "", scheduler: str | Any | None = None,
        progress: Progress | None = None) -> RunResults:
    """Like `specsim run`: defaults come from the first scenario's `run` settings.

    `precision` adds replications (from `replications`, default 5) until headline CIs are
    within that fraction of the mean. `scheduler` (a Dask address or `distributed.Client`)
    runs on a cluster instead of `workers` local processes; results are the same.
    `stream_salt` (for method studies only) breaks common random numbers between calls.
    `progress(done, total)` is called after every finished run.
    """
    items = _scenarios(scenarios)
    settings = items[0].run.with_overrides(years=years or None, warmup_days=warmup_days,
                                           replications=replications or None, seed=seed)
    check_run_size(items, max_replications if precision is not None else settings.replications,
                   settings.years, settings.warmup_days)  # the limits of docs/limits.md
    report = None
    with make_executor(workers, scheduler) as executor:
        if precision is not None:
            tables, report = run_to_precision(
                items, precision, settings.seed, settings.years, settings.warmup_days,
                start=replications or 5, cap=max_replications, executor=executor,
                progress=progress)
        else:
            tasks = make_tasks(items, settings.replications, settings.seed, settings.years,
                               settings.warmup_days)
            if stream_salt:
                tasks = [replace(t, stream_salt=stream_salt) for t in tasks]
            tables = run_tasks(tasks, executor, progress=progress)
    return RunResults(tables.kpis, tables.waits, summarise(tables.kpis), report)


def compare(results: RunResults | pd.DataFrame, baseline: str,
            level: float = 0.95) -> pd.DataFrame:
    """Paired differences of every other scenario against `baseline`, per KPI, with CIs."""
    kpis = results.kpis if isinstance(results, RunResults) else results
    return paired_differences(kpis, baseline, level)


def sweep_report(file: str | Path, out: str | Path, workers: int = 1,
                 scheduler: str | Any | None = None, resume: bool = False,
                 progress: Progress | None = None) -> SweepReport:
    """Like `specsim sweep`; `scheduler` is a Dask address or a `distributed.Client`."""
    spec = load_sweep(file)
    with make_executor(workers, scheduler) as executor:
        return run_sweep(spec, Path(out), executor, resume=resume, progress=progress)


def sweep(file: str | Path, out: str | Path, workers: int = 1,
          scheduler: str | Any | None = None, resume: bool = False,
          progress: Progress | None = None) -> pd.DataFrame:
    """The combined tidy sweep table (point, parameters, scenario, replication, KPI, value)."""
    table = sweep_report(file, out, workers, scheduler, resume, progress).table
    return table if table is not None else pd.DataFrame()


def warmup(scenario: Scenario | str, replications: int = 5, years: float | None = None,
           seed: int | None = None, workers: int = 1, window: int = 5,
           scheduler: str | Any | None = None) -> WarmupAnalysis:
    """Weekly series from t=0, Welch averages and the MSER-5 suggested warm-up.

    `years` defaults to the scenario's warm-up plus run years."""
    item = _scenarios(scenario)[0]
    settings = item.run.with_overrides(seed=seed)
    with make_executor(workers, scheduler) as executor:
        return warmup_analysis(item, replications, settings.seed,
                               years or default_years(settings), executor, window)
