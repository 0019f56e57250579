"""Figures: every file written at the promised size and resolution, and the drawn numbers are
the numbers in the tables (a figure that shows the wrong value is worse than none)."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from PIL import Image
from report_small import compare_folder

from sim.analysis.compare import paired_differences
from sim.model.kpis import WAIT_STANDARD_DAYS
from sim.presentation import figures, sweep_figures
from sim.presentation.report import load_results
from sim.presentation.style import DOUBLE_COLUMN_IN, FIXED, OKABE_ITO, scenario_colours

# stem -> nominal width in inches (bbox "tight" trims or adds a little)
WIDTHS = {"a_headline": DOUBLE_COLUMN_IN, "b_wait_ecdf": 3.5, "c_postcode_variation": 7.2,
          "d_unit_volume": 7.2, "e_cost_breakdown": 7.2, "f_fragmentation": 7.2,
          "g_forest": 7.2, "h_map": 7.2, "i_map_access": 7.2,
          "j_map_wait_difference": 7.2}


@pytest.mark.parametrize("stem", sorted(figures.FIGURES))
def test_every_figure_written_at_200_dpi(stem: str) -> None:
    folder = compare_folder() / "figures"
    png, svg = folder / f"{stem}.png", folder / f"{stem}.svg"
    assert png.stat().st_size > 10_000 and svg.stat().st_size > 10_000
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    with Image.open(png) as image:
        width, height = image.size
        assert image.info["dpi"][0] == pytest.approx(200, abs=1)
    assert 0.85 * WIDTHS[stem] * 200 <= width <= 1.15 * WIDTHS[stem] * 200
    assert 0.8 * 200 <= height <= 10 * 200  # between 0.8 and 10 inches tall


def test_colours_fixed_by_name_and_distinct() -> None:
    one = scenario_colours(["centralised", "mine", "ics_delegation"])
    two = scenario_colours(["ics_delegation", "centralised"])
    assert one["centralised"] == two["centralised"] == FIXED["centralised"]
    assert one["ics_delegation"] == two["ics_delegation"]
    many = scenario_colours([f"s{k}" for k in range(8)])
    assert len(set(many.values())) == 8 and set(many.values()) == set(OKABE_ITO)


@pytest.fixture(scope="module")
def results():
    return load_results(compare_folder())


def test_headline_points_are_the_means(results) -> None:
    fig = figures.headline_panel(results, kpis=("wait_mean_days",))
    ax = fig.axes[0]
    overall = results.kpis[(results.kpis.scope == "overall")
                           & (results.kpis.kpi == "wait_mean_days")]
    expected = overall.groupby("scenario", sort=False).value.mean()
    drawn = [line.get_xdata()[0] for line in ax.lines if line.get_marker() == "o"]
    assert drawn == pytest.approx(list(expected[results.names]))
    plt.close(fig)


def test_ecdf_has_18_week_line_and_monotone_curves(results) -> None:
    fig = figures.wait_ecdf(results)
    ax = fig.axes[0]
    assert any(np.allclose(line.get_xdata(), WAIT_STANDARD_DAYS) for line in ax.lines)
    for line in ax.lines:
        x = np.asarray(line.get_xdata(), dtype=float)
        if len(x) == 101:
            assert np.all(np.diff(x) >= 0)
    assert ax.get_xlabel().endswith("(days)")
    plt.close(fig)


def test_forest_puts_the_twin_at_zero(results) -> None:
    overall = results.kpis[results.kpis.scope == "overall"]
    diffs = paired_differences(overall, results.baseline)
    fig = figures.forest(diffs, results)
    ax = fig.axes[0]
    twin = results.colours["small_twin"]
    xs = [line.get_xdata()[0] for line in ax.lines
          if line.get_color() == twin and line.get_marker() == "o"]
    assert len(xs) >= 20 and np.allclose(xs, 0.0)
    assert ax.get_xscale() == "symlog"
    plt.close(fig)


def _grid_sweep() -> pd.DataFrame:
    """A synthetic grid sweep in the contract's format: kpi = 10 + 100*a + b, plus noise."""
    rng = np.random.default_rng(1)
    rows = []
    points = list(itertools.product([0.01, 0.03, 0.05], [0.0, 100.0]))
    for point, (a, b) in enumerate(points):
        for scenario, shift in (("centralised", 0.0), ("ics_delegation", 5.0)):
            for rep in range(3):
                value = 10 + 100 * a + b / 10 + shift + rng.normal(0, 0.1)
                rows.append((point, a, b, scenario, rep, "overall", "all", "wait_p92_days",
                             value))
    return pd.DataFrame(rows, columns=["point", "services.cardiac.annual_growth",
                                       "commissioning.ics.out_of_area_weight", "scenario",
                                       "replication", "scope", "key", "kpi", "value"])


def test_sweep_lines_and_heatmap(tmp_path) -> None:
    sweep = _grid_sweep()
    written = sweep_figures.sweep_figures(sweep, tmp_path)
    assert set(written) == {
        "sweep_wait_p92_days_vs_services_cardiac_annual_growth",
        "sweep_wait_p92_days_vs_commissioning_ics_out_of_area_weight",
        "heatmap_wait_p92_days"}
    for paths in written.values():
        assert all(p.stat().st_size > 5000 for p in paths)
    fig = sweep_figures.sweep_lines(sweep, "services.cardiac.annual_growth", "wait_p92_days")
    line = fig.axes[0].lines[0]  # centralised: 10 + 100a + 5 (mean of b/10 over 0 and 10)
    assert line.get_ydata() == pytest.approx([16.0, 18.0, 20.0], abs=0.2)
    plt.close(fig)
    fig = sweep_figures.sweep_heatmap(sweep, "services.cardiac.annual_growth",
                                "commissioning.ics.out_of_area_weight", "wait_p92_days")
    grid = fig.axes[0].images[0].get_array()
    assert grid.shape == (2, 3) and grid[1, 2] == pytest.approx(10 + 5 + 10, abs=0.2)
    plt.close(fig)


def test_tornado_orders_by_swing() -> None:
    rows = []
    effects = {"x.small": (-1.0, 1.0), "x.big": (-6.0, 4.0), "x.mid": (2.0, -1.0)}
    point = 0
    for rep in range(2):
        rows.append((0, "", "base", "centralised", rep, "overall", "all", "cost_total_gbp", 1e7))
    for parameter, (low, high) in effects.items():
        for level, delta in (("low", low), ("high", high)):
            point += 1
            for rep in range(2):
                rows.append((point, parameter, level, "centralised", rep, "overall", "all",
                             "cost_total_gbp", 1e7 + delta * 1e6))
    sweep = pd.DataFrame(rows, columns=["point", "oat_parameter", "oat_level", "scenario",
                                        "replication", "scope", "key", "kpi", "value"])
    fig = sweep_figures.tornado(sweep, "cost_total_gbp")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x.small", "x.mid", "x.big"]
    widths = [p.get_width() for p in ax.patches]  # £m: low, high per parameter, bottom up
    assert widths == pytest.approx([-1.0, 1.0, 2.0, -1.0, -6.0, 4.0])
    plt.close(fig)


def test_tornado_of_the_paired_difference() -> None:
    """Two scenarios: the difference tornado shows how each input moves (B - A), not B."""
    rows = []
    # A responds to p (+2 per level step), B responds twice as much (+6): B - A moves by 4
    levels = {"base": 0.0, "low": -1.0, "high": 1.0}
    point = 0
    for parameter in ("commissioning.ics.p", "services.s.q"):
        for level, step in levels.items():
            if level == "base" and point:
                continue
            for rep in range(3):
                noise = 0.1 * rep  # shared by both scenarios: common random numbers
                a = 100 + (2 * step if parameter.endswith("p") else 0) + noise
                b = 110 + (6 * step if parameter.endswith("p") else 1 * step) + noise
                oat = "" if level == "base" else parameter
                rows.append((point, oat, level, "A", rep, "overall", "all", "wait_p92_days", a))
                rows.append((point, oat, level, "B", rep, "overall", "all", "wait_p92_days", b))
            point += 1
    sweep = pd.DataFrame(rows, columns=["point", "oat_parameter", "oat_level", "scenario",
                                        "replication", "scope", "key", "kpi", "value"])
    diff = sweep_figures.paired_sweep_differences(sweep)
    assert set(diff.scenario) == {"B - A"}
    assert diff[diff.oat_level == "base"].value.tolist() == pytest.approx([10.0] * 3)
    fig = sweep_figures.tornado(sweep, "wait_p92_days", difference=True)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["s.q", "ics.p"]  # widest on top
    widths = [p.get_width() for p in ax.patches]  # low, high per parameter, bottom up
    assert widths == pytest.approx([-1.0, 1.0, -4.0, 4.0])
    plt.close(fig)


def test_list_design_gets_no_heatmap(tmp_path) -> None:
    """A list design (values varied together) leaves most grid cells empty: no heatmap."""
    grid = _grid_sweep()
    a, b = sweep_figures.sweep_parameters(grid)
    pairs = {(0.01, 0.0), (0.05, 100.0)}
    listed = grid[[(x, y) in pairs for x, y in zip(grid[a], grid[b], strict=True)]]
    written = sweep_figures.sweep_figures(listed, tmp_path, kpis=("wait_p92_days",))
    assert not any(name.startswith("heatmap") for name in written)
    assert any(name.startswith("heatmap") for name in
               sweep_figures.sweep_figures(grid, tmp_path / "grid", kpis=("wait_p92_days",)))
    plt.close("all")


def test_headline_axes_stay_within_the_kpis_bounds(results) -> None:
    """A margin must not show a negative count or a share above 100% (catalogue bounds)."""
    fig = figures.headline_panel(results, kpis=("boundary_crossings_per_patient",
                                                "pct_within_18_weeks", "wait_p92_days"))
    crossings, within, p92 = (ax.get_xlim() for ax in fig.axes[:3])
    assert -0.05 * crossings[1] <= crossings[0] < 0  # 0 (small_ics) shown, nothing far below
    assert within[1] <= 101.0 and within[1] - within[0] >= 2.0
    assert p92[0] >= -0.05 * p92[1]
    plt.close(fig)
