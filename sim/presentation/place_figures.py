"""The report's figures by place: (c) the 92nd percentile wait per ICS, (d) each unit's annual
volume against its service's minimum, (h) a map of ICS centroids and units.

The overall means of figures (a), (e), (f), (g) hide where the differences fall; these read the
`ics` and `unit` scopes of the KPI table and the geography of the scenarios.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import LogFormatter

from sim.model.kpi_catalogue import format_number
from sim.model.kpis import WAIT_STANDARD_DAYS
from sim.presentation.results_folder import ResultsFolder
from sim.presentation.style import DOUBLE_COLUMN_IN, source_note, styled


@styled
def postcode_variation(res: ResultsFolder) -> Figure:
    """(c) p92 wait per ICS, one row per scenario; ICSs grouped by region, sorted within it."""
    icss, _ = res.geography()
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
    source_note(fig, res.note("Bars: mean over replications"
                              + ("; dashed: 18 weeks." if standard_drawn else ".")))
    return fig


def _wrap(text: str) -> str:
    words = text.split()
    if len(text) <= 12 or len(words) == 1:
        return text
    half = math.ceil(len(words) / 2)
    return " ".join(words[:half]) + "\n" + " ".join(words[half:])


@styled
def unit_volume(res: ResultsFolder) -> Figure:
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
    for axis_ticks in (ax.xaxis.set_major_formatter, ax.xaxis.set_minor_formatter):
        axis_ticks(LogFormatter(labelOnlyBase=False))  # 60, 100, 200: not 6×10¹
    ax.set_yticks(range(len(services)), [res.service_name(s) for s in services])
    ax.set_ylim(len(services) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("Unit annual volume (patients per year, log scale)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, markerscale=2)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    source_note(fig, res.note("Dots: units that treated anyone (mean volume)."))
    return fig


@styled
def unit_map(res: ResultsFolder) -> Figure:
    """(h) ICS centroids (grey, sized by population) and units (sized by annual volume)."""
    icss, providers = res.geography()
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
    sizes = [biggest / 10, biggest / 2, biggest]  # reference sizes: shown as whole patients
    handles = [plt.scatter([], [], s=60 * v / biggest + 1.5, facecolor="white",
                           edgecolor="black", lw=0.6, label=f"{format_number(round(v))}/yr")
               for v in sizes]
    handles.append(plt.scatter([], [], s=8, color="#BBBBBB", label="ICS centroid"))
    fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False,
               title="Site annual volume (patients per year, all services)",
               bbox_to_anchor=(0.5, 0.1 / height), title_fontsize=7)
    fig.tight_layout(rect=(0, 0.75 / height, 1, 1))
    source_note(fig, res.note("No basemap: positions are longitude/latitude."))
    return fig
