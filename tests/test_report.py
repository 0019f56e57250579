"""The HTML report: self-contained, complete, and reproducible from stored results."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pandas as pd
from report_small import compare_folder

from sim.analysis.tables import REPORT_KPIS
from sim.experiment.outputs import seal
from sim.experiment.store import write_json, write_table
from sim.presentation.cli import main
from sim.presentation.figures import FIGURES
from sim.presentation.finance_figures import FINANCE_FIGURES
from sim.presentation.report import differing_inputs

SCENARIOS = ("small_national", "small_ics", "small_twin")


def test_report_has_every_kpi_scenario_and_figure() -> None:
    text = (compare_folder() / "report.html").read_text(encoding="utf-8")
    overall = pd.read_parquet(compare_folder() / "kpis.parquet").query("scope == 'overall'")
    for kpi in set(overall.kpi):
        assert kpi in REPORT_KPIS
        assert f"<td>{kpi}</td>" in text, kpi
    for name in SCENARIOS:
        assert text.count(name) >= 3, name
    assert text.count("data:image/png;base64,") == len(FIGURES) + len(FINANCE_FIGURES)
    assert not re.search(r"(src|href)=[\"']https?:", text)  # nothing fetched when opened
    meta = json.loads((compare_folder() / "run.json").read_text())
    assert f"seed {meta['seed']}" in text.lower() or f"Seed {meta['seed']}" in text
    assert "commissioning.default" in text  # the input that differs between scenarios
    assert "numpy" in text  # versions


def test_differing_inputs_lists_only_differences() -> None:
    meta = json.loads((compare_folder() / "run.json").read_text())
    table = differing_inputs(meta)
    assert list(table.input) == ["commissioning.default"]
    row = table.iloc[0]
    assert row.small_national == '"national"' and row.small_ics == '"ics"'


def test_report_reproduces_tables_from_stored_results(tmp_path, capsys) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(compare_folder(), copy)
    before = {n: (copy / n).read_bytes() for n in ("comparison.csv", "comparison.md")}
    for name in ("comparison.csv", "comparison.md", "report.html"):
        (copy / name).unlink()
    shutil.rmtree(copy / "figures")
    assert main(["report", str(copy)]) == 0
    for name, data in before.items():
        assert (copy / name).read_bytes() == data, name
    assert len(list((copy / "figures").glob("*.png"))) == len(FIGURES) + len(FINANCE_FIGURES)
    assert (copy / "report.html").stat().st_size > 100_000


def test_report_with_other_baseline(tmp_path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(compare_folder(), copy)
    assert main(["report", str(copy), "--baseline", "small_ics"]) == 0
    table = pd.read_csv(copy / "comparison.csv")
    assert table[table.scenario == "small_ics"].difference.eq("baseline").all()
    assert main(["report", str(copy), "--baseline", "nope"]) == 2


def test_report_of_a_sweep_folder(tmp_path) -> None:
    rng = np.random.default_rng(3)
    rows = [(p, g, s, r, "overall", "all", "wait_p92_days", 40 + 100 * g + rng.normal())
            for p, g in enumerate((0.0, 0.02, 0.04)) for s in ("centralised", "ics_delegation")
            for r in range(2)]
    sweep = pd.DataFrame(rows, columns=["point", "services.cardiac.annual_growth", "scenario",
                                        "replication", "scope", "key", "kpi", "value"])
    write_table(tmp_path, "sweep", sweep)
    write_json(tmp_path / "sweep.json", {"name": "growth", "description": "test sweep"})
    seal(tmp_path, ["sweep.parquet", "sweep.csv", "sweep.json"], "sweep")  # made by hand
    assert main(["report", str(tmp_path)]) == 0
    assert (tmp_path / "figures" /
            "sweep_wait_p92_days_vs_services_cardiac_annual_growth.png").stat().st_size > 5000
    assert "data:image/png;base64," in (tmp_path / "report.html").read_text()


def test_report_of_a_single_scenario(tmp_path) -> None:
    """One scenario: no differences, but every file is still written."""
    for name in ("kpis", "waits"):
        frame = pd.read_parquet(compare_folder() / f"{name}.parquet")
        write_table(tmp_path, name, frame[frame.scenario == "small_ics"])
    meta = json.loads((compare_folder() / "run.json").read_text())
    meta["scenarios"] = {"small_ics": meta["scenarios"]["small_ics"]}
    meta.pop("baseline", None)
    write_json(tmp_path / "run.json", meta)
    seal(tmp_path, ["kpis.parquet", "waits.parquet", "run.json"])  # made by hand
    assert main(["report", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "comparison.csv")
    assert set(table.scenario) == {"small_ics"} and table.diff_mean.isna().all()
    assert len(list((tmp_path / "figures").glob("*.svg"))) == len(FIGURES)
