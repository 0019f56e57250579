"""Whole runs: determinism, invariants, output files, and the England default comparison."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scenario_helpers import SCENARIOS, textbook

from sim.analysis.compare import paired_differences
from sim.config import load_scenario
from sim.config.schema import Scenario
from sim.experiment.executors import LocalExecutor
from sim.experiment.runner import make_tasks, run_tasks
from sim.model.invariants import InvariantError, check_invariants
from sim.model.kpis import PATIENT_KPIS, replication_kpis
from sim.model.simulation import simulate
from sim.presentation.cli import main

SMALL = ["--years", "0.1", "--warmup-days", "30", "--replications", "2"]


def test_same_seed_same_kpis_whatever_the_worker_count(tmp_path, capsys):
    files = [str(SCENARIOS / "centralised.yaml"), str(SCENARIOS / "ics_delegation.yaml")]
    assert main(["run", *files, *SMALL, "--workers", "1", "--out", str(tmp_path / "a")]) == 0
    assert main(["run", *files, *SMALL, "--workers", "2", "--out", str(tmp_path / "b")]) == 0
    a = (tmp_path / "a" / "kpis.csv").read_bytes()
    assert a == (tmp_path / "b" / "kpis.csv").read_bytes()
    assert main(["run", *files, *SMALL, "--workers", "1", "--seed", "7",
                 "--out", str(tmp_path / "c")]) == 0
    assert a != (tmp_path / "c" / "kpis.csv").read_bytes()
    out = capsys.readouterr().out
    assert "wait_mean_days" in out and "ics_delegation" in out


def test_run_writes_tidy_tables_and_metadata(tmp_path):
    assert main(["run", str(SCENARIOS / "centralised.yaml"), *SMALL, "--workers", "1",
                 "--out", str(tmp_path)]) == 0
    kpis = pd.read_csv(tmp_path / "kpis.csv")
    assert list(kpis.columns) == ["scenario", "replication", "scope", "key", "kpi", "value"]
    assert set(kpis.scope) == {"overall", "service", "ics", "commissioner", "unit"}
    assert set(PATIENT_KPIS) <= set(kpis.kpi)
    assert len(kpis[(kpis.scope == "ics")].key.unique()) == 42
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "kpis.parquet"), kpis,
                                  check_exact=False, rtol=1e-9)
    meta = json.loads((tmp_path / "run.json").read_text())
    assert meta["seed"] == 20261122 and meta["replications"] == 2
    assert set(meta["scenarios"]["centralised"]) == {"config_hash", "config"}
    assert meta["versions"]["simpy"] and meta["wall_seconds"] > 0


def test_invariants_hold_and_a_broken_record_is_caught():
    scenario = Scenario.model_validate(textbook(pathway={"handover_delay_days": 2.0}))
    res = simulate(scenario, 0, years=0.5, warmup_days=20)
    table = replication_kpis(res)
    check_invariants(res, table)
    overall = table[table.scope == "overall"].set_index("kpi").value
    assert overall.referrals == (overall.treated + overall.waiting_at_end + overall.unmet_need
                                 + overall.managed_locally)
    treated = np.flatnonzero(res.records.status == 3)
    res.records.start[treated[0]] = res.patients.referral[treated[0]] - 1.0
    with pytest.raises(InvariantError, match="negative wait"):
        check_invariants(res, table)


@pytest.mark.slow
def test_ics_delegation_fragments_but_joins_up_care():
    """On the England default, delegation with localisation opens more units, treats more
    patients below minimum volume and has fewer boundary crossings (paired 95% CIs)."""
    scenarios = [load_scenario(SCENARIOS / f"{name}.yaml")
                 for name in ("centralised", "ics_delegation")]
    kpis = run_tasks(make_tasks(scenarios, 4, 11, 0.5, 120.0), LocalExecutor(2)).kpis
    diff = paired_differences(kpis, "centralised")
    overall = diff[(diff.scope == "overall")].set_index("kpi")
    assert overall.loc["units_active", "diff_low"] > 0
    assert overall.loc["pct_treated_below_min_volume", "diff_low"] > 0
    assert overall.loc["boundary_crossings_per_patient", "diff_high"] < 0
    assert overall.loc["referrals", "diff_mean"] == 0  # common random numbers: same patients


def test_bounded_kpis_get_bounded_intervals():
    from sim.analysis.stats import summarise, wilson_interval

    # Wilson interval, hand calculation for 0 of 5: (0, z^2/(n+z^2)) = (0, 0.4345)
    low, high = wilson_interval(0, 5)
    assert low == 0.0 and high == pytest.approx(1.959964**2 / (5 + 1.959964**2), rel=1e-5)
    kpis = pd.DataFrame({
        "scenario": "s", "replication": [0, 1, 2, 0, 1, 2], "scope": "overall", "key": "all",
        "kpi": ["p_overspend"] * 3 + ["pct_within_18_weeks"] * 3,
        "value": [1.0, 0.0, 1.0, 100.0, 99.0, 100.0],
    })
    summary = summarise(kpis).set_index("kpi")
    assert 0.0 <= summary.loc["p_overspend", "ci_low"] < summary.loc["p_overspend", "ci_high"] <= 1
    assert summary.loc["pct_within_18_weeks", "ci_high"] == 100.0


def test_result_files_are_readable_by_others(tmp_path):
    import os
    import stat

    from sim.experiment.store import write_json

    old = os.umask(0o022)
    try:
        write_json(tmp_path / "x.json", {"a": 1})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "x.json").stat().st_mode) & 0o044 == 0o044


def test_tables_are_written_atomically_without_changing_the_umask(tmp_path):
    import os
    import stat

    from sim.experiment.store import write_table

    old = os.umask(0o077)
    try:
        write_table(tmp_path, "t", pd.DataFrame({"a": [1.0, 2.5]}))
        assert os.umask(0o077) == 0o077  # writing (and importing store) left the umask alone
    finally:
        os.umask(old)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv", "t.parquet"]  # no temp files
    for name in ("t.csv", "t.parquet"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644
    assert pd.read_parquet(tmp_path / "t.parquet").a.tolist() == [1.0, 2.5]
