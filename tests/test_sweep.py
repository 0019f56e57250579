"""Sweep runs: the contract's table, failures recorded, resume after kill -9 loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from sweep_helpers import write_sweep

from sim import api
from sim.config.sweep import load_sweep
from sim.experiment import sweep as sweep_module
from sim.experiment.executors import LocalExecutor
from sim.experiment.sweep import SweepStateError, run_sweep

ROOT = Path(__file__).resolve().parents[1]
BODY = """name: t
scenarios: [tiny.yaml]
parameters:
  services.cardiac.annual_growth: {values: [0.0, 0.05]}
  commissioning.national.w_wait: {values: [1.0, 4.0]}
design: {kind: grid}
replications: 2
seed: 5
years: 0.3
warmup_days: 10
"""


def test_table_follows_the_contract_and_replications_share_streams(tmp_path):
    table = api.sweep(write_sweep(tmp_path, BODY), tmp_path / "out")
    assert list(table.columns) == ["point", "services.cardiac.annual_growth",
                                   "commissioning.national.w_wait", "scenario", "replication",
                                   "scope", "key", "kpi", "value"]
    assert sorted(set(table.point)) == [0, 1, 2, 3]
    assert len(list((tmp_path / "out" / "runs").glob("*.parquet"))) == 8
    for name in ("sweep.parquet", "sweep.csv", "sweep.json"):
        assert (tmp_path / "out" / name).exists()
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "sweep.parquet"), table)
    referrals = table[(table.scope == "overall") & (table.kpi == "referrals")]
    # routing weight does not change who is referred: points 0 and 1 see the same patients
    same = referrals[referrals.point.isin([0, 1])].pivot(index="replication", columns="point",
                                                          values="value")
    assert (same[0] == same[1]).all()
    grown = referrals[referrals.point == 2].value.to_numpy()
    assert (grown >= referrals[referrals.point == 0].value.to_numpy()).all()


def test_failed_run_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    real = sweep_module.run_task

    def flaky(task):
        if task.replication == 1 and task.scenario.commissioning.national.w_wait == 4.0:
            raise RuntimeError("boom in the model")
        return real(task)

    monkeypatch.setattr(sweep_module, "run_task", flaky)
    sweep = load_sweep(write_sweep(tmp_path, BODY))
    report = run_sweep(sweep, tmp_path / "out", LocalExecutor(1))
    assert [p.name for p in report.failed] == ["1-tiny-1.error.json", "3-tiny-1.error.json"]
    assert report.ran == 8 and report.table is not None
    assert len(report.table.groupby(["point", "replication"])) == 6
    error = (report.failed[0]).read_text()
    assert "boom in the model" in error and '"commissioning.national.w_wait": 4.0' in error
    # resuming retries only the failed runs; once they succeed the error files go
    monkeypatch.setattr(sweep_module, "run_task", real)
    again = run_sweep(sweep, tmp_path / "out", LocalExecutor(1), resume=True)
    assert (again.skipped, again.ran, again.failed) == (6, 2, [])


def test_refuses_to_mix_sweeps_in_one_folder(tmp_path):
    sweep = load_sweep(write_sweep(tmp_path, BODY))
    run_sweep(sweep, tmp_path / "out")
    with pytest.raises(SweepStateError, match="--resume"):
        run_sweep(sweep, tmp_path / "out")
    other = load_sweep(write_sweep(tmp_path, BODY.replace("seed: 5", "seed: 6")))
    with pytest.raises(SweepStateError, match="different sweep"):
        run_sweep(other, tmp_path / "out", resume=True)


@pytest.mark.slow
def test_resume_after_kill_9_equals_an_uninterrupted_sweep(tmp_path):
    body = BODY.replace("{values: [0.0, 0.05]}", "{values: [0.0, 0.02, 0.05, 0.08]}") \
               .replace("replications: 2", "replications: 4").replace("years: 0.3", "years: 0.6")
    path = write_sweep(tmp_path, body)
    reference = api.sweep(path, tmp_path / "reference")
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim.presentation.cli", "sweep", str(path), "--out", str(out),
           "--workers", "1"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if len(list((out / "runs").glob("*.parquet"))) >= 5 or proc.poll() is not None:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = {p.name: p.stat().st_mtime_ns for p in (out / "runs").glob("*.parquet")}
    assert 5 <= len(before) < 32, "the sweep should be killed part-way"
    assert not (out / "sweep.parquet").exists()
    done = subprocess.run([*cmd, "--resume"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"{len(before)} already done, {32 - len(before)} run now" in done.stdout
    after = {p.name: p.stat().st_mtime_ns for p in (out / "runs").glob("*.parquet")}
    assert len(after) == 32
    assert all(after[name] == mtime for name, mtime in before.items())  # nothing ran twice
    resumed = pd.read_parquet(out / "sweep.parquet")
    assert not resumed.duplicated(["point", "scenario", "replication", "scope", "key",
                                   "kpi"]).any()
    pd.testing.assert_frame_equal(resumed, reference, check_exact=True)
    assert (out / "sweep.csv").read_bytes() == (tmp_path / "reference" / "sweep.csv").read_bytes()


def test_oat_table_has_parameter_and_level_columns(tmp_path):
    body = BODY.replace("{values: [0.0, 0.05]}", "{low: 0.0, high: 0.05}") \
               .replace("{values: [1.0, 4.0]}", "{low: 1.0, high: 4.0}") \
               .replace("kind: grid", "kind: oat").replace("replications: 2", "replications: 1") \
               .replace("years: 0.3", "years: 0.1")
    table = api.sweep(write_sweep(tmp_path, body), tmp_path / "out")
    assert list(table.columns[:5]) == ["point", "oat_parameter", "oat_level",
                                       "services.cardiac.annual_growth",
                                       "commissioning.national.w_wait"]
    first = table.groupby("point").first()
    assert list(first.oat_level) == ["base", "low", "high", "low", "high"]
    assert first.loc[2, "services.cardiac.annual_growth"] == 0.05
    assert pd.isna(first.loc[2, "commissioning.national.w_wait"])  # not moved: scenario's own
