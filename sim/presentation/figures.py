"""The report's figures (a)-(h) and the sweep plots, drawn from stored result tables.

Every function takes tidy tables (the files `specsim run` and `specsim sweep` write) and returns
a matplotlib Figure; `save` writes it as PNG (200 dpi) and SVG, atomically. Nothing here runs
the model, so `specsim report` can redraw everything from a results folder.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from sim.analysis.stats import summarise, t_interval  # noqa: E402
from sim.config.geography import load_geography  # noqa: E402
from sim.config.schema import ICS, Provider, Scenario  # noqa: E402
from sim.experiment.store import write_atomic  # noqa: E402
from sim.model.kpis import HEADLINE_KPIS, WAIT_STANDARD_DAYS  # noqa: E402
from sim.presentation.style import (  # noqa: E402
    DOUBLE_COLUMN_IN,
    DPI,
    SINGLE_COLUMN_IN,
    label,
    scale,
    scenario_colours,
    source_note,
    styled,
)

COST_PARTS = ("cost_activity_gbp", "cost_provider_gbp", "cost_admin_gbp", "cost_travel_gbp",
              "cost_adverse_gbp")
# Sequential, colour-blind-safe shades for cost parts: not scenario colours, so not confusable.
COST_COLOURS = ("#08306B", "#2171B5", "#6BAED6", "#C6DBEF", "#969696")
FIGURES = {
    "a_headline": "Headline KPIs with 95% confidence intervals",
    "b_wait_ecdf": "Distribution of waits (ECDF) with the 18-week standard",
    "c_postcode_variation": "92nd percentile wait per ICS, grouped by NHS region",
    "d_unit_volume": "Annual volume per unit against the service's minimum volume",
    "e_cost_breakdown": "Cost breakdown",
    "f_fragmentation": "Care fragmentation: boundary crossings and hand-over delay",
    "g_forest": "Paired differences against the baseline (relative)",
    "h_map": "ICS centroids and units sized by annual volume",
}


@dataclass
class Results:
    """The stored tables of one run or compare folder, with the scenarios that produced them."""

    kpis: pd.DataFrame
    waits: pd.DataFrame
    meta: dict
    baseline: str
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    names: list[str] = field(init=False)
    colours: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.names = [str(n) for n in pd.unique(self.kpis.scenario)]
        self.colours = scenario_colours(self.names)
        if not self.scenarios:
            self.scenarios = {name: Scenario.model_validate(entry["config"])
                              for name, entry in self.meta.get("scenarios", {}).items()}

    def note(self) -> str:
        files = ", ".join(self.names)
        return (f"Source: specsim, scenarios {files}; {self.meta.get('replications', '?')} "
                f"replications, seed {self.meta.get('seed', '?')}, "
                f"{self.meta.get('years', '?')} y after {self.meta.get('warmup_days', '?')} d "
                f"warm-up. Bars/whiskers: 95% CI.")


def save(fig: Figure, folder: Path, stem: str) -> list[Path]:
    """Write `stem.png` (200 dpi) and `stem.svg` atomically; close the figure."""
    paths = []
    for ext in ("png", "svg"):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=ext, dpi=DPI, bbox_inches="tight", pad_inches=0.03)
        path = folder / f"{stem}.{ext}"
        write_atomic(path, buffer.getvalue())
        paths.append(path)
    plt.close(fig)
    return paths


def _overall_summary(kpis: pd.DataFrame) -> pd.DataFrame:
    return summarise(kpis[kpis.scope == "overall"]).set_index(["scenario", "kpi"])


def _err(mean: float, low: float, high: float) -> list[list[float]]:
    if math.isnan(low):
        return [[0.0], [0.0]]
    return [[mean - low], [high - mean]]


@styled
def headline_panel(res: Results, kpis: Sequence[str] = HEADLINE_KPIS) -> Figure:
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
        for y, name in enumerate(names):
            if (name, kpi) not in summary.index:
                continue
            s = summary.loc[(name, kpi)]
            ax.errorbar(s["mean"] * f, y, xerr=np.array(_err(s["mean"], s.ci_low, s.ci_high)) * f,
                        fmt="o", color=colours[name], ms=4, capsize=2, lw=1)
        ax.set_title(label(kpi), loc="left")
        ax.set_yticks(range(len(names)), names)
        ax.set_ylim(-0.6, len(names) - 0.4)
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        ax.margins(x=0.15)
        if kpi.startswith("pct_"):  # t-intervals can pass 0 or 100; a share cannot
            low, high = ax.get_xlim()
            high = min(high, 101.0)
            ax.set_xlim(max(low, -1.0) if high - max(low, -1.0) >= 2 else high - 5, high)
    for ax in list(axes.flat)[len(kpis):]:
        ax.set_visible(False)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    source_note(fig, res.note())
    return fig


@styled
def wait_ecdf(res: Results) -> Figure:
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


def _short_note(res: Results) -> str:
    return (f"specsim; {res.meta.get('replications', '?')} replications, seed "
            f"{res.meta.get('seed', '?')}; faint lines: single replications")


def _geography(res: Results) -> tuple[tuple[ICS, ...], tuple[Provider, ...]]:
    scenario = next(iter(res.scenarios.values()))
    return load_geography(scenario.geography)


@styled
def postcode_variation(res: Results) -> Figure:
    """(c) p92 wait per ICS, one row per scenario; ICSs grouped by region, sorted within it."""
    icss, _ = _geography(res)
    region = {i.code: i.region_name for i in icss}
    ics = res.kpis[(res.kpis.scope == "ics") & (res.kpis.kpi == "wait_p92_days")]
    means = ics.groupby(["scenario", "key"], sort=False).value.mean()
    # One ICS order for every row (by region, then by the baseline's p92) so rows line up.
    base = means.get(res.baseline, means.groupby(level=1).mean())
    order = sorted(base.index, key=lambda k: (region.get(k, "?"), base[k]))
    regions = [region.get(k, "?") for k in order]
    names = res.names
    fig, axes = plt.subplots(len(names), 1, figsize=(DOUBLE_COLUMN_IN, 0.95 * len(names) + 0.9),
                             sharex=True, sharey=True, squeeze=False)
    x = np.arange(len(order))
    top = float(np.nanmax(np.asarray([*means.to_numpy(dtype=float), 0.0])))
    standard_drawn = top > 0.8 * WAIT_STANDARD_DAYS  # else the line would squash the bars
    for ax, name in zip(axes[:, 0], names, strict=True):
        values = [means.get((name, k), np.nan) for k in order]
        ax.bar(x, values, color=res.colours[name], width=0.8)
        if standard_drawn:
            ax.axhline(WAIT_STANDARD_DAYS, color="black", lw=0.6, ls="--")
        ax.set_ylabel("p92 wait\n(days)")
        ax.set_title(name, loc="left", color=res.colours[name], fontweight="bold", pad=2)
        ax.grid(axis="x", visible=False)
        for k in range(1, len(regions)):
            if regions[k] != regions[k - 1]:
                ax.axvline(k - 0.5, color="#999999", lw=0.6)
    bottom = axes[-1, 0]
    starts = [0] + [k for k in range(1, len(regions)) if regions[k] != regions[k - 1]]
    ends = starts[1:] + [len(regions)]
    if len(order) <= 12:  # few ICSs: name each bar
        names_of = {i.code: i.name for i in icss}
        bottom.set_xticks(x, [f"{_wrap(names_of.get(k, k))}\n({regions[j]})"
                              for j, k in enumerate(order)], fontsize=6)
    else:
        bottom.set_xticks([(s + e - 1) / 2 for s, e in zip(starts, ends, strict=True)],
                          [_wrap(regions[s]) for s in starts], fontsize=6)
    bottom.tick_params(axis="x", length=0)
    bottom.set_xlim(-0.6, len(order) - 0.4)
    bottom.set_xlabel("ICSs grouped by NHS region (within a region: sorted by the baseline's "
                      "p92 wait)")
    fig.tight_layout(rect=(0, 0.03, 1, 1), h_pad=0.4)
    source_note(fig, res.note().replace("Bars/whiskers: 95% CI.", "Bars: mean over "
                                        "replications" + ("; dashed: 18 weeks." if
                                                          standard_drawn else ".")))
    return fig


def _wrap(text: str) -> str:
    words = text.split()
    if len(text) <= 12 or len(words) == 1:
        return text
    half = math.ceil(len(words) / 2)
    return " ".join(words[:half]) + "\n" + " ".join(words[half:])


@styled
def unit_volume(res: Results) -> Figure:
    """(d) Each active unit's annual volume (log scale) per service, against the service's
    minimum volume (black bar)."""
    units = res.kpis[(res.kpis.scope == "unit") & (res.kpis.kpi == "unit_volume_median")]
    vol = units.groupby(["scenario", "key"], sort=False).value.mean().reset_index()
    vol["service"] = vol.key.str.split("/").str[0]
    vol = vol[vol.value > 0]
    services = list(dict.fromkeys(vol.service))
    any_scenario = next(iter(res.scenarios.values()), None)
    names = res.names
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN_IN, 0.32 * len(services) + 1.0))
    rng = np.random.default_rng(0)  # jitter only, fixed so figures are reproducible
    band = 0.7 / max(len(names), 1)
    for i, service in enumerate(services):
        for j, name in enumerate(names):
            v = vol[(vol.service == service) & (vol.scenario == name)].value.to_numpy()
            y = i - 0.35 + band * (j + 0.5) + rng.uniform(-band / 3, band / 3, len(v))
            ax.scatter(v, y, s=6, color=res.colours[name], alpha=0.75, lw=0,
                       label=name if i == 0 else None)
        if any_scenario and service in any_scenario.services:
            minimum = any_scenario.services[service].min_unit_volume
            if minimum > 0:
                ax.plot([minimum, minimum], [i - 0.42, i + 0.42], color="black", lw=1.4,
                        label="minimum volume" if i == 0 else None)
    ax.set_xscale("log")
    ax.set_yticks(range(len(services)), [_service_name(res, s) for s in services])
    ax.set_ylim(len(services) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("Unit annual volume (patients per year, log scale)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, markerscale=2)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    source_note(fig, res.note().replace("Bars/whiskers: 95% CI.",
                                        "Dots: units that treated anyone (mean volume)."))
    return fig


def _service_name(res: Results, service: str) -> str:
    scenario = next(iter(res.scenarios.values()), None)
    if scenario and service in scenario.services:
        name = scenario.services[service].name.split(" (")[0]
        return name if len(name) <= 34 else name[:32] + "…"
    return service


@styled
def cost_breakdown(res: Results) -> Figure:
    """(e) Top: stacked cost parts per scenario (£m) with the total's 95% CI. Bottom: each part
    on its own scale with CIs, because admin and travel are too small to see in a stack."""
    summary = _overall_summary(res.kpis)
    names = res.names
    height = 0.3 * len(names) * 2 + 2.0
    fig = plt.figure(figsize=(DOUBLE_COLUMN_IN, height))
    grid = fig.add_gridspec(2, len(COST_PARTS), height_ratios=(1.0, 1.0), hspace=0.9,
                            wspace=0.35)
    ax = fig.add_subplot(grid[0, :])
    for y, name in enumerate(names):
        left = 0.0
        for part, colour in zip(COST_PARTS, COST_COLOURS, strict=True):
            value = summary.loc[(name, part), "mean"] * 1e-6 if (name, part) in summary.index \
                else 0.0
            ax.barh(y, value, left=left, color=colour, height=0.6,
                    label=label(part).replace(" (£m)", "") if y == 0 else None)
            left += value
        if (name, "cost_total_gbp") in summary.index:
            s = summary.loc[(name, "cost_total_gbp")]
            ax.errorbar(s["mean"] * 1e-6, y, xerr=np.array(_err(s["mean"], s.ci_low,
                                                                 s.ci_high)) * 1e-6,
                        fmt="none", color="black", capsize=2, lw=0.8)
    ax.set_yticks(range(len(names)), names)
    for tick, name in zip(ax.get_yticklabels(), names, strict=True):
        tick.set_color(res.colours[name])
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("Total cost over the simulated window (£ million; whiskers: 95% CI of total)")
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=5, frameon=False,
              handlelength=1.2, columnspacing=1.0)
    for k, (part, colour) in enumerate(zip(COST_PARTS, COST_COLOURS, strict=True)):
        sub = fig.add_subplot(grid[1, k])
        for y, name in enumerate(names):
            if (name, part) not in summary.index:
                continue
            s = summary.loc[(name, part)]
            sub.barh(y, s["mean"] * 1e-6, color=res.colours[name], height=0.6,
                     xerr=np.array(_err(s["mean"], s.ci_low, s.ci_high)) * 1e-6, capsize=1.5,
                     error_kw={"lw": 0.7})
        sub.set_title(label(part).replace(" (£m)", ""), fontsize=6.5, color=colour
                      if colour != COST_COLOURS[3] else "#6BAED6", fontweight="bold")
        sub.set_yticks(range(len(names)), names if k == 0 else [""] * len(names))
        sub.set_ylim(len(names) - 0.5, -0.5)
        sub.set_xlim(left=0)
        sub.grid(axis="y", visible=False)
        sub.tick_params(axis="x", labelsize=6)
        sub.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(3))
        sub.set_xlabel("£ million", fontsize=6)
    fig.subplots_adjust(left=0.17, right=0.98, top=0.9, bottom=0.75 / height)
    source_note(fig, res.note().replace("Bars/whiskers", "Whiskers"))
    return fig


@styled
def fragmentation(res: Results) -> Figure:
    """(f) Boundary crossings per patient and mean hand-over delay, with 95% CIs."""
    summary = _overall_summary(res.kpis)
    names = res.names
    fig, axes = plt.subplots(1, 2, figsize=(DOUBLE_COLUMN_IN, 0.3 * len(names) + 1.0),
                             sharey=True)
    for ax, kpi in zip(axes, ("boundary_crossings_per_patient", "handover_delay_days_mean"),
                       strict=True):
        for y, name in enumerate(names):
            if (name, kpi) not in summary.index:
                continue
            s = summary.loc[(name, kpi)]
            ax.barh(y, s["mean"], color=res.colours[name], height=0.6,
                    xerr=np.array(_err(s["mean"], s.ci_low, s.ci_high)), capsize=2,
                    error_kw={"lw": 0.8})
            end = s["mean"] if math.isnan(s.ci_high) else s.ci_high
            ax.annotate(f"{s['mean']:.3g}", (max(end, 0.0), y), xytext=(3, 0),
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
def forest(diffs: pd.DataFrame, res: Results) -> Figure:
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
            extremes += [abs(lo), abs(hi)]
            ax.errorbar(m, y, xerr=[[m - lo], [hi - m]], fmt="o", ms=3.2, lw=0.9,
                        color=res.colours[name], mfc=res.colours[name] if r.significant
                        else "white", capsize=1.5)
    for i in unavailable:
        ax.text(0, i, "  n/a: baseline mean is 0", fontsize=5.5, color="#666666", va="center")
    ax.axvline(0, color="black", lw=0.7)
    ax.set_xscale("symlog", linthresh=10, linscale=1.0)
    limit = 10 ** math.ceil(math.log10(max(extremes) * 1.05))
    ax.set_xlim(-limit, limit)
    ticks = [t for t in (-1000, -100, -10, 0, 10, 100, 1000) if abs(t) <= limit]
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
    source_note(fig, res.note().replace("Bars/whiskers: 95% CI.", "Open markers: CI includes 0."))
    return fig


@styled
def unit_map(res: Results) -> Figure:
    """(h) ICS centroids (grey, sized by population) and units (sized by annual volume)."""
    icss, providers = _geography(res)
    where = {p.code: (p.lon, p.lat) for p in providers}
    units = res.kpis[(res.kpis.scope == "unit") & (res.kpis.kpi == "unit_volume_median")]
    vol = units.groupby(["scenario", "key"], sort=False).value.mean().reset_index()
    vol["provider"] = vol.key.str.split("/").str[1]
    per_site = vol.groupby(["scenario", "provider"], sort=False).value.sum().reset_index()
    names = res.names
    cols = min(len(names), 4)
    rows = math.ceil(len(names) / cols)
    lat0 = float(np.mean([i.lat for i in icss])) if icss else 52.0
    height = rows * DOUBLE_COLUMN_IN / cols * 1.25 + 0.9
    fig, axes = plt.subplots(rows, cols, figsize=(DOUBLE_COLUMN_IN, height),
                             squeeze=False, sharex=True, sharey=True)
    biggest = max(float(per_site.value.max()), 1.0) if len(per_site) else 1.0
    pop_max = max((i.population for i in icss), default=1)
    for ax, name in zip(axes.flat, names, strict=False):
        ax.scatter([i.lon for i in icss], [i.lat for i in icss],
                   s=[12 * i.population / pop_max for i in icss], color="#BBBBBB", lw=0)
        site = per_site[(per_site.scenario == name) & (per_site.value > 0)]
        xy = np.array([where.get(p, (np.nan, np.nan)) for p in site.provider])
        if len(xy):
            ax.scatter(xy[:, 0], xy[:, 1], s=60 * site.value / biggest + 1.5,
                       color=res.colours[name], alpha=0.6, lw=0.3, edgecolor="white")
        ax.set_title(f"{name}\n{len(site)} sites", color=res.colours[name], fontsize=7.5)
        ax.set_aspect(1 / math.cos(math.radians(lat0)))
        ax.grid(False)
        ax.tick_params(labelsize=6)
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("Latitude (°N)")
    for ax in axes[-1, :]:
        ax.set_xlabel("Longitude (°E)")
    sizes = [biggest / 10, biggest / 2, biggest]
    handles = [plt.scatter([], [], s=60 * v / biggest + 1.5, facecolor="white",
                           edgecolor="black", lw=0.6, label=f"{v:,.0f}/yr") for v in sizes]
    handles.append(plt.scatter([], [], s=8, color="#BBBBBB", label="ICS centroid"))
    fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False,
               title="Site annual volume (patients per year, all services)",
               bbox_to_anchor=(0.5, 0.1 / height), title_fontsize=7)
    fig.tight_layout(rect=(0, 0.75 / height, 1, 1))
    source_note(fig, res.note().replace(" Bars/whiskers: 95% CI.", " No basemap: positions "
                                        "are longitude/latitude."))
    return fig


def report_figures(res: Results, diffs: pd.DataFrame, folder: Path) -> dict[str, list[Path]]:
    """Draw and save figures (a)-(h); returns {stem: [png, svg]}."""
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
    }
    return {stem: save(draw(), folder, stem) for stem, draw in drawn.items()}


# ---- sweep plots -------------------------------------------------------------------------

SWEEP_FIXED = {"point", "oat_parameter", "oat_level", "scenario", "replication", "scope", "key",
               "kpi", "value"}


def _full_grid(sweep: pd.DataFrame, params: Sequence[str]) -> bool:
    """Every combination of the swept values was run (a grid design, not a list)."""
    combos = sweep[list(params)].drop_duplicates()
    return len(combos) == int(np.prod([sweep[p].nunique() for p in params]))


def sweep_parameters(sweep: pd.DataFrame) -> list[str]:
    """The swept config paths: every column the sweep contract adds between point and scenario."""
    return [c for c in sweep.columns if c not in SWEEP_FIXED]


def _overall(sweep: pd.DataFrame, kpi: str) -> pd.DataFrame:
    return sweep[(sweep.scope == "overall") & (sweep.kpi == kpi)]


@styled
def sweep_lines(sweep: pd.DataFrame, parameter: str, kpi: str) -> Figure:
    """KPI against one swept parameter, mean and 95% CI ribbon per scenario (averaged over
    any other swept parameters, which the title says)."""
    data = _overall(sweep, kpi)
    names = list(dict.fromkeys(data.scenario))
    colours = scenario_colours(names)
    fig, ax = plt.subplots(figsize=(SINGLE_COLUMN_IN, 2.5))
    f = scale(kpi)
    for name in names:
        rows = []
        # Average over the other parameters within each replication first, so the ribbon is
        # replication noise of the marginal mean, not the spread the other parameters cause.
        per_rep = data[data.scenario == name].groupby([parameter, "replication"]).value.mean()
        for x, group in per_rep.groupby(level=0):
            rows.append((x, *t_interval(group.to_numpy())))
        if not rows:
            continue
        x, mean, low, high = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
        ax.plot(x, mean * f, marker="o", ms=3, color=colours[name], label=name, lw=1.2)
        ax.fill_between(x, low * f, high * f, color=colours[name], alpha=0.2, lw=0)
    others = [p for p in sweep_parameters(sweep) if p != parameter]
    ax.set_xlabel(parameter)
    ax.set_ylabel(label(kpi))
    if others:
        together = len(sweep[[parameter, *others]].drop_duplicates()) == sweep[parameter].nunique()
        how = "varied together with " if together else "averaged over "
        ax.set_title(how + ", ".join(_short(p) for p in others), fontsize=6.5, loc="left")
    ax.legend(frameon=False)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    source_note(fig, "specsim sweep; ribbons: 95% CI across replications")
    return fig


@styled
def sweep_heatmap(sweep: pd.DataFrame, x: str, y: str, kpi: str) -> Figure:
    """Mean KPI over a two-parameter grid, one panel per scenario, one shared colour scale."""
    data = _overall(sweep, kpi)
    names = list(dict.fromkeys(data.scenario))
    f = scale(kpi)
    means = data.groupby(["scenario", y, x]).value.mean() * f
    vmin, vmax = float(means.min()), float(means.max())
    fig, axes = plt.subplots(1, len(names), figsize=(min(DOUBLE_COLUMN_IN, 2.6 * len(names) + 0.8),
                                                     2.6), squeeze=False, sharey=True)
    image = None
    for ax, name in zip(axes[0], names, strict=True):
        grid = means[name].unstack(x)
        image = ax.imshow(grid.values, origin="lower", aspect="auto", cmap="viridis",
                          vmin=vmin, vmax=vmax)
        ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index])
        for (i, j), v in np.ndenumerate(grid.values):
            ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=6,
                    color="white" if v < (vmin + vmax) / 2 else "black")
        ax.set_title(name, color=scenario_colours(names)[name])
        ax.grid(False)
    fig.supxlabel(x, fontsize=7, y=0.1)
    axes[0, 0].set_ylabel(_short(y))
    fig.subplots_adjust(bottom=0.24, top=0.88, wspace=0.15)
    if image is not None:
        fig.colorbar(image, ax=axes[0].tolist(), label=label(kpi), shrink=0.9)
    source_note(fig, "specsim sweep; cells: mean across replications")
    return fig


def _short(path: str) -> str:
    """A config path without its top-level section, so tornado labels fit a column."""
    head, _, rest = path.partition(".")
    return rest if head in ("commissioning", "services") and rest else path


def paired_sweep_differences(sweep: pd.DataFrame) -> pd.DataFrame:
    """Per design point and replication, each scenario's value minus the first scenario's
    (common random numbers make this the paired difference), labelled 'scenario - baseline'."""
    names = list(dict.fromkeys(sweep.scenario))
    keys = [c for c in sweep.columns if c not in ("scenario", "value")]
    base = sweep[sweep.scenario == names[0]].set_index(keys).value
    parts = []
    for name in names[1:]:
        other = sweep[sweep.scenario == name].set_index(keys).value
        diff = (other - base.reindex(other.index)).rename("value").reset_index()
        diff.insert(0, "scenario", f"{name} - {names[0]}")
        parts.append(diff)
    return pd.concat(parts, ignore_index=True)[sweep.columns]


@styled
def tornado(sweep: pd.DataFrame, kpi: str, difference: bool = False) -> Figure:
    """One-at-a-time sensitivity: the KPI at each parameter's low and high value, as bars
    from the base point, widest first; one panel per scenario. With `difference`, the bars are
    the change in the paired difference between each scenario and the first one: which inputs
    move the comparison, not only each scenario's level."""
    data = _overall(paired_sweep_differences(sweep) if difference else sweep, kpi)
    names = list(dict.fromkeys(data.scenario))
    colours = scenario_colours(names)
    f = scale(kpi)
    n_params = data.oat_parameter.dropna().nunique()
    width = DOUBLE_COLUMN_IN if len(names) > 1 else SINGLE_COLUMN_IN * 1.6
    fig, axes = plt.subplots(1, len(names), sharey=True, squeeze=False,
                             figsize=(width, 0.28 * n_params + 1.4))
    order: list[str] = []
    for ax, name in zip(axes[0], names, strict=True):
        d = data[data.scenario == name]
        base = d[d.oat_level == "base"].value.mean() * f
        effects = {}
        for parameter, group in d[d.oat_level != "base"].groupby("oat_parameter"):
            low = group[group.oat_level == "low"].value.mean() * f
            high = group[group.oat_level == "high"].value.mean() * f
            effects[parameter] = (low - base, high - base)
        if not order:  # one order for every panel: widest swing in the first panel at the top
            order = sorted(effects, key=lambda p: abs(effects[p][1] - effects[p][0]))
        for i, parameter in enumerate(order):
            low, high = effects.get(parameter, (0.0, 0.0))
            ax.barh(i, low, color="#56B4E9", height=0.6, label="low value" if i == 0 else None)
            ax.barh(i, high, color="#D55E00", height=0.6, label="high value" if i == 0 else None)
        ax.set_yticks(range(len(order)), [_short(p) for p in order])
        ax.axvline(0, color="black", lw=0.7)
        ax.xaxis.set_major_locator(plt.MaxNLocator(nbins=4, symmetric=True))
        ax.set_title(name, color=colours.get(name, "black"), fontsize=7)
        what = "difference" if difference else "value"
        ax.set_xlabel(f"Change in {what} from base ({base:.3g}):\n{label(kpi)}")
        ax.grid(axis="y", visible=False)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower right", ncol=2, frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    source_note(fig, "specsim sweep (one-at-a-time); bars: mean across replications"
                + ("; paired differences under common random numbers" if difference else ""))
    return fig


def sweep_figures(sweep: pd.DataFrame, folder: Path,
                  kpis: Sequence[str] = ("wait_p92_days", "cost_total_gbp",
                                         "pct_treated_below_min_volume")) -> dict[str, list[Path]]:
    """All sweep plots that fit the design: tornado for one-at-a-time designs, else a line
    plot per parameter and a heatmap when exactly two parameters were swept."""
    folder.mkdir(parents=True, exist_ok=True)
    present = [k for k in kpis if k in set(sweep.kpi)]
    written: dict[str, list[Path]] = {}
    params = sweep_parameters(sweep)
    for kpi in present:
        if "oat_level" in sweep.columns:
            written[f"tornado_{kpi}"] = save(tornado(sweep, kpi), folder, f"tornado_{kpi}")
            if sweep.scenario.nunique() > 1:
                stem = f"tornado_difference_{kpi}"
                written[stem] = save(tornado(sweep, kpi, difference=True), folder, stem)
            continue
        for p in params:
            stem = f"sweep_{kpi}_vs_{p.replace('.', '_')}"
            written[stem] = save(sweep_lines(sweep, p, kpi), folder, stem)
        if len(params) == 2 and _full_grid(sweep, params):  # a list design leaves holes
            stem = f"heatmap_{kpi}"
            written[stem] = save(sweep_heatmap(sweep, params[0], params[1], kpi), folder, stem)
    return written
