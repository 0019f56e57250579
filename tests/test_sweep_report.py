"""The sweep report leads with a results table (headline KPIs, mean [95% CI] per point and
scenario) and carries no raw JSON dump."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.stats import kpi_interval
from sim.model.kpi_catalogue import format_interval
from sim.presentation.cli import main
from sim.presentation.sweep_report import results_table

HERE = Path(__file__).resolve().parent


def test_results_table_matches_a_hand_calculation():
    rows = [(p, g, s, r, "overall", "all", kpi, 10 * p + r + (kpi == "cost_total_gbp") * 1e6)
            for p, g in enumerate((0.0, 0.05)) for s in ("a", "b") for r in range(3)
            for kpi in ("wait_mean_days", "cost_total_gbp")]
    rows.append((0, 0.0, "a", 0, "ics", "E1", "wait_mean_days", 999.0))  # not overall
    sweep = pd.DataFrame(rows, columns=["point", "services.x.annual_growth", "scenario",
                                        "replication", "scope", "key", "kpi", "value"])
    table = results_table(sweep)
    assert len(table) == 4 and list(table.columns[:4]) == [
        "point", "services.x.annual_growth", "scenario", "replications"]
    wait = next(c for c in table.columns if c.startswith("Mean wait"))
    expected = format_interval("wait_mean_days",
                               *kpi_interval("wait_mean_days", np.array([10.0, 11.0, 12.0])))
    assert table.loc[(table.point == 1) & (table.scenario == "b"), wait].item() == expected
    assert table.replications.eq(3).all()


def test_sweep_report_has_results_and_no_json_dump(tmp_path, capsys):
    for name in ("tiny.yaml", "tiny_sweep.yaml"):
        shutil.copy(HERE / name, tmp_path / name)
    out = tmp_path / "out"
    assert main(["sweep", str(tmp_path / "tiny_sweep.yaml"), "--workers", "1",
                 "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    text = (out / "report.html").read_text()
    results = text[text.index("id='results'"):text.index("id='figures'")]
    assert results.count("<tr") == 1 + 4  # header + 2 x 2 grid points, one scenario
    assert "[" in results and "Mean wait" in results
    assert "\"config\"" not in text and "<pre>" not in text
    assert len(text) < 2_000_000 and "What was swept" in text
