"""The money figures of the report, drawn from `finance.parquet` and `providers.parquet`:
(i) spend against allocation per commissioner level (a fan of replications and
commissioners, by financial year), (j) overspend against the population a budget covers (the
pooling effect), (k) provider margins. Absent tables (older results folders): no figures."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.analysis.finance import LEVEL_ORDER, finance_summary
from sim.presentation.results_folder import ResultsFolder
from sim.presentation.style import DOUBLE_COLUMN_IN, save, source_note, styled

FINANCE_FIGURES = {
    "k_finance_fan": "Spend as a share of allocation per commissioner level: median, 50% and "
                     "90% bands over commissioners and replications, by financial year",
    "l_overspend_by_size": "Overspend (% of allocation) of each commissioner-year against the "
                           "population its budget covers",
    "m_provider_margins": "Provider margins: income less cost as % of income, per trust-year",
}
LEVEL_NAMES = {"national": "NHSE national", "regional": "NHSE region",
               "collaborative": "Collaborative", "ics": "ICS"}


@styled
def finance_fan(res: ResultsFolder, finance: pd.DataFrame) -> Figure:
    levels = [lv for lv in LEVEL_ORDER if lv in set(finance.level)]
    fig, axes = plt.subplots(1, len(levels), figsize=(DOUBLE_COLUMN_IN, 2.4), sharey=True,
                             squeeze=False)
    for ax, level in zip(axes[0], levels, strict=True):
        for offset, name in enumerate(res.names):
            f = finance[(finance.level == level) & (finance.scenario == name)
                        & finance.spend_over_allocation.notna()]
            if f.empty:
                continue
            years = sorted(f.year.unique())
            q = np.array([np.nanpercentile(100 * (f[f.year == y].spend_over_allocation - 1),
                                           [5, 25, 50, 75, 95]) for y in years])
            x = np.array(years) + 0.12 * (offset - (len(res.names) - 1) / 2)
            colour = res.colours[name]
            ax.vlines(x, q[:, 0], q[:, 4], color=colour, lw=1.0, alpha=0.5)
            ax.vlines(x, q[:, 1], q[:, 3], color=colour, lw=3.5, alpha=0.8)
            ax.plot(x, q[:, 2], "o", color="white", mec=colour, ms=3.5)
        ax.axhline(0, color="black", lw=0.7)
        ax.set_title(LEVEL_NAMES.get(level, level))
        ax.set_xlabel("Financial year after warm-up")
        years = sorted(finance.year.unique())
        ax.set_xticks(years)
        ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
    axes[0][0].set_ylabel("Spend over allocation (%)")
    handles = [Line2D([], [], marker="o", color=res.colours[n], mfc="white", ls="", label=n)
               for n in res.names]
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.06),
               ncol=len(handles), frameon=False, fontsize=6)
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    source_note(fig, res.note("Thick: 25th-75th percentile; thin: 5th-95th; dot: median."))
    return fig


@styled
def overspend_by_size(res: ResultsFolder, finance: pd.DataFrame) -> Figure:
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN_IN * 0.6, 2.6))
    finance = finance[finance.spend_over_allocation.notna() & (finance.population > 0)]
    for name in res.names:
        f = finance[finance.scenario == name]
        ax.scatter(f.population, 100 * (f.spend_over_allocation - 1), s=6, alpha=0.6,
                   color=res.colours[name], label=name, lw=0)
    if len(finance):
        ax.set_xscale("log")
    else:
        ax.text(0.5, 0.5, "no budgets (no tariffs)", ha="center", transform=ax.transAxes)
    ax.axhline(0, color="black", lw=0.7)
    ax.set_xlabel("Population the budget covers (log scale)")
    ax.set_ylabel("Overspend (% of allocation)")
    ax.legend(frameon=False, fontsize=6)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    source_note(fig, res.note("One dot per commissioner and financial year of a replication."))
    return fig


@styled
def provider_margins(res: ResultsFolder, providers: pd.DataFrame) -> Figure:
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN_IN * 0.6, 2.4))
    data, names = [], []
    for name in res.names:
        f = providers[(providers.scenario == name) & (providers.income_gbp > 0)]
        data.append(100 * f.margin_gbp / f.income_gbp)
        names.append(name)
    ax.boxplot(data, orientation="horizontal", showfliers=False)
    ax.set_yticks(range(1, len(names) + 1), names)
    ax.axvline(0, color="black", lw=0.7)
    ax.set_xlabel("Margin: (income - cost) / income (%)")
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    source_note(fig, res.note("Boxes: quartiles; whiskers: 1.5 IQR; trusts with income."))
    return fig


def finance_tables(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """finance and providers tables of a results folder, or None if it has none."""
    paths = [folder / "finance.parquet", folder / "providers.parquet"]
    if not all(p.is_file() for p in paths):
        return None
    return pd.read_parquet(paths[0]), pd.read_parquet(paths[1])


def finance_figures(res: ResultsFolder, folder: Path, out: Path) -> dict[str, list[Path]]:
    """Draw and save figures (k)-(m) when the results folder has the money tables."""
    tables = finance_tables(folder)
    if tables is None or tables[0].empty:
        return {}
    finance, providers = tables
    out.mkdir(parents=True, exist_ok=True)
    drawn = {"k_finance_fan": lambda: finance_fan(res, finance),
             "l_overspend_by_size": lambda: overspend_by_size(res, finance),
             "m_provider_margins": lambda: provider_margins(res, providers)}
    return {stem: save(draw(), out, stem) for stem, draw in drawn.items()}


def finance_view(finance: pd.DataFrame) -> pd.DataFrame:
    """The report's money table: per scenario and level, p_overspend with its Wilson
    interval, mean overspend, value at risk and CV, formatted."""
    s = finance_summary(finance)
    return pd.DataFrame({
        "scenario": s.scenario, "level": s.level.map(lambda v: LEVEL_NAMES.get(v, v)),
        "commissioner-years": s.commissioner_years,
        "P(overspend) [95% CI]": [f"{p:.2f} [{lo:.2f}, {hi:.2f}]" for p, lo, hi in
                                  zip(s.p_overspend, s.p_overspend_low, s.p_overspend_high,
                                      strict=True)],
        "overspend % of allocation": s.overspend_pct.round(2),
        "95th pct overspend (£m)": (s.var95_overspend_gbp / 1e6).round(1),
        "CV of spend/allocation": s.cv_spend_over_allocation.round(4),
    })
