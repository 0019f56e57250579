"""The comparison table of a report: every KPI per scenario as mean [95% CI], and the paired
difference to the baseline with its CI, marked where that CI excludes zero.

Built on `summarise` (per-scenario CIs) and `paired_differences` (common-random-number
differences); this module only joins and formats them.
"""

from __future__ import annotations

import math

import pandas as pd

from sim.analysis.compare import paired_differences
from sim.analysis.stats import summarise
from sim.model.kpi_catalogue import KPIS, format_interval, ids

# MODEL_SPEC section 5, overall scope, in the order of the spec's table (= catalogue order).
REPORT_KPIS = ids()
SIGNIFICANT = "*"
COLUMNS = ["kpi", "scenario", "n", "mean", "ci_low", "ci_high", "diff_mean", "diff_low",
           "diff_high", "rel_diff", "significant", "estimate", "difference"]


def comparison_table(kpis: pd.DataFrame, baseline: str,
                     kpi_order: tuple[str, ...] = REPORT_KPIS) -> pd.DataFrame:
    """One row per (KPI, scenario), overall scope, KPIs in spec order, scenarios in run order.

    The baseline's own difference columns are empty; `significant` is True where the paired
    difference's 95% CI excludes zero.
    """
    overall = kpis[kpis.scope == "overall"]
    scenarios = list(dict.fromkeys(overall.scenario))
    summary = summarise(overall).set_index(["kpi", "scenario"])
    diffs = paired_differences(overall, baseline)
    diffs = diffs.set_index(["kpi", "scenario"]) if len(diffs) else diffs
    present = set(overall.kpi)
    order = [k for k in kpi_order if k in present] + sorted(present - set(kpi_order))
    rows = []
    for kpi in order:
        for scenario in scenarios:
            if (kpi, scenario) not in summary.index:
                continue
            s = summary.loc[(kpi, scenario)]
            estimate = format_interval(kpi, s["mean"], s.ci_low, s.ci_high)
            row = {"kpi": kpi, "scenario": scenario, "n": int(s["n"]), "mean": s["mean"],
                   "ci_low": s.ci_low, "ci_high": s.ci_high, "diff_mean": math.nan,
                   "diff_low": math.nan, "diff_high": math.nan, "rel_diff": math.nan,
                   "significant": False, "estimate": estimate,
                   "difference": "baseline" if scenario == baseline else "-"}
            if scenario != baseline and (kpi, scenario) in diffs.index:
                d = diffs.loc[(kpi, scenario)]
                row.update(diff_mean=d.diff_mean, diff_low=d.diff_low, diff_high=d.diff_high,
                           rel_diff=d.rel_diff, significant=bool(d.significant))
                row["difference"] = (format_interval(kpi, d.diff_mean, d.diff_low, d.diff_high)
                                     + (f" {SIGNIFICANT}" if d.significant else ""))
            rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def wide_table(table: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Rows KPIs (id, then what a planner calls it, with its unit), columns scenarios
    (mean [CI]) then differences to the baseline."""
    scenarios = list(dict.fromkeys(table.scenario))
    out = table.pivot(index="kpi", columns="scenario", values="estimate")
    out = out.reindex(index=list(dict.fromkeys(table.kpi)), columns=scenarios)
    out.insert(0, "measure", [KPIS[k].table_label if k in KPIS else k for k in out.index])
    for scenario in scenarios:
        if scenario == baseline:
            continue
        diff = table[table.scenario == scenario].set_index("kpi").difference
        out[f"{scenario} − {baseline}"] = diff
    out.index.name = "KPI"
    return out.fillna("-").reset_index()


def to_markdown(table: pd.DataFrame, baseline: str, note: str = "") -> str:
    """The wide table as GitHub Markdown, with a legend for the significance mark."""
    wide = wide_table(table, baseline)
    lines = ["| " + " | ".join(wide.columns) + " |",
             "| " + " | ".join(["---", "---"] + ["---:"] * (len(wide.columns) - 2)) + " |"]
    for _, row in wide.iterrows():
        lines.append("| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |")
    legend = (f"\nMean [95% CI] across replications; differences are paired (common random "
              f"numbers) against `{baseline}`; {SIGNIFICANT} marks a difference whose 95% CI "
              f"excludes zero.")
    return "\n".join(lines) + "\n" + legend + (f" {note}" if note else "") + "\n"
