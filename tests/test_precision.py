"""`--precision`: stop as soon as the target is met, else at the cap, and say which."""

from __future__ import annotations

import pandas as pd
from sweep_helpers import TINY

from sim import api
from sim.analysis.precision import relative_half_widths, run_to_precision
from sim.experiment.runner import make_tasks, run_tasks
from sim.presentation.cli import main


def test_stops_when_target_met_and_equals_a_plain_run():
    s = api.load_scenario(TINY)
    out, report = run_to_precision([s], 0.04, seed=2, years=0.3, warmup_days=10, start=3,
                                   cap=40, headline=("referrals",))
    assert report.met and 3 < report.replications < 40
    assert report.widths.relative.max() <= 0.04
    # the first three replications alone did not meet the target
    first = out.kpis[out.kpis.replication < 3]
    assert relative_half_widths(first, 0.04, ("referrals",)).relative.max() > 0.04
    plain = run_tasks(make_tasks([s], report.replications, 2, 0.3, 10)).kpis
    pd.testing.assert_frame_equal(out.kpis, plain, check_exact=True)


def test_reports_cap_when_target_not_reached():
    s = api.load_scenario(TINY)
    _, report = run_to_precision([s], 0.001, seed=2, years=0.2, warmup_days=0, start=2, cap=4,
                                 headline=("wait_mean_days",))
    assert not report.met and report.replications == 4


def test_cli_precision_prints_what_was_reached(tmp_path, capsys):
    code = main(["run", str(TINY), "--precision", "0.5", "--max-replications", "6",
                 "--years", "0.2", "--workers", "1", "--out", str(tmp_path)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "precision 0.5:" in printed
    kpis = pd.read_csv(tmp_path / "kpis.csv")
    assert 2 <= kpis.replication.nunique() <= 6


def test_cli_rejects_precision_out_of_range(capsys):
    import pytest

    with pytest.raises(SystemExit) as info:
        main(["run", str(TINY), "--precision", "1.5"])
    assert info.value.code == 2
    assert "must be a fraction below 1" in capsys.readouterr().err


def test_zero_mean_kpis_met_only_without_spread():
    rows = [("s", r, "overall", "all", kpi, v) for r, (a, b, c) in
            enumerate([(0.0, 0.0, 10.0), (0.0, 1.0, 10.5), (0.0, -1.0, 9.5)])
            for kpi, v in (("flat", a), ("noisy", b), ("wait", c))]
    kpis = pd.DataFrame(rows, columns=["scenario", "replication", "scope", "key", "kpi", "value"])
    widths = relative_half_widths(kpis, 0.2, ("flat", "noisy", "wait")).set_index("kpi")
    assert widths.loc["flat", "relative"] == 0.0 and widths.loc["flat", "met"]
    assert widths.loc["noisy", "relative"] == float("inf") and not widths.loc["noisy", "met"]
    # t(2) = 4.303, sd 0.5, n 3: half-width 1.242, relative 0.1242
    assert abs(widths.loc["wait", "relative"] - 0.12421) < 1e-4 and widths.loc["wait", "met"]


def test_api_precision_on_two_workers_equals_a_plain_run():
    s = api.load_scenario(TINY)
    res = api.run(s, precision=0.3, max_replications=6, years=0.2, warmup_days=10, workers=2)
    assert isinstance(res, api.RunResults) and res.precision is not None
    plain = api.run(s, replications=res.precision.replications, years=0.2, warmup_days=10)
    pd.testing.assert_frame_equal(res.kpis, plain.kpis, check_exact=True)
    pd.testing.assert_frame_equal(res.summary, plain.summary, check_exact=True)
