"""What a report leads with: one sentence per headline KPI and scenario, a glossary of every
KPI, and what the answer depends on.

Sentences are generated from the comparison table (`sim.analysis.tables.comparison_table`):
the direction of the paired difference, whether that is better or worse (the catalogue's
`direction`), and whether its 95% CI excludes zero. Nothing here names a KPI: labels, units,
directions and the number format come from `sim.model.kpi_catalogue`.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any

import pandas as pd

from sim.config.loader import value_at
from sim.model.kpi_catalogue import CATALOGUE, HEADLINE_KPIS, KPIS, Kpi, format_value
from sim.presentation.names import scenario_title

DIRECTION_WORDS = {"higher_is_better": "higher is better", "higher_is_worse": "lower is better",
                   "neutral": "neither (context)"}
GROUP_WORDS = {"patient": "Patients", "waiting": "Waiting list", "cost": "Cost",
               "system": "System"}
SCOPE_WORDS = {"overall": "England", "service": "service", "ics": "home ICS",
               "commissioner": "commissioner", "unit": "unit"}
# The inputs the sensitivity sweep (docs/model.md section 10, scenarios/sweeps/sensitivity.yaml)
# found to decide the answer, and what they decide.
DRIVERS = {
    "pathway.handover_delay_days":
        "whether delegation shortens waits (at 2 days the wait advantage disappears; at 14 days "
        "it is about four times larger)",
    "commissioning.ics.localise.threshold_share_of_min_volume":
        "how much treatment in below-minimum-volume units, adverse outcomes and extra cost "
        "delegation brings (when an ICS opens its own unit)",
}


def _points(kpi: Kpi) -> str:
    """The unit a difference is read in: percentage points for a %, else the KPI's unit."""
    if kpi.unit == "%":
        return " percentage points"
    if kpi.money or kpi.unit in ("ratio", "share", "probability"):
        return ""
    return f" {kpi.unit}"


def _level(kpi: Kpi, value: float) -> str:
    text = format_value(kpi, value)
    if kpi.money or kpi.unit in ("ratio", "share", "probability"):
        return text
    return f"{text}%" if kpi.unit == "%" else f"{text} {kpi.unit}"


def verdict(kpi: Kpi, diff: float, significant: bool) -> str:
    """'better', 'worse', 'changed' (neutral KPI) or 'no clear difference'."""
    if not significant or diff == 0 or math.isnan(diff):
        return "no clear difference"
    if kpi.direction == "neutral":
        return "changed"
    better = (diff < 0) == (kpi.direction == "higher_is_worse")
    return "better" if better else "worse"


def sentence(kpi: Kpi, scenario: str, baseline: str, row: Any) -> str:
    """One sentence: what `scenario` does to `kpi` compared with `baseline`."""
    base, mean = float(row["baseline_mean"]), float(row["mean"])
    diff, low, high = (float(row[c]) for c in ("diff_mean", "diff_low", "diff_high"))
    who = scenario_title(scenario)
    what = kpi.label if kpi.label[1:2].isupper() else kpi.label[0].lower() + kpi.label[1:]
    ci = (f"[{format_value(kpi, low)}, {format_value(kpi, high)}]"
          if not math.isnan(low) else "(no CI: one replication)")
    if not bool(row["significant"]):
        return (f"No clear difference in {what}: {_level(kpi, base)} under "
                f"{scenario_title(baseline)}, {_level(kpi, mean)} under {who} (difference "
                f"{format_value(kpi, diff)}{_points(kpi)}, 95% CI {ci} includes zero).")
    days = kpi.unit == "days"
    verb = ("shortens" if days else "lowers") if diff < 0 else ("lengthens" if days else "raises")
    judged = verdict(kpi, diff, True)
    tail = "" if judged == "changed" else f" ({judged})"
    return (f"{who[0].upper() + who[1:]} {verb} {what} from {_level(kpi, base)} to "
            f"{_level(kpi, mean)}: {'+' if diff > 0 else ''}{format_value(kpi, diff)}"
            f"{_points(kpi)}, 95% CI {ci}"
            f"{tail}.")


def headline_rows(table: pd.DataFrame, baseline: str,
                  kpis: tuple[str, ...] = HEADLINE_KPIS) -> pd.DataFrame:
    """One row per (scenario, headline KPI) with its sentence and verdict, from the comparison
    table (long form: kpi, scenario, mean, diff_*, significant)."""
    base = table[table.scenario == baseline].set_index("kpi")["mean"]
    rows = []
    for scenario in dict.fromkeys(table.scenario):
        if scenario == baseline:
            continue
        own = table[table.scenario == scenario].set_index("kpi")
        for kpi_id in kpis:
            if kpi_id not in own.index or kpi_id not in base.index:
                continue
            r = own.loc[kpi_id].copy()
            r["baseline_mean"] = base[kpi_id]
            kpi = KPIS[kpi_id]
            rows.append({"scenario": scenario, "measure": kpi.table_label, "kpi": kpi_id,
                         "baseline": format_value(kpi, base[kpi_id]),
                         "scenario_value": format_value(kpi, r["mean"]),
                         "difference": r.difference,
                         "verdict": verdict(kpi, r.diff_mean, bool(r.significant)),
                         "sentence": sentence(kpi, scenario, baseline, r)})
    return pd.DataFrame(rows, columns=["scenario", "measure", "kpi", "baseline",
                                       "scenario_value", "difference", "verdict", "sentence"])


def summary_sentence(rows: pd.DataFrame, scenario: str, baseline: str) -> str:
    """'Compared with X, Y is better on 2 headline measures (...), worse on 3 (...), ...'."""
    own = rows[rows.scenario == scenario]
    parts = []
    for word, label in (("better", "better on"), ("worse", "worse on"),
                        ("changed", "different (neither better nor worse) on"),
                        ("no clear difference", "not clearly different on")):
        measures = [KPIS[k].label for k in own[own.verdict == word].kpi]
        if measures:
            parts.append(f"{label} {len(measures)} ({', '.join(measures)})")
    who = scenario_title(scenario)
    body = "; ".join(parts) if parts else "not compared on any headline measure"
    return (f"Compared with {scenario_title(baseline)}, {who} is {body} of the "
            f"{len(own)} headline measures.")


def glossary() -> pd.DataFrame:
    """Every KPI of the catalogue: what a planner reads, its unit, which way is better."""
    rows = [{"measure": k.label, "unit": k.display_unit or k.unit,
             "which way is better": DIRECTION_WORDS[k.direction],
             "group": GROUP_WORDS.get(k.group, k.group),
             "reported per": ", ".join(SCOPE_WORDS.get(s, s) for s in k.scopes),
             "headline": "yes" if k.headline else "", "column id": k.id}
            for k in CATALOGUE]
    return pd.DataFrame(rows)


def provenance(config: dict) -> Counter:
    """How many service parameters of a resolved scenario are cited, derived, illustrative."""
    counts: Counter = Counter()
    for service in (config.get("services") or {}).values():
        for note in (service.get("sources") or {}).values():
            counts[str(note).split(":", 1)[0].strip()] += 1
    return counts


def depends_on(meta: dict, baseline: str) -> tuple[pd.DataFrame, str]:
    """The drivers with their value in each scenario, and a sentence on the share of cited
    parameters (of the baseline's resolved services)."""
    scenarios = meta.get("scenarios", {})
    rows = []
    for path, why in DRIVERS.items():
        row = {"input": path, "decides": why}
        for name, entry in scenarios.items():
            value = value_at(entry.get("config", {}), path)
            row[name] = "-" if value is None else json.dumps(value)
        rows.append(row)
    counts = provenance(scenarios.get(baseline, {}).get("config", {}))
    total = sum(counts.values())
    if total:
        share = ", ".join(f"{counts[s]} {s} ({100 * counts[s] / total:.0f}%)"
                          for s in ("cited", "derived", "illustrative"))
        text = (f"Of the {total} service parameters behind every headline number, {share}. "
                "Read directions and relative sizes, not absolute numbers; replace "
                "illustrative values with local data before quoting figures.")
    else:
        text = "The scenarios carry no source notes: treat every input as illustrative."
    return pd.DataFrame(rows), text
