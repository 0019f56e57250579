"""(i) and (j): maps of the ICSs shaded by what their residents get, one panel per scenario.

(i) access: the share of the ICS's referrals refused by the commissioner (unmet need), from 0;
(j) the difference from the baseline in the 92nd percentile wait of the ICS's residents,
paired by replication (common random numbers), on a diverging scale centred on zero, so an
ICS that gains is blue and one that loses is orange whatever the scenario.
Both read only the ICS-scope KPIs of a results folder; boundaries as in map (h).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import Colormap, ListedColormap, Normalize
from matplotlib.figure import Figure

from sim.presentation.map_figure import ATTRIBUTION, icb_boundaries, shade_icss
from sim.presentation.results_folder import ResultsFolder
from sim.presentation.style import DOUBLE_COLUMN_IN, source_note, styled

DIFFERENCE_KPI = "wait_p92_days"
# blue (better: shorter) to orange (worse), the Okabe-Ito pair, through white
DIVERGING = ListedColormap(np.vstack([
    np.linspace((0.0, 0.447, 0.698, 1), (1, 1, 1, 1), 128),
    np.linspace((1, 1, 1, 1), (0.835, 0.369, 0.0, 1), 128)]))


def _ics_rows(res: ResultsFolder, kpi: str) -> pd.DataFrame:
    rows = res.kpis[(res.kpis.scope == "ics") & (res.kpis.kpi == kpi)]
    return rows.pivot_table(index=["scenario", "replication"], columns="key", values="value",
                            aggfunc="first")


def refused_share_by_ics(res: ResultsFolder) -> pd.DataFrame:
    """Scenario x ICS: mean over replications of 100 x unmet need / referrals (%)."""
    unmet, referrals = _ics_rows(res, "unmet_need"), _ics_rows(res, "referrals")
    share = 100 * unmet / referrals.where(referrals > 0)
    return share.groupby(level="scenario", sort=False).mean()


def wait_difference_by_ics(res: ResultsFolder) -> pd.DataFrame:
    """Scenario (not the baseline) x ICS: mean over replications of the paired difference in
    the ICS's 92nd percentile wait against the baseline (days)."""
    wide = _ics_rows(res, DIFFERENCE_KPI)
    base = wide.xs(res.baseline, level="scenario")
    others = [n for n in res.names if n != res.baseline]
    diffs = {name: (wide.xs(name, level="scenario") - base).mean() for name in others}
    return pd.DataFrame(diffs).T


def _panels(res: ResultsFolder, values: pd.DataFrame, cmap: Colormap, norm: Normalize,
            label: str, title: str) -> Figure:
    icss, _ = res.geography()
    names = [n for n in res.names if n in values.index]
    cols = max(min(len(names), 4), 1)
    rows = max(math.ceil(len(names) / cols), 1)
    height = rows * DOUBLE_COLUMN_IN * 0.88 / cols * 1.25 + 0.9
    fig, axes = plt.subplots(rows, cols, figsize=(DOUBLE_COLUMN_IN, height), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        shade_icss(ax, icss, values.loc[name].to_dict(), cmap, norm, edge="#9A9A9A")
        ax.set_title(title.format(name=name), color=res.colours[name], fontsize=6.5)
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    fig.subplots_adjust(left=0.01, right=0.86, bottom=0.45 / height, top=1 - 0.45 / height,
                        wspace=0.02, hspace=0.15)
    cax = fig.add_axes((0.89, 0.25, 0.015, 0.5))
    bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), cax=cax)
    bar.set_label(label, fontsize=6.5)
    bar.ax.tick_params(labelsize=6)
    has_shapes = bool(icss) and all(i.code in icb_boundaries() for i in icss)
    source_note(fig, res.note((ATTRIBUTION if has_shapes else "No boundaries: ICS centroids.")
                              + " Grey: no value."))
    return fig


@styled
def access_map(res: ResultsFolder) -> Figure:
    """(i) Each ICS shaded by the share of its referrals refused by the commissioner."""
    values = refused_share_by_ics(res)
    top = float(np.nanmax(values.to_numpy())) if values.size else 0.0
    norm = Normalize(vmin=0.0, vmax=max(top, 1.0))
    cmap = ListedColormap(plt.get_cmap("Purples")(np.linspace(0.05, 0.85, 256)))
    return _panels(res, values, cmap, norm, "Referrals refused by the\ncommissioner (%)",
                   "{name}")


@styled
def wait_difference_map(res: ResultsFolder) -> Figure:
    """(j) Each ICS shaded by its residents' change in 92nd percentile wait against the
    baseline (a symmetric scale: zero is white)."""
    values = wait_difference_by_ics(res)
    if values.empty:  # one scenario only: nothing to compare, say so on an empty panel
        values = pd.DataFrame(index=[res.baseline], columns=[], dtype=float)
    reach = float(np.nanmax(np.abs(values.to_numpy()))) if values.size else 0.0
    reach = max(reach if np.isfinite(reach) else 0.0, 1.0)
    norm = Normalize(vmin=-reach, vmax=reach)
    return _panels(res, values, DIVERGING, norm,
                   f"Change in 92nd percentile wait\nagainst {res.baseline} (days)",
                   "{name} - " + res.baseline)
