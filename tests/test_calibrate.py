"""`specsim calibrate`: a capacity scale is recovered from targets the model itself produced,
and bad target files are refused with the row and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario_helpers import textbook

from sim.analysis.calibrate import calibrate
from sim.config import ConfigError
from sim.config.schema import Scenario
from sim.config.sweep import apply
from sim.config.targets import Target, load_targets
from sim.experiment.executors import LocalExecutor
from sim.experiment.runner import make_tasks, run_tasks

REPLICATIONS, YEARS, WARMUP = 3, 0.5, 0.0


def _scenario() -> Scenario:
    """50 slots, 45 referrals a day, a list of 2,000 draining at about 5 a day."""
    data = textbook(arrival_per_day=45.0, mean_days=1.0, slots=50)
    data["services"]["svc"]["initial_waiting_list"] = {
        "size": 2000, "median_weeks": 6.0, "p92_weeks": 20.0}
    return Scenario.model_validate(data)


def test_calibrate_recovers_a_known_capacity_scale():
    base = _scenario()
    truth = apply(base, {"services.svc.capacity_scale": 0.96})  # 48 slots
    kpis = run_tasks(make_tasks([truth], REPLICATIONS, base.run.seed, YEARS, WARMUP)).kpis
    observed = kpis[(kpis.scope == "service") & (kpis.kpi == "waiting_list_end")].value.mean()
    target = Target("waiting_list_end", "service", "svc", float(observed), 50.0, "patients",
                    "synthetic: the model at capacity_scale 0.96")
    result = calibrate(base, [target], REPLICATIONS, YEARS, WARMUP, LocalExecutor(1))
    (fit,) = result.fits
    assert fit.note == "fitted"
    assert round(50 * fit.scale) == 48  # the same slots as the truth: scale in [0.95, 0.97)
    row = result.table.iloc[0]
    assert row.ci_low <= observed <= row.ci_high and row.within_tolerance
    assert abs(row.miss) < 1e-9  # common random numbers: the same slots give the same list


def test_bad_targets_are_refused_with_row_and_column(tmp_path: Path):
    path = tmp_path / "targets.csv"
    path.write_text("kpi,scope,key,observed,tolerance,unit,source\n"
                    "waiting_list_end,service,svc,lots,10,patients,x\n"
                    "waiting_list_end,region,svc,5,0,patients,x\n")
    with pytest.raises(ConfigError) as error:
        load_targets(path)
    text = str(error.value)
    assert "row 2.observed" in text and "'lots'" in text
    assert "row 3.scope" in text and "row 3.tolerance" in text
    path.write_text("kpi,observed\nx,1\n")
    with pytest.raises(ConfigError, match="missing column"):
        load_targets(path)
