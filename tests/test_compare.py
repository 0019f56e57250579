"""The comparison table: numbers, CIs, the significance mark, and a scenario against itself."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from report_small import compare_folder, write_scenarios

from sim.analysis.tables import REPORT_KPIS, comparison_table, to_markdown, wide_table
from sim.config import load_scenario
from sim.experiment.runner import make_tasks, run_tasks
from sim.presentation.cli import main


def _kpis(values: dict[str, list[float]], kpi: str = "wait_mean_days") -> pd.DataFrame:
    rows = [(s, r, "overall", "all", kpi, v) for s, vs in values.items()
            for r, v in enumerate(vs)]
    return pd.DataFrame(rows, columns=["scenario", "replication", "scope", "key", "kpi", "value"])


def test_table_numbers_and_mark() -> None:
    kpis = _kpis({"base": [10.0, 12.0, 14.0], "alt": [15.0, 16.0, 20.0]})
    table = comparison_table(kpis, "base").set_index("scenario")
    assert table.loc["base", "mean"] == pytest.approx(12.0)
    # t(0.975, 2) = 4.3027; sd = 2; half-width = 4.3027 * 2 / sqrt(3)
    assert table.loc["base", "ci_high"] - 12.0 == pytest.approx(4.3027 * 2 / math.sqrt(3),
                                                                rel=1e-4)
    # paired differences 5, 4, 6: mean 5, sd 1
    assert table.loc["alt", "diff_mean"] == pytest.approx(5.0)
    assert table.loc["alt", "diff_low"] == pytest.approx(5.0 - 4.3027 / math.sqrt(3), rel=1e-4)
    assert bool(table.loc["alt", "significant"])
    assert table.loc["alt", "difference"].endswith("*")
    assert table.loc["base", "difference"] == "baseline"
    assert table.loc["alt", "estimate"] == "17 [10.4, 23.6]"


def test_mark_absent_when_ci_includes_zero() -> None:
    kpis = _kpis({"base": [10.0, 12.0, 14.0], "alt": [11.0, 11.0, 15.0]})
    row = comparison_table(kpis, "base").set_index("scenario").loc["alt"]
    assert not row.significant and "*" not in row.difference


def test_kpis_in_spec_order_and_markdown() -> None:
    kpis = pd.concat([_kpis({"a": [1.0, 2.0], "b": [2.0, 3.0]}, kpi)
                      for kpi in ("cost_total_gbp", "treated", "wait_p92_days")])
    table = comparison_table(kpis, "a")
    assert list(dict.fromkeys(table.kpi)) == [k for k in REPORT_KPIS
                                              if k in {"cost_total_gbp", "treated",
                                                       "wait_p92_days"}]
    markdown = to_markdown(table, "a")
    assert "| KPI | measure | a | b | b − a |" in markdown
    assert "| wait_p92_days | 92nd percentile wait (days) |" in markdown
    assert "| cost_total_gbp | Total cost | £" in markdown  # cells carry the £ and its k/m
    assert "£0.00m" not in markdown  # small money is shown in pounds, not as £0.00m
    assert len(wide_table(table, "a")) == 3


def test_unknown_baseline_is_an_error() -> None:
    with pytest.raises(ValueError, match="baseline 'nope'"):
        comparison_table(_kpis({"a": [1.0, 2.0]}), "nope")


def test_scenario_against_itself_shows_zero_difference(tmp_path) -> None:
    paths = write_scenarios(tmp_path)
    scenarios = [load_scenario(paths["small_national"]), load_scenario(paths["small_twin"])]
    kpis = run_tasks(make_tasks(scenarios, 2, 11, 0.2, 10.0)).kpis
    table = comparison_table(kpis, "small_national")
    twin = table[table.scenario == "small_twin"]
    assert len(twin) >= 25
    finite = twin[np.isfinite(twin["mean"].astype(float))]
    assert (finite.diff_mean == 0).all() and (finite.diff_low == 0).all()
    assert (finite.diff_high == 0).all() and not twin.significant.any()


def test_cli_report_matches_self_comparison() -> None:
    table = pd.read_csv(compare_folder() / "comparison.csv")
    twin = table[(table.scenario == "small_twin") & table["mean"].notna()]
    assert twin.kpi.nunique() >= 25
    assert (twin.diff_mean == 0).all()
    ics = table[(table.scenario == "small_ics") & (table.kpi == "boundary_crossings_per_patient")]
    assert ics.diff_mean.iloc[0] < 0 and ics.significant.iloc[0]  # delegation removes hand-overs


def test_cli_rejects_unknown_baseline(tmp_path, capsys) -> None:
    paths = write_scenarios(tmp_path)
    status = main(["compare", str(paths["small_national"]), "--baseline", "nope",
                   "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1
    assert "'nope'" in err[0] and "small_national" in err[0]
    assert not (tmp_path / "o").exists()


def test_cli_from_folder_without_results(tmp_path, capsys) -> None:
    assert main(["compare", "--from", str(tmp_path)]) == 2
    assert "missing kpis.parquet" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "nowhere")]) == 2


def test_compare_runs_exactly_what_run_runs(tmp_path) -> None:
    """`compare` calls the same typed `run_scenarios` as `run`: same tables, plus a baseline."""
    paths = write_scenarios(tmp_path)
    files = [str(paths[name]) for name in ("small_national", "small_ics", "small_twin")]
    assert main(["run", *files, "--replications", "2", "--workers", "1",
                 "--out", str(tmp_path / "run")]) == 0
    compared = compare_folder()
    for name in ("kpis.csv", "waits.csv", "summary.csv"):
        assert (tmp_path / "run" / name).read_bytes() == (compared / name).read_bytes()
    meta = json.loads((compared / "run.json").read_text())
    assert meta["baseline"] == "small_national" and meta["replications"] == 2
    assert "baseline" not in json.loads((tmp_path / "run" / "run.json").read_text())


def test_cli_rejects_scenarios_with_the_same_name(tmp_path, capsys) -> None:
    paths = write_scenarios(tmp_path)
    twice = [str(paths["small_national"])] * 2
    for command in ("run", "compare"):
        assert main([command, *twice, "--out", str(tmp_path / command)]) == 2
        assert "scenario names must differ" in capsys.readouterr().err
        assert not (tmp_path / command).exists()
