"""The headline table a planner reads after a run: mean [95% CI] per scenario."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.table import Table

from sim.model.kpi_catalogue import CATALOGUE, HEADLINE_KPIS, format_interval

# The headline KPIs, then the probabilities (overspend): a planner asks for both after a run,
# but a probability has no relative precision, so it is not a headline KPI of --precision.
RUN_TABLE_KPIS = (*HEADLINE_KPIS, *(k.id for k in CATALOGUE if k.indicator))


def headline_table(summary: pd.DataFrame, replications: int) -> Table:
    """Rows: headline KPIs (overall scope); columns: scenarios, as 'mean [low, high]'."""
    overall = summary[summary.scope == "overall"]
    scenarios = list(dict.fromkeys(overall.scenario))
    table = Table(title=f"Headline KPIs, mean [95% CI] over {replications} replications")
    table.add_column("KPI")
    for name in scenarios:
        table.add_column(name, justify="right")
    for kpi in RUN_TABLE_KPIS:
        cells = []
        for name in scenarios:
            row = overall[(overall.scenario == name) & (overall.kpi == kpi)]
            if row.empty:
                cells.append("-")
                continue
            r = row.iloc[0]
            cells.append(format_interval(kpi, r["mean"], r.ci_low, r.ci_high))
        table.add_row(kpi, *cells)
    return table


def print_table(table: Table) -> None:
    Console(width=max(120, 30 * len(table.columns))).print(table)
