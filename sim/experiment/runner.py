"""Replications of scenarios, on a local process pool, with results independent of workers.

Replication r of every scenario draws from the same named streams (master seed, r, name), so
scenarios see the same patients (common random numbers). Tasks are independent; their tables
are put back in (scenario, replication) order, so the output does not depend on the number of
workers or the order in which they finish.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from importlib import metadata

import pandas as pd

from sim.config import Scenario, config_hash
from sim.model.invariants import check_invariants
from sim.model.kpis import replication_kpis, wait_quantiles
from sim.model.simulation import simulate

Progress = Callable[[int, int], None]


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
class RunOutput:
    """The tables of one or more runs: tidy KPIs and wait-distribution quantiles."""

    kpis: pd.DataFrame
    waits: pd.DataFrame


def run_task(task: RunTask) -> RunOutput:
    """Simulate one replication, check its invariants, and return its tables."""
    result = simulate(task.scenario, task.replication, seed=task.seed, years=task.years,
                      warmup_days=task.warmup_days, stream_salt=task.stream_salt)
    table = replication_kpis(result)
    check_invariants(result, table)
    waits = wait_quantiles(result)
    for frame in (table, waits):
        frame.insert(0, "replication", task.replication)
        frame.insert(0, "scenario", task.scenario.name)
    return RunOutput(table, waits)


def default_workers() -> int:
    return os.cpu_count() or 1


def run_tasks(tasks: Sequence[RunTask], workers: int = 1,
              progress: Progress | None = None) -> RunOutput:
    """Run tasks (in-process for one worker, else a process pool) and concatenate in order."""
    results: list[RunOutput | None] = [None] * len(tasks)
    done = 0
    if workers <= 1 or len(tasks) <= 1:
        for k, task in enumerate(tasks):
            results[k] = run_task(task)
            done += 1
            if progress:
                progress(done, len(tasks))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(run_task, task): k for k, task in enumerate(tasks)}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                done += 1
                if progress:
                    progress(done, len(tasks))
    return RunOutput(
        kpis=pd.concat([r.kpis for r in results if r is not None], ignore_index=True),
        waits=pd.concat([r.waits for r in results if r is not None], ignore_index=True),
    )


def make_tasks(scenarios: Sequence[Scenario], replications: int, seed: int, years: float,
               warmup_days: float) -> list[RunTask]:
    return [RunTask(s, r, seed, years, warmup_days)
            for s in scenarios for r in range(replications)]


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
