"""The performance harness on trivial sizes, so that it cannot rot unnoticed."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

HARNESS = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("specsim_benchmarks", HARNESS)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_references_serve_every_customer(bench):
    simpy_ref = bench.bare_simpy_mmc(500)
    assert simpy_ref.customers == 500  # env.run() to exhaustion: every customer finishes
    ciw_ref = bench.ciw_mmc(500)
    assert 350 < ciw_ref.customers < 650  # Poisson count around rate * time = 500
    assert simpy_ref.us_per_customer > 0 and ciw_ref.us_per_customer > 0


def test_waiting_list_benchmarks_keep_the_list_length(bench):
    tu = bench.treatment_unit_queue(100, 200)
    pr = bench.priority_resource_queue(100, 20)
    assert (tu.completions, tu.waiting, pr.completions) == (200, 100, 20)
    assert tu.us_per_completion > 0 and pr.us_per_completion > 0


def test_model_run_counts_patients_and_events(bench):
    row = bench.model_run("england", years=0.01, warmup_days=5.0)
    # the specialised patients include the England waiting lists at t = 0 (the backlog)
    assert row["patients"] > row["specialised"] > row["backlog"] > 0
    assert row["referrals"] == row["patients"] - row["backlog"]
    # a treatment end for most specialised referrals, and a slot promise or a hand-over wait
    # for some (the access decisions are arrivals, not events)
    assert row["events"] > row["specialised"] - row["backlog"]
    assert row["simulated_days"] == pytest.approx(5.0 + 3.65)


def test_demand_scaling_scales_referrals(bench):
    one = bench.model_run("england", years=0.01, warmup_days=5.0, scale=1.0)
    two = bench.model_run("england", years=0.01, warmup_days=5.0, scale=2.0)
    assert 1.8 < two["referrals"] / one["referrals"] < 2.2


@pytest.mark.slow
def test_quick_harness_end_to_end(bench, tmp_path, capsys):
    out = tmp_path / "results.json"
    assert bench.main(["--quick", "--out", str(out)]) == 0
    res = json.loads(out.read_text())
    assert [row["scale"] for row in res["scaling"]] == [1.0, 2.0]
    paired = res["scaling_paired"]  # 2x against the 1x run just before it, twice
    assert paired["scale"] == 2.0 and len(paired["ratios"]) == 2
    assert paired["median"] == pytest.approx(sum(paired["ratios"]) / 2)
    assert all(row["repeats"] == 2 for row in res["scaling"])
    assert all(row["peak_rss_mb"] > 10 for row in res["scenarios"] + res["scaling"])
    # each model run's own bare SimPy reference, measured in its process
    assert all(row["simpy_us_adjacent"] > 0 and row["ratio_to_simpy_adjacent"] > 0
               for row in res["scenarios"] + res["scaling"] + [res["features"]])
    assert res["sweep"]["speedup"] > 0
    assert "x bare SimPy" in capsys.readouterr().out
