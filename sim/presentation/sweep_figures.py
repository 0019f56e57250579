"""The sweep plots, drawn from a sweep's tidy table (`sweep.parquet`): a line per scenario
against each swept parameter, a heatmap over a two-parameter grid, and tornado plots of a
one-at-a-time design (of each scenario's value and of the paired difference between scenarios).

Every function takes the table and returns a matplotlib Figure; `sweep_figures` picks the plots
that fit the design and saves them (`style.save`). Nothing here runs the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.stats import t_interval
from sim.model.kpi_catalogue import format_number
from sim.presentation.style import (
    DOUBLE_COLUMN_IN,
    SINGLE_COLUMN_IN,
    label,
    save,
    scale,
    scenario_colours,
    source_note,
    styled,
)

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
            ax.text(j, i, format_number(v), ha="center", va="center", fontsize=6,
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
        ax.set_xlabel(f"Change in {what} from base ({format_number(base)}):\n{label(kpi)}")
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
