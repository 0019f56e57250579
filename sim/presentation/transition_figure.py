"""(n) KPIs through a commissioning transition: the number of commissioners paying for
specialised care and the waiting list, month by month, with the dates of the plan's changes
marked, for scenarios with a dated commissioning plan (`commissioning.plan`)."""

from __future__ import annotations

import datetime

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.model.kpi_catalogue import KPIS
from sim.presentation.results_folder import ResultsFolder
from sim.presentation.style import DOUBLE_COLUMN_IN, label, scale, source_note, styled

CAPTION = ("KPIs through the commissioning transition, month by month (mean and 95% CI over "
           "replications), with the dates of the plan's changes")
# the waiting list as NHS England publishes it (overall), then who pays
PANELS = ("waiting_list_end", "incomplete_pct_within_standard", "incomplete_p92_wait_days")


def plan_dates(res: ResultsFolder) -> list[tuple[datetime.date, str]]:
    """Every dated change of any scenario: (date, 'arrangement: what')."""
    found: dict[datetime.date, list[str]] = {}
    for scenario in res.scenarios.values():
        start = scenario.run.start_date
        for step in scenario.commissioning.plan:
            if step.from_ > start:
                where = ", ".join(step.regions) if step.regions else (
                    f"{len(step.icss)} ICSs" if step.icss else "all ICSs")
                text = f"{step.arrangement} ({where})"
                if text not in found.setdefault(step.from_, []):
                    found[step.from_].append(text)
    return sorted((day, "; ".join(texts)) for day, texts in found.items())


def _band(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean and normal 95% CI over replications, per month end."""
    stats = frame.groupby("date").value.agg(["mean", "std", "count"])
    half = 1.96 * stats["std"].fillna(0.0) / np.sqrt(stats["count"])
    mean = stats["mean"].to_numpy()
    return pd.DataFrame({"mean": mean, "low": mean - half.to_numpy(),
                         "high": mean + half.to_numpy()}, index=pd.to_datetime(stats.index))


@styled
def transition_figure(res: ResultsFolder, timeseries: pd.DataFrame) -> Figure:
    """(n) One panel per KPI, every scenario a line with its CI band; wave dates dashed."""
    dates = plan_dates(res)
    overall = timeseries[timeseries.scope == "overall"]
    paying = timeseries[(timeseries.scope == "commissioning") & (timeseries.key == "all")
                        & (timeseries.kpi == "commissioners_paying")]
    fig, axes = plt.subplots(len(PANELS) + 1, 1, figsize=(DOUBLE_COLUMN_IN, 6.4), sharex=True)
    for ax, kpi in zip(axes, ("commissioners_paying", *PANELS), strict=True):
        source = paying if kpi == "commissioners_paying" else overall[overall.kpi == kpi]
        factor = 1.0 if kpi == "commissioners_paying" else scale(kpi)
        for name in res.names:
            rows = source[source.scenario == name]
            if rows.empty:
                continue
            band = _band(rows)
            colour = res.colours[name]
            ax.plot(band.index, band["mean"] * factor, color=colour, lw=1.2, label=name)
            low, high = KPIS[kpi].bounds if kpi in KPIS else (0.0, np.inf)
            ax.fill_between(band.index, band["low"].clip(low, high) * factor,
                            band["high"].clip(low, high) * factor, color=colour, alpha=0.2,
                            lw=0)
        ax.set_ylabel("Commissioners\npaying" if kpi == "commissioners_paying"
                      else label(kpi).replace(" (", "\n("), fontsize=6.5)
        for day, _ in dates:
            ax.axvline(pd.Timestamp(day), color="black", lw=0.6, ls="--")
    for k, (day, text) in enumerate(dates):  # staggered, so neighbouring labels do not meet
        axes[0].annotate(f"{day:%b %Y}: {text}", (pd.Timestamp(day), 1.0),
                         xycoords=("data", "axes fraction"), fontsize=5.5, ha="left",
                         va="bottom", xytext=(2, 2 + 8 * (k % 2)), textcoords="offset points")
    axes[1].legend(loc="best", frameon=False, fontsize=6)  # every scenario has a waiting list
    axes[-1].set_xlabel("Month end")
    fig.tight_layout(rect=(0, 0.05, 1, 0.95))
    source_note(fig, res.note("Lines: mean over replications; bands: 95% CI; dashed: the "
                              "dates of the commissioning plan's changes."))
    return fig
