"""(h) The map: ICB boundaries (ONS, OGL; package data, see scripts/build_icb_boundaries.py)
shaded by the 92nd percentile wait of the ICS's residents, with the units as points sized by
annual volume and ringed in red where below the service's minimum volume.

No GIS library is needed: the boundaries are a small GeoJSON of longitude/latitude polygons
drawn with matplotlib. A geography without boundaries (a scenario's own ICS list) falls back to
ICS centroids.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.colors import Colormap, ListedColormap, Normalize
from matplotlib.figure import Figure

from sim.config.geography import builtin_dir
from sim.config.schema import ICS
from sim.model.kpi_catalogue import KPIS, format_number
from sim.presentation.results_folder import ResultsFolder
from sim.presentation.style import DOUBLE_COLUMN_IN, source_note, styled

MAP_KPI = "wait_p92_days"
BELOW_MIN = "#C0392B"
ATTRIBUTION = "Boundaries: ONS ICB Apr 2023 (OGL v3.0; contains OS data © Crown copyright 2023)."


@lru_cache(maxsize=1)
def icb_boundaries() -> dict[str, list[np.ndarray]]:
    """ICB code -> outer rings as (lon, lat) arrays; empty if the file is missing."""
    path = builtin_dir() / "icb_boundaries.geojson"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {f["properties"]["code"]: [np.asarray(poly[0]) for poly in
                                      f["geometry"]["coordinates"]]
            for f in data["features"]}


def shade_icss(ax: Axes, icss: Sequence[ICS], values: Mapping[str, float], cmap: Colormap,
               norm: Normalize, edge: str = "white") -> None:
    """Draw each ICS's boundary shaded by `values[code]` (light grey where missing); without
    boundaries (a scenario's own ICS list) a dot per ICS centroid in the same colours."""
    shapes = icb_boundaries()
    colour = {i.code: "#EEEEEE" if np.isnan(values.get(i.code, np.nan))
              else cmap(norm(values[i.code])) for i in icss}
    if icss and all(i.code in shapes for i in icss):
        polys = [(ring, colour[i.code]) for i in icss for ring in shapes[i.code]]
        ax.add_collection(PolyCollection([p for p, _ in polys], facecolors=[c for _, c in polys],
                                         edgecolors=edge, linewidths=0.3))
    else:
        ax.scatter([i.lon for i in icss], [i.lat for i in icss], s=30,
                   color=[colour[i.code] for i in icss], edgecolor="#777777", lw=0.4)
    lat0 = float(np.mean([i.lat for i in icss])) if icss else 52.0
    ax.set_aspect(1 / math.cos(math.radians(lat0)))
    ax.autoscale_view()
    ax.set_axis_off()


def _unit_points(res: ResultsFolder):
    """Per scenario: the units' mean annual volume and below-minimum flag, with positions."""
    _, providers = res.geography()
    where = {p.code: (p.lon, p.lat) for p in providers}
    units = res.kpis[(res.kpis.scope == "unit") & (res.kpis.kpi == "unit_volume_median")]
    vol = units.groupby(["scenario", "key"], sort=False).value.mean().reset_index()
    vol = vol[vol.value > 0]
    service = vol.key.str.split("/").str[0]
    provider = vol.key.str.split("/").str[1]
    minimum = {}
    for scenario in res.scenarios.values():
        minimum.update({s: spec.min_unit_volume for s, spec in scenario.services.items()})
    vol["below"] = [v < minimum.get(s, 0.0) for v, s in zip(vol.value, service, strict=True)]
    xy = np.array([where.get(p, (np.nan, np.nan)) for p in provider]).reshape(-1, 2)
    vol["lon"], vol["lat"] = xy[:, 0], xy[:, 1]
    vol["provider"] = provider
    return vol


@styled
def unit_map(res: ResultsFolder) -> Figure:
    """(h) One map per scenario: ICBs shaded by p92 wait, units by volume and below-minimum."""
    icss, _ = res.geography()
    shapes = icb_boundaries()
    has_shapes = bool(icss) and all(i.code in shapes for i in icss)
    ics_kpi = res.kpis[(res.kpis.scope == "ics") & (res.kpis.kpi == MAP_KPI)]
    means = ics_kpi.groupby(["scenario", "key"]).value.mean()
    norm = Normalize(vmin=0.0, vmax=max(float(means.max()) if len(means) else 1.0, 1.0))
    # light greys, so the units' scenario colours stand out on every shade
    cmap = ListedColormap(plt.get_cmap("Greys")(np.linspace(0.05, 0.6, 256)))
    points = _unit_points(res)
    names = res.names
    cols = min(len(names), 4)
    rows = math.ceil(len(names) / cols)
    height = rows * DOUBLE_COLUMN_IN * 0.88 / cols * 1.25 + 1.1
    fig, axes = plt.subplots(rows, cols, figsize=(DOUBLE_COLUMN_IN, height), squeeze=False)
    biggest = max(float(points.value.max()), 1.0) if len(points) else 1.0
    lat0 = float(np.mean([i.lat for i in icss])) if icss else 52.0
    for ax, name in zip(axes.flat, names, strict=False):
        if has_shapes:
            shade_icss(ax, icss, {i.code: means.get((name, i.code), np.nan) for i in icss},
                       cmap, norm)
        else:
            ax.scatter([i.lon for i in icss], [i.lat for i in icss], s=10, color="#BBBBBB",
                       lw=0)
        own = points[points.scenario == name]
        ax.scatter(own.lon, own.lat, s=40 * own.value / biggest + 1.0,
                   color=res.colours[name], alpha=0.75, lw=0.6,
                   edgecolor=[BELOW_MIN if b else "white" for b in own.below])
        sites = own.provider.nunique()
        below = int(own.below.sum())
        ax.set_title(f"{name}\n{len(own)} units at {sites} sites\n{below} below min. volume",
                     color=res.colours[name], fontsize=6.5)
        ax.set_aspect(1 / math.cos(math.radians(lat0)))
        ax.autoscale_view()
        ax.set_axis_off()
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    sizes = [biggest / 10, biggest / 2, biggest]
    handles = [plt.scatter([], [], s=40 * v / biggest + 1.0, facecolor="white",
                           edgecolor="black", lw=0.6, label=f"{format_number(round(v))}/yr")
               for v in sizes]
    handles.append(plt.scatter([], [], s=12, facecolor="white", edgecolor=BELOW_MIN, lw=1.0,
                               label="below min. volume"))
    fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False,
               title="Service unit annual volume (patients per year)",
               bbox_to_anchor=(0.5, 0.3 / height), title_fontsize=7)
    fig.subplots_adjust(left=0.01, right=0.88, bottom=0.9 / height, top=1 - 0.55 / height,
                        wspace=0.02, hspace=0.15)
    if has_shapes:
        cax = fig.add_axes((0.9, 0.3, 0.015, 0.45))
        bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), cax=cax)
        bar.set_label(f"{KPIS[MAP_KPI].axis_label}\nof the ICS's residents", fontsize=6.5)
        bar.ax.tick_params(labelsize=6)
    source_note(fig, res.note("Units: mean annual volume over replications. "
                              + (ATTRIBUTION if has_shapes else "No boundaries: ICS centroids.")))
    return fig
