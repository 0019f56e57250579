"""The comparison report's figures, drawn from the stored tables of a results folder: (a)
headline KPIs, (b) wait ECDF, (e) cost breakdown, (f) fragmentation and (g) the forest plot of
paired differences, which compare scenarios on their overall means; (c), (d) and (h), which show
where (per ICS, per unit), are in `place_figures`. `report_figures` draws and saves all eight.

Every function takes a `ResultsFolder` (the files `specsim run` and `specsim compare` write) and
returns a matplotlib Figure; `style.save` writes it as PNG (200 dpi) and SVG, atomically.
Nothing here runs the model, so `specsim report` can redraw everything from a results folder.
The sweep plots are in `sweep_figures`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import cycle
from pathlib import Path

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.analysis.stats import summarise
from sim.model.kpi_catalogue import COST_PARTS, COST_TOTAL, HEADLINE_KPIS, KPIS, format_value
from sim.model.kpis import WAIT_STANDARD_DAYS
from sim.presentation.choropleths import access_map, wait_difference_map
from sim.presentation.map_figure import unit_map
from sim.presentation.place_figures import postcode_variation, unit_volume
from sim.presentation.results_folder import ResultsFolder
from sim.presentation.style import (
    DOUBLE_COLUMN_IN,
    SINGLE_COLUMN_IN,
    label,
    save,
    scale,
    source_note,
    styled,
)

# Sequential, colour-blind-safe shades for cost parts, in catalogue order: not scenario colours,
# so not confusable with them. A part beyond the palette reuses its colours.
COST_PALETTE = ("#08306B", "#2171B5", "#6BAED6", "#C6DBEF", "#969696", "#525252", "#D9D9D9")
COST_COLOURS = dict(zip(COST_PARTS, cycle(COST_PALETTE)))
FIGURES = {
    "a_headline": "Headline KPIs with 95% confidence intervals",
    "b_wait_ecdf": "Distribution of waits (ECDF) with the 18-week standard",
    "c_postcode_variation": "92nd percentile wait per ICS, grouped by NHS region",
    "d_unit_volume": "Annual volume per unit against the service's minimum volume",
    "e_cost_breakdown": "Cost breakdown",
    "f_fragmentation": "Care fragmentation: boundary crossings and hand-over delay",
    "g_forest": "Paired differences against the baseline (relative)",
    "h_map": "ICB boundaries shaded by the 92nd percentile wait; service units sized by annual "
             "volume, ringed red below the minimum volume",
    "i_map_access": "Access by ICS: share of referrals refused by the commissioner",
    "j_map_wait_difference": "Change in each ICS's 92nd percentile wait against the baseline",
}


@dataclass(frozen=True)
class Estimate:
    """One scenario's mean of one KPI with its 95% CI, at row `y` of a per-scenario plot."""

    y: int
    name: str
    mean: float
    low: float
    high: float

    def xerr(self, factor: float = 1.0) -> np.ndarray:
        """Whisker lengths for `errorbar`/`barh` (none without a CI), scaled by `factor`."""
        if math.isnan(self.low):
            return np.zeros((2, 1))
        return np.array([[self.mean - self.low], [self.high - self.mean]]) * factor


def _overall_summary(kpis: pd.DataFrame) -> pd.DataFrame:
    return summarise(kpis[kpis.scope == "overall"]).set_index(["scenario", "kpi"])


def estimates(summary: pd.DataFrame, names: Sequence[str], kpi: str) -> list[Estimate]:
    """Each scenario's mean and CI of `kpi` (overall summary), row = scenario position;
    scenarios without the KPI are left out."""
    out = []
    for y, name in enumerate(names):
        if (name, kpi) in summary.index:
            s = summary.loc[(name, kpi)]
            out.append(Estimate(y, name, float(s["mean"]), float(s.ci_low), float(s.ci_high)))
    return out


def _keep_within_bounds(ax: Axes, kpi: str) -> None:
    """Margins must not show values a KPI cannot take (a negative wait, a share above 100%):
    the x axis stops just past the KPI's bounds (1% of a bounded range, 3% of the axis for
    an open one, so that a marker at the bound is not cut in half)."""
    row = KPIS.get(kpi)
    if row is None or math.isinf(row.bounds[0]):
        return
    lower, upper = (b * row.scale for b in row.bounds)
    low, high = ax.get_xlim()
    pad = 0.01 * (upper - lower) if math.isfinite(upper) else 0.03 * (high - lower)
    centre = (low + high) / 2
    high = min(high, upper + pad)
    low = max(low, lower - pad)
    if math.isfinite(upper) and high - low < 2 * pad:  # every value at one bound: show 4%
        nearer_upper = upper - centre < centre - lower
        low = upper - 4 * pad if nearer_upper else lower - pad
        high = upper + pad if nearer_upper else lower + 4 * pad
    ax.set_xlim(low, high)


@styled
def headline_panel(res: ResultsFolder, kpis: Sequence[str] = HEADLINE_KPIS) -> Figure:
    """(a) One small panel per headline KPI: scenario means with 95% CIs."""
    summary = _overall_summary(res.kpis)
    names, colours = res.names, res.colours
    cols = 2
    rows = math.ceil(len(kpis) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(DOUBLE_COLUMN_IN, 0.25 * len(names) * rows
                                                  + 0.45 * rows + 0.4),
                             sharey=True, squeeze=False)
    for ax, kpi in zip(axes.flat, kpis, strict=False):
        f = scale(kpi)
        for e in estimates(summary, names, kpi):
            ax.errorbar(e.mean * f, e.y, xerr=e.xerr(f), fmt="o", color=colours[e.name], ms=4,
                        capsize=2, lw=1)
        row = KPIS.get(kpi)
        cue = {"higher_is_worse": "  (lower is better)", "higher_is_better":
               "  (higher is better)"}.get(row.direction if row else "", "")
        ax.set_title(label(kpi) + cue, loc="left")
        ax.set_yticks(range(len(names)), names)
        ax.set_ylim(-0.6, len(names) - 0.4)
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        ax.margins(x=0.15)
        _keep_within_bounds(ax, kpi)
        if row is not None and row.bounds[0] == 0.0:  # a natural zero: the axis starts there
            ax.set_xlim(left=-0.02 * ax.get_xlim()[1])  # (a marker at 0 is not cut in half)
    for ax in list(axes.flat)[len(kpis):]:
        ax.set_visible(False)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    source_note(fig, res.note())
    return fig


@styled
def wait_ecdf(res: ResultsFolder) -> Figure:
    """(b) Share of patients treated within x days, per scenario (mean of the quantile curves)."""
    waits = res.waits[res.waits.scope == "overall"]
    fig, ax = plt.subplots(figsize=(SINGLE_COLUMN_IN, 2.6))
    top = 0.0
    for name in res.names:
        w = waits[waits.scenario == name]
        if w.empty:
            continue
        for _, rep in w.groupby("replication"):
            ax.plot(rep.wait_days, 100 * rep["quantile"], color=res.colours[name], lw=0.5,
                    alpha=0.3)
        curve = w.groupby("quantile").wait_days.mean()
        ax.plot(curve.values, 100 * curve.index, color=res.colours[name], lw=1.4, label=name)
        top = max(top, float(curve.quantile(0.99)))
    ax.axvline(WAIT_STANDARD_DAYS, color="black", lw=0.8, ls="--")
    ax.axhline(92, color="black", lw=0.5, ls=":")
    limit = max(top * 1.1, WAIT_STANDARD_DAYS * 1.15)
    ax.text(WAIT_STANDARD_DAYS, 3, " 18 weeks", fontsize=6.5, ha="left", va="bottom")
    ax.text(2, 92.5, "92% standard", fontsize=6, ha="left", va="bottom")
    ax.set_xlim(0, limit)
    ax.set_ylim(0, 101)
    ax.set_xlabel("Wait, referral to treatment (days)")
    ax.set_ylabel("Patients treated within (%)")
    ax.legend(loc="lower right", frameon=False, bbox_to_anchor=(1.0, 0.08))
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    source_note(fig, _short_note(res))
    return fig


def _short_note(res: ResultsFolder) -> str:
    return (f"specsim; {res.meta.get('replications', '?')} replications, seed "
            f"{res.meta.get('seed', '?')}; faint lines: single replications")


@styled
def cost_breakdown(res: ResultsFolder) -> Figure:
    """(e) Top: stacked cost parts per scenario (£m) with the total's 95% CI. Bottom: each part
    on its own scale with CIs, because admin and travel are too small to see in a stack."""
    summary = _overall_summary(res.kpis)
    names = res.names
    total = KPIS[COST_TOTAL]
    f = total.scale  # parts are stacked, so all are shown in the total's unit
    height = 0.3 * len(names) * 2 + 2.0
    fig = plt.figure(figsize=(DOUBLE_COLUMN_IN, height))
    grid = fig.add_gridspec(2, len(COST_PARTS), height_ratios=(1.0, 1.0), hspace=0.9,
                            wspace=0.35)
    ax = fig.add_subplot(grid[0, :])
    means = {part: {e.name: e.mean for e in estimates(summary, names, part)}
             for part in COST_PARTS}
    for y, name in enumerate(names):
        left = 0.0
        for part in COST_PARTS:
            value = means[part].get(name, 0.0) * f
            ax.barh(y, value, left=left, color=COST_COLOURS[part], height=0.6,
                    label=KPIS[part].label if y == 0 else None)
            left += value
    for e in estimates(summary, names, COST_TOTAL):
        ax.errorbar(e.mean * f, e.y, xerr=e.xerr(f), fmt="none", color="black", capsize=2,
                    lw=0.8)
    ax.set_yticks(range(len(names)), names)
    for tick, name in zip(ax.get_yticklabels(), names, strict=True):
        tick.set_color(res.colours[name])
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(f"{total.label} over the simulated window ({total.display_unit}; whiskers: "
                  "95% CI of total)")
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=len(COST_PARTS), frameon=False,
              handlelength=1.2, columnspacing=1.0)
    for k, part in enumerate(COST_PARTS):
        sub = fig.add_subplot(grid[1, k])
        for e in estimates(summary, names, part):
            sub.barh(e.y, e.mean * f, color=res.colours[e.name], height=0.6, xerr=e.xerr(f),
                     capsize=1.5, error_kw={"lw": 0.7})
        sub.set_title(KPIS[part].label.replace(" ", "\n", 1), fontsize=6.5, color="#222222",
                      fontweight="bold")
        sub.set_yticks(range(len(names)), names if k == 0 else [""] * len(names))
        sub.set_ylim(len(names) - 0.5, -0.5)
        sub.set_xlim(left=0)
        sub.grid(axis="y", visible=False)
        sub.tick_params(axis="x", labelsize=6)
        sub.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(3))
        sub.set_xlabel(total.display_unit, fontsize=6)
    fig.subplots_adjust(left=0.17, right=0.98, top=0.9, bottom=0.75 / height)
    source_note(fig, res.note("Whiskers: 95% CI."))
    return fig


@styled
def fragmentation(res: ResultsFolder) -> Figure:
    """(f) Boundary crossings per patient and mean hand-over delay, with 95% CIs."""
    summary = _overall_summary(res.kpis)
    names = res.names
    fig, axes = plt.subplots(1, 2, figsize=(DOUBLE_COLUMN_IN, 0.3 * len(names) + 1.0),
                             sharey=True)
    for ax, kpi in zip(axes, ("boundary_crossings_per_patient", "handover_delay_days_mean"),
                       strict=True):
        for e in estimates(summary, names, kpi):
            ax.barh(e.y, e.mean, color=res.colours[e.name], height=0.6, xerr=e.xerr(),
                    capsize=2, error_kw={"lw": 0.8})
            end = e.mean if math.isnan(e.high) else e.high
            ax.annotate(format_value(kpi, e.mean), (max(end, 0.0), e.y), xytext=(3, 0),
                        textcoords="offset points", va="center", fontsize=6)
        ax.set_xlabel(label(kpi))
        ax.set_xlim(left=0)
        ax.margins(x=0.12)
        ax.grid(axis="y", visible=False)
    axes[0].set_yticks(range(len(names)), names)
    axes[0].set_ylim(len(names) - 0.5, -0.5)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    source_note(fig, res.note())
    return fig


@styled
def forest(diffs: pd.DataFrame, res: ResultsFolder) -> Figure:
    """(g) Every KPI's paired difference to the baseline as % of the baseline mean, with CI.

    The axis is symmetric-log (linear within ±10%) so that a 300% change in admin cost does
    not flatten a 5% change in waits to a dot. Filled markers: the CI excludes zero. KPIs whose
    baseline mean is zero have no relative scale; they say so instead of being dropped."""
    others = [n for n in res.names if n != res.baseline]
    if diffs.empty or not others:
        fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN_IN, 1.2))
        ax.text(0.5, 0.5, f"Only one scenario ({res.baseline}): no differences to show.",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    kpis = list(dict.fromkeys(diffs.kpi))
    height = 0.2 * len(kpis) * max(1.0, len(others) / 2) ** 0.5 + 0.9
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN_IN, height))
    band = 0.7 / max(len(others), 1)
    extremes = [10.0]
    lowest = 0.0
    unavailable = set()
    for j, name in enumerate(others):
        d = diffs[diffs.scenario == name].set_index("kpi")
        for i, kpi in enumerate(kpis):
            if kpi not in d.index:
                continue
            r = d.loc[kpi]
            base = r.baseline_mean
            if not base or math.isnan(base) or math.isnan(r.diff_mean):
                unavailable.add(i)
                continue
            y = i - 0.35 + band * (j + 0.5)
            m = 100 * r.diff_mean / abs(base)
            lo = 100 * r.diff_low / abs(base) if not math.isnan(r.diff_low) else m
            hi = 100 * r.diff_high / abs(base) if not math.isnan(r.diff_high) else m
            if kpi in KPIS and KPIS[kpi].bounds[0] >= 0 and base > 0:
                lo = max(lo, -100.0)  # a non-negative quantity falls by at most 100%
            extremes += [abs(lo), abs(hi)]
            lowest = min(lowest, lo, hi)
            ax.errorbar(m, y, xerr=[[m - lo], [hi - m]], fmt="o", ms=3.2, lw=0.9,
                        color=res.colours[name], mfc=res.colours[name] if r.significant
                        else "white", capsize=1.5)
    for i in unavailable:
        ax.text(0, i, "  n/a: baseline mean is 0", fontsize=5.5, color="#666666", va="center")
    ax.axvline(0, color="black", lw=0.7)
    ax.set_xscale("symlog", linthresh=10, linscale=1.0)
    limit = 10 ** math.ceil(math.log10(max(extremes) * 1.05))
    low_limit = -min(limit, 110.0)  # a quantity that cannot go below zero falls at most 100%
    if lowest < low_limit:  # a KPI that can be negative (budget variance)
        low_limit = -limit
    ax.set_xlim(low_limit, limit)
    ticks = [t for t in (-1000, -100, -50, -10, 0, 10, 100, 1000)
             if low_limit <= t <= limit and not (t == -50 and limit > 100)]
    ax.set_xticks(ticks, [f"{t:+d}%" if t else "0" for t in ticks])
    ax.set_yticks(range(len(kpis)), [label(k) for k in kpis])
    ax.set_ylim(len(kpis) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(f"Difference from {res.baseline}: % of the baseline mean, paired 95% CI "
                  "(symmetric log scale, linear within ±10%)")
    handles = [Line2D([], [], marker="o", color=res.colours[n], ls="", label=n) for n in others]
    handles += [Line2D([], [], marker="o", color="#555555", mfc="white", ls="",
                       label="CI includes 0"),
                Line2D([], [], marker="o", color="#555555", ls="", label="CI excludes 0")]
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.025),
               ncol=len(handles), frameon=False)
    fig.tight_layout(rect=(0, 0.55 / height, 1, 1))
    source_note(fig, res.note("Open markers: CI includes 0."))
    return fig


def report_figures(res: ResultsFolder, diffs: pd.DataFrame,
                   folder: Path) -> dict[str, list[Path]]:
    """Draw and save figures (a)-(j); returns {stem: [png, svg]}."""
    folder.mkdir(parents=True, exist_ok=True)
    drawn = {
        "a_headline": lambda: headline_panel(res),
        "b_wait_ecdf": lambda: wait_ecdf(res),
        "c_postcode_variation": lambda: postcode_variation(res),
        "d_unit_volume": lambda: unit_volume(res),
        "e_cost_breakdown": lambda: cost_breakdown(res),
        "f_fragmentation": lambda: fragmentation(res),
        "g_forest": lambda: forest(diffs, res),
        "h_map": lambda: unit_map(res),
        "i_map_access": lambda: access_map(res),
        "j_map_wait_difference": lambda: wait_difference_map(res),
    }
    return {stem: save(draw(), folder, stem) for stem, draw in drawn.items()}
