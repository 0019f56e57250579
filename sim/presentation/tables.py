"""The headline table a planner reads after a run: mean [95% CI] per scenario."""

from __future__ import annotations

import math

import pandas as pd
from rich.console import Console
from rich.table import Table

from sim.model.kpis import HEADLINE_KPIS

_MONEY = ("_gbp",)


def _fmt(value: float, kpi: str) -> str:
    if math.isnan(value):
        return "-"
    if kpi.endswith(_MONEY):
        return f"£{value / 1e6:,.1f}m"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.1f}"


def headline_table(summary: pd.DataFrame, replications: int) -> Table:
    """Rows: headline KPIs (overall scope); columns: scenarios, as 'mean [low, high]'."""
    overall = summary[summary.scope == "overall"]
    scenarios = list(dict.fromkeys(overall.scenario))
    table = Table(title=f"Headline KPIs, mean [95% CI] over {replications} replications")
    table.add_column("KPI")
    for name in scenarios:
        table.add_column(name, justify="right")
    for kpi in (*HEADLINE_KPIS, "p_overspend"):
        cells = []
        for name in scenarios:
            row = overall[(overall.scenario == name) & (overall.kpi == kpi)]
            if row.empty:
                cells.append("-")
                continue
            r = row.iloc[0]
            ci = "" if math.isnan(r.ci_low) else f" [{_fmt(r.ci_low, kpi)}, {_fmt(r.ci_high, kpi)}]"
            cells.append(_fmt(r["mean"], kpi) + ci)
        table.add_row(kpi, *cells)
    return table


def print_table(table: Table) -> None:
    Console(width=max(120, 30 * len(table.columns))).print(table)
