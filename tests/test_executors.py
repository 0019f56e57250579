"""Runs give bit-for-bit the same tables on 1 worker, 2 workers and a Dask cluster, whether
they come from a sweep, `run_tasks` or `specsim run --scheduler`."""

from __future__ import annotations

import pandas as pd
import pytest
from sweep_helpers import TINY, write_sweep

from sim.config import load_scenario
from sim.config.sweep import load_sweep
from sim.experiment.executors import DaskExecutor, Executor, LocalExecutor, make_executor
from sim.experiment.runner import make_tasks, run_tasks
from sim.experiment.sweep import run_sweep
from sim.presentation.cli import main

BODY = """name: t
scenarios: [tiny.yaml]
parameters:
  services.cardiac.annual_growth: {low: 0.0, high: 0.1}
  services.cardiac.units.1.slots: {low: 6, high: 12}
design: {kind: lhs, n: 3, seed: 1}
replications: 2
seed: 9
years: 0.4
warmup_days: 20
"""


@pytest.mark.slow
def test_one_two_workers_and_dask_give_identical_tables(tmp_path):
    sweep = load_sweep(write_sweep(tmp_path, BODY))
    one = run_sweep(sweep, tmp_path / "one", LocalExecutor(1)).table
    two = run_sweep(sweep, tmp_path / "two", LocalExecutor(2)).table
    tasks = make_tasks([load_scenario(TINY)], 3, 9, 0.3, 20.0)
    plain = run_tasks(tasks)
    run_options = ["run", str(TINY), "--replications", "2", "--years", "0.2"]
    assert main([*run_options, "--workers", "1", "--out", str(tmp_path / "run1")]) == 0
    import distributed  # a test dependency: a missing install must fail, not skip
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        dask = run_sweep(sweep, tmp_path / "dask", DaskExecutor(client)).table
        on_dask = run_tasks(tasks, DaskExecutor(client))
        assert main([*run_options, "--scheduler", cluster.scheduler_address,
                     "--out", str(tmp_path / "run_dask")]) == 0
    pd.testing.assert_frame_equal(plain.kpis, on_dask.kpis, check_exact=True)
    pd.testing.assert_frame_equal(plain.waits, on_dask.waits, check_exact=True)
    for name in ("kpis.csv", "waits.csv", "timeseries.csv", "units.csv", "summary.csv"):
        assert (tmp_path / "run1" / name).read_bytes() == \
            (tmp_path / "run_dask" / name).read_bytes()
    per_run = len(plain.kpis) // len(tasks)  # every run reports the same rows
    assert one is not None and len(one) == 3 * 2 * per_run
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    pd.testing.assert_frame_equal(one, dask, check_exact=True)
    for name in ("two", "dask"):
        assert (tmp_path / name / "sweep.csv").read_bytes() == \
            (tmp_path / "one" / "sweep.csv").read_bytes()


class _StubClient:
    """Enough of `distributed.Client` for DaskExecutor's bookkeeping, without a cluster."""

    closed = False

    def nthreads(self) -> dict[str, int]:
        return {"a": 2, "b": 1}

    def close(self) -> None:
        self.closed = True


def test_executors_are_context_managers_that_release_only_what_they_own():
    with LocalExecutor(3) as local:
        assert isinstance(local, Executor) and local.workers == 3
    local.close()  # closing twice is harmless
    client = _StubClient()
    with DaskExecutor(client) as dask:
        assert dask.workers == 3
    assert not client.closed  # a client passed in belongs to the caller
    assert isinstance(make_executor(2), LocalExecutor)


def test_run_tasks_gives_the_same_tables_on_any_worker_count():
    tasks = make_tasks([load_scenario(TINY)], 4, 3, 0.2, 10.0)
    seen: list[tuple[int, int]] = []
    one = run_tasks(tasks, LocalExecutor(1))
    two = run_tasks(tasks, LocalExecutor(2), progress=lambda done, total: seen.append((done,
                                                                                        total)))
    assert seen == [(k, 4) for k in range(1, 5)]
    assert list(one.kpis.replication.unique()) == [0, 1, 2, 3]
    pd.testing.assert_frame_equal(one.kpis, two.kpis, check_exact=True)
    pd.testing.assert_frame_equal(one.waits, two.waits, check_exact=True)


def test_unreachable_scheduler_is_one_line_and_exit_2(monkeypatch, capsys, tmp_path):
    from sim.presentation import commands

    def refuse(workers, scheduler):
        raise OSError(f"Timed out trying to connect to {scheduler} after 20 s")

    monkeypatch.setattr(commands, "make_executor", refuse)
    for command in ("run", "compare", "warmup"):
        assert main([command, str(TINY), "--scheduler", "tcp://nowhere:8786",
                     "--out", str(tmp_path / command)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "--scheduler tcp://nowhere:8786: Timed out" in err[0]
        assert not (tmp_path / command).exists()
