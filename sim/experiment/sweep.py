"""Run a sweep: every (design point, scenario, replication), one atomic file each, resumable.

Replication r of every point and scenario uses the sweep seed and index r, so points and
scenarios are compared under common random numbers. A finished run is a file in `DIR/runs/`,
written atomically by this process; a failed run leaves `DIR/runs/<run>.error.json` with its
parameters and traceback. Resuming skips every run with a file, so nothing runs twice; a failed
run is tried again. The combined table is rebuilt from the run files in design order, so it is
the same whatever the executor, the number of workers or how often the sweep was interrupted.
The folder is locked while the sweep runs and marked `INCOMPLETE` until the combined table is
committed (`outputs.py`), so an interrupted sweep is never mistaken for a finished one.
"""

from __future__ import annotations

import json
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.config import config_hash
from sim.config.sweep import Sweep
from sim.experiment.executors import Executor, LocalExecutor
from sim.experiment.outputs import OutputFolder, output_folder, read_table
from sim.experiment.runner import Progress, RunTask, run_metadata, run_task
from sim.experiment.store import parquet_bytes, write_atomic, write_json, write_table


class SweepStateError(Exception):
    """The output folder holds a different sweep, or a sweep without --resume."""


@dataclass(frozen=True)
class SweepRun:
    """One (point, scenario, replication) of a sweep."""

    point: int
    task: RunTask
    values: dict

    @property
    def stem(self) -> str:
        return f"{self.point}-{self.task.scenario.name}-{self.task.replication}"


@dataclass
class SweepReport:
    """What a sweep did: runs in total, skipped (already on disk), run now, failed."""

    out: Path
    total: int
    skipped: int
    ran: int
    failed: list[Path]
    wall_seconds: float
    table: pd.DataFrame | None


def plan(sweep: Sweep) -> list[SweepRun]:
    """Every run of the sweep, in design order: point, then scenario, then replication."""
    spec = sweep.spec
    return [
        SweepRun(point.index,
                 RunTask(sweep.configs[(point.index, s.name)], r, spec.seed, sweep.years,
                         sweep.warmup_days),
                 point.values)
        for point in sweep.points for s in sweep.scenarios for r in range(spec.replications)
    ]


def execute(run: SweepRun) -> tuple[bytes | None, str | None]:
    """Run one sweep run (in a worker): Parquet bytes of its KPI table, or the traceback."""
    try:
        table = run_task(run.task).kpis
    except Exception:  # a failed run is data, not the end of the sweep
        return None, traceback.format_exc()
    return parquet_bytes(table), None


def _fingerprint(sweep: Sweep) -> dict:
    """What must match for --resume to continue a sweep in the same folder."""
    return {
        "spec": sweep.spec.model_dump(mode="json"),
        "config_hashes": {f"{p}-{s}": config_hash(c) for (p, s), c in sweep.configs.items()},
        "years": sweep.years,
        "warmup_days": sweep.warmup_days,
    }


def _check_folder(sweep: Sweep, out: Path, resume: bool) -> None:
    state = out / "sweep.json"
    runs = out / "runs"
    has_runs = runs.exists() and any(runs.glob("*.parquet"))
    if not resume:
        if state.exists() or has_runs:
            raise SweepStateError(f"{out} already holds a sweep; rerun with --resume to finish "
                                  f"it, or choose another --out")
        return
    if state.exists():
        stored = json.loads(state.read_text()).get("fingerprint")
        if stored != _fingerprint(sweep):
            raise SweepStateError(f"{state} was written by a different sweep (file, scenarios or "
                                  f"settings changed); --resume needs the same sweep")


def run_sweep(sweep: Sweep, out: Path | OutputFolder, executor: Executor | None = None,
              resume: bool = False, progress: Progress | None = None) -> SweepReport:
    """Run every missing run of `sweep` into `out` and write the combined table. `out` is a
    folder (locked here) or an OutputFolder the caller has already opened and locked."""
    with output_folder(out, "sweep") as folder:
        return _run_sweep(sweep, folder, executor or LocalExecutor(1), resume, progress)


def _run_sweep(sweep: Sweep, folder: OutputFolder, executor: Executor, resume: bool,
               progress: Progress | None) -> SweepReport:
    out = folder.path
    _check_folder(sweep, out, resume)
    folder.mark_incomplete()
    runs_dir = out / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    all_runs = plan(sweep)
    meta = run_metadata(sweep.scenarios, sweep.spec.replications, sweep.spec.seed, sweep.years,
                        sweep.warmup_days, 0.0, executor.workers)
    meta.update({"sweep_file": sweep.file, "sweep": sweep.spec.model_dump(mode="json"),
                 "fingerprint": _fingerprint(sweep),
                 "points": [{"point": p.index, "values": p.values, "oat_parameter":
                             p.oat_parameter, "oat_level": p.oat_level} for p in sweep.points]})
    write_json(out / "sweep.json", meta)  # what --resume checks; committed again at the end

    todo = [r for r in all_runs if not (runs_dir / f"{r.stem}.parquet").exists()]
    skipped = len(all_runs) - len(todo)
    start = time.perf_counter()
    done = skipped
    if progress:
        progress(done, len(all_runs))
    for k, (data, error) in executor.map_unordered(execute, todo):
        run = todo[k]
        err_path = runs_dir / f"{run.stem}.error.json"
        if data is not None:
            write_atomic(runs_dir / f"{run.stem}.parquet", data)
            err_path.unlink(missing_ok=True)
        else:
            write_json(err_path, {"point": run.point, "scenario": run.task.scenario.name,
                                  "replication": run.task.replication, "values": run.values,
                                  "seed": run.task.seed, "error": error})
        done += 1
        if progress:
            progress(done, len(all_runs))
    wall = time.perf_counter() - start
    failed = sorted(runs_dir.glob("*.error.json"))
    table = combine(sweep, out)
    if len(table):
        write_table(folder.staging, "sweep", table)
    meta["wall_seconds"] = round(wall, 3)
    meta["failed_runs"] = [p.name for p in failed]
    write_json(folder.staging / "sweep.json", meta)
    folder.commit("sweep", {"sweep": sweep.spec.name, "failed_runs": len(failed)})
    return SweepReport(out, len(all_runs), skipped, len(todo), failed, wall, table)


def combine(sweep: Sweep, out: Path) -> pd.DataFrame:
    """The tidy table of every finished run in `out/runs`, in design order."""
    runs_dir = Path(out) / "runs"
    paths = sweep.parameter_paths
    oat = sweep.spec.design.kind == "oat"
    frames = []
    for run in plan(sweep):
        file = runs_dir / f"{run.stem}.parquet"
        if not file.exists():
            continue
        table = read_table(file)  # scenario, replication, scope, key, kpi, value
        head: dict = {"point": run.point}
        if oat:
            point = sweep.points[run.point]
            head |= {"oat_parameter": point.oat_parameter or "", "oat_level": point.oat_level}
        for p in paths:
            head[p] = run.values.get(p, float("nan"))
        for n, (name, value) in enumerate(head.items()):
            table.insert(n, name, value)
        frames.append(table)
    if not frames:
        return pd.DataFrame()
    combined = pd.concat(frames, ignore_index=True)
    combined["point"] = combined["point"].astype(int)
    return combined
