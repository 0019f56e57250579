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

from sim.model.kpis import WAIT_STANDARD_DAYS
from sim.presentation.names import short_ics
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
    fig, axes = plt.subplots(len(names), 1, figsize=(DOUBLE_COLUMN_IN, 0.95 * len(names) + 1.8),
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
    names_of = {i.code: short_ics(i.name) for i in icss}
    if len(order) <= 12:  # few ICSs: name and region under each bar
        bottom.set_xticks(x, [f"{_wrap(names_of.get(k, k))}\n({regions[j]})"
                              for j, k in enumerate(order)], fontsize=6)
    else:  # every ICS named under its bar; regions named above the top row
        bottom.set_xticks(x, [names_of.get(k, k) for k in order], fontsize=5, rotation=90)
        top_ax = axes[0, 0]
        for s, e in zip(starts, ends, strict=True):
            top_ax.text((s + e - 1) / 2, 1.02, _wrap(regions[s]), fontsize=5.5, ha="center",
                        va="bottom", transform=top_ax.get_xaxis_transform(), color="#333333")
    bottom.tick_params(axis="x", length=0)
    bottom.set_xlim(-0.6, len(order) - 0.4)
    bottom.set_xlabel("ICSs grouped by NHS region (within a region: sorted by the baseline's "
                      "p92 wait)")
    if len(order) > 12:
        axes[0, 0].set_title(names[0], loc="left", color=res.colours[names[0]],
                             fontweight="bold", pad=14)
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
