"""Warm-up: MSER-5 finds a known transient; Welch smooths; the CLI writes figure and numbers."""

from __future__ import annotations

import json
import math

import numpy as np
from sweep_helpers import TINY

from sim import api
from sim.analysis.warmup import mser, weekly_series, welch
from sim.model.simulation import simulate
from sim.presentation.cli import main
from sim.presentation.cli_experiments import warmup_advice


def test_mser5_finds_an_initial_transient():
    rng = np.random.default_rng(0)
    transient = np.linspace(0.0, 10.0, 60)
    series = np.concatenate([transient, 10.0 + rng.normal(0, 1, 240)])
    cut = mser(series, 5)
    assert cut % 5 == 0 and 45 <= cut <= 75
    assert mser(10.0 + rng.normal(0, 1, 300), 5) < 60  # stationary: little or nothing to cut
    assert mser(np.arange(10.0), 5) == 0  # too short to judge


def test_welch_is_a_centred_moving_average():
    x = np.arange(20.0)
    smooth = welch(x, 3)
    np.testing.assert_allclose(smooth, x)  # linear series: centred averages are exact
    assert np.allclose(welch(np.full(10, 4.0), 5), 4.0)


def test_weekly_series_counts_a_queue_building_from_empty():
    scenario = api.load_scenario(TINY)
    res = simulate(scenario, 0, seed=1, years=0.5, warmup_days=0)
    weekly = weekly_series(res)
    assert len(weekly) == int(res.horizon // 7)
    assert (weekly.waiting >= 0).all()
    # prefill is off: nobody waits at first; later a steady queue of several patients
    assert weekly.waiting.iloc[0] < weekly.waiting.iloc[5:].mean()


def test_cli_warmup_writes_figure_and_suggestion(tmp_path, capsys):
    code = main(["warmup", str(TINY), "--replications", "2", "--years", "0.5",
                 "--workers", "1", "--out", str(tmp_path)])
    assert code == 0
    saved = json.loads((tmp_path / "warmup.json").read_text())
    assert saved["suggested_warmup_days"] == 7 * max(saved["suggested_weeks"].values())
    assert (tmp_path / "warmup.png").stat().st_size > 10_000
    out = capsys.readouterr().out
    assert "suggested warm-up" in out
    if saved["suggested_warmup_days"] > saved["configured_warmup_days"]:
        days = math.ceil(saved["suggested_warmup_days"])
        assert f"--warmup-days {days}" in out and f"run.warmup_days: {days} in {TINY}" in out
    else:
        assert "nothing to change" in out


def test_warmup_advice_names_the_option_and_the_key():
    advice = warmup_advice(489.3, 365, "centralised")
    assert "--warmup-days 490" in advice and "run.warmup_days: 490" in advice
    assert "specsim init NAME --from centralised" in advice
    assert "in mine.yaml" in warmup_advice(70, 60, "mine.yaml")
    assert "nothing to change" in warmup_advice(49, 60, "mine.yaml")


def test_api_warmup_defaults_to_the_warmup_plus_run_years():
    s = api.load_scenario(TINY)
    years = s.run.years + s.run.warmup_days / 365.0
    warm = api.warmup(s, replications=2, workers=2)
    assert warm.series.week.max() == int(years * 365.0 // 7) - 1
