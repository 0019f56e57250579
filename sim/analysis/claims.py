"""The claims ledger (issue 17): every claim of the delegation debate, its paired effect with a
95% CI in each scenario pair, a verdict, and the inputs the verdict is most sensitive to.

The claims are package data (`sim/data/claims/claims.csv`, described in its README.md): who
makes each claim, where, the mechanism that represents it, the KPIs that would show it and the
direction that would support it. A pair is a scenario against the baseline, read as the more
delegated against the less delegated scenario (so a claim about delegation reads the same
whichever of the two is the baseline). Verdicts:

* supported / contradicted: the paired 95% CI of the claim's first KPI excludes zero, in the
  direction that supports the claim or against it;
* not distinguishable from zero: the CI includes zero;
* not modelled in this scenario: no mechanism represents the claim, the mechanism does not act
  in either scenario (`modelled_when`), the pair is not the one the claim is about, or the KPI
  is not reported (a claim mechanism switched off).

Sensitivity comes from the shipped one-at-a-time sweep (`sim/data/claims/sensitivity.csv`,
docs/model.md section 10); a KPI it did not cover is "not assessed".
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import pandas as pd

from sim.analysis.compare import paired_differences
from sim.analysis.stats import summarise
from sim.config.arrangements import ARRANGEMENTS
from sim.config.errors import ConfigError, ConfigIssue
from sim.config.loader import value_at
from sim.config.schema import Commissioning
from sim.model.kpi_catalogue import KPIS, format_interval, format_value

Verdict = Literal["supported", "contradicted", "not distinguishable from zero",
                  "not modelled in this scenario"]
DIRECTIONS = ("increase", "decrease", "baseline_positive", "below_all_icss")
LOWER = ("decrease", "below_all_icss")  # directions a negative effect supports
SELECTIVE_SHARE = 0.5  # selective delegation: at most this share of service lines delegated
PAIRS = ("delegated_vs_national", "selective_vs_national", "collaborative_vs_ics", "readiness")
NOT_MODELLED: Verdict = "not modelled in this scenario"
NOT_ASSESSED = "not assessed"
SWEEP_NOTE = ("one-at-a-time sweep of ics_delegation - centralised, 2026-11-22, "
              "docs/model.md section 10")
COLUMNS = ["claim_id", "claim", "who", "stance", "source", "where", "mechanism", "scenario",
           "baseline", "kpi", "measure", "supports_if", "effect", "ci_low", "ci_high",
           "effect_text", "verdict", "other_kpis", "sensitive_to"]


def claims_dir() -> Path:
    """Folder of the shipped claims table (package data)."""
    return Path(str(resources.files("sim") / "data" / "claims"))


@dataclass(frozen=True)
class Claim:
    """One row of the claims table."""

    id: str
    claim: str
    who: str
    stance: str
    source: str
    where: str
    mechanism: str
    modelled_when: str
    kpis: tuple[str, ...]
    direction: str
    pair: str


def load_claims(path: Path | None = None) -> list[Claim]:
    """The claims table, checked: known KPIs, directions and pairs, unique ids."""
    path = path or claims_dir() / "claims.csv"
    issues: list[ConfigIssue] = []
    claims: list[Claim] = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            kpis = tuple(k for k in row["kpis"].split(";") if k)
            where = f"{row['id']} (line {line})"
            for kpi in kpis:
                if kpi not in KPIS:
                    issues.append(ConfigIssue(str(path), f"{where}.kpis",
                                              f"unknown KPI {kpi!r}; allowed: catalogue ids"))
            if row["direction"] not in DIRECTIONS:
                issues.append(ConfigIssue(str(path), f"{where}.direction",
                                          f"{row['direction']!r}; allowed: {list(DIRECTIONS)}"))
            if row["pair"] not in PAIRS:
                issues.append(ConfigIssue(str(path), f"{where}.pair",
                                          f"{row['pair']!r}; allowed: {list(PAIRS)}"))
            if any(c.id == row["id"] for c in claims):
                issues.append(ConfigIssue(str(path), f"{where}.id", "duplicate claim id"))
            claims.append(Claim(row["id"], row["claim"], row["who"], row["stance"],
                                row["source"], row["where"], row["mechanism"],
                                row["modelled_when"], kpis, row["direction"], row["pair"]))
    if issues:
        raise ConfigError(issues)
    return claims


def load_sensitivity(path: Path | None = None) -> pd.DataFrame:
    """The shipped sweep result: kpi, rank, input, difference at low and at high."""
    path = path or claims_dir() / "sensitivity.csv"
    if not path.is_file():
        return pd.DataFrame(columns=["kpi", "rank", "input", "difference_at_low",
                                     "difference_at_high"])
    return pd.read_csv(path)


def sensitive_to(kpi: str, sensitivity: pd.DataFrame) -> str:
    """'input (difference low to high); ...' from the shipped sweep, or 'not assessed'."""
    rows = sensitivity[sensitivity.kpi == kpi].sort_values("rank")
    if rows.empty:
        return NOT_ASSESSED
    parts = [f"{r.input} ({format_value(kpi, r.difference_at_low)} to "
             f"{format_value(kpi, r.difference_at_high)})" for r in rows.itertuples()]
    return "; ".join(parts) + f" [{SWEEP_NOTE}]"


def condition_holds(config: dict, expression: str) -> bool:
    """`always`, `never`, or alternatives joined by `|`: `path==value`, `path>number`, or
    `differ:path,path,...` (the values are not all equal: e.g. arrangements whose rules
    differ, so that a difference between scenarios can come from them)."""
    if expression in ("always", "never"):
        return expression == "always"
    for term in expression.split("|"):
        if term.startswith("differ:"):
            values = {repr(value_at(config, path.strip())) for path in term[7:].split(",")}
            if len(values) > 1:
                return True
        elif "==" in term:
            path, wanted = term.split("==", 1)
            value = value_at(config, path.strip())
            text = str(value).lower() if isinstance(value, bool) else str(value)
            if text == wanted.strip():
                return True
        elif ">" in term:
            path, bound = term.split(">", 1)
            value = value_at(config, path.strip())
            if isinstance(value, int | float) and value > float(bound):
                return True
        else:
            raise ValueError(f"modelled_when term {term!r}: expected path==value or path>n")
    return False


def arrangements(config: dict) -> list[str]:
    """The arrangement of every service and service group of a resolved config."""
    commissioning = Commissioning.model_validate(config.get("commissioning", {}))
    lines = {**(config.get("services") or {}), **(config.get("service_groups") or {})}
    return [commissioning.arrangement_for(sid, bool(line.get("delegable", True)))
            for sid, line in lines.items()]


def delegated_share(config: dict) -> float:
    found = arrangements(config)
    return sum(ARRANGEMENTS[a].delegated for a in found) / len(found) if found else 0.0


def orientation(pair: str, scenario: dict, baseline: dict) -> int:
    """+1: read scenario - baseline; -1: baseline - scenario; 0: the pair is not this claim's."""
    s, b = delegated_share(scenario), delegated_share(baseline)
    sign = -1 if b > s else 1
    if pair in ("delegated_vs_national", "readiness"):
        return sign
    if pair == "selective_vs_national":
        low, high = sorted((s, b))
        return sign if low == 0 and 0 < high <= SELECTIVE_SHARE else 0
    # joint committees of ICSs against single ICSs: read from the arrangements' footprints
    used = {name: {ARRANGEMENTS[a].footprint for a in arrangements(c)}
            for name, c in (("s", scenario), ("b", baseline))}
    if "joint_committee" in used["s"] and "one_ics" in used["b"]:
        return 1
    if "joint_committee" in used["b"] and "one_ics" in used["s"]:
        return -1
    return 0


def _judge(direction: str, low: float, high: float) -> Verdict:
    if math.isnan(low) or math.isnan(high) or low <= 0 <= high:
        return "not distinguishable from zero"
    up = low > 0
    return "supported" if up == (direction not in LOWER) else "contradicted"


def claims_ledger(kpis: pd.DataFrame, meta: dict, baseline: str,
                  claims: list[Claim] | None = None,
                  sensitivity: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per claim and scenario pair (each scenario against `baseline`)."""
    claims = load_claims() if claims is None else claims
    sensitivity = load_sensitivity() if sensitivity is None else sensitivity
    overall = kpis[kpis.scope == "overall"]
    configs = {n: e.get("config", {}) for n, e in meta.get("scenarios", {}).items()}
    diffs = paired_differences(overall, baseline) if overall.scenario.nunique() > 1 else None
    diff = ({} if diffs is None or diffs.empty else
            {(r.scenario, r.kpi): r for r in diffs.itertuples()})
    levels = summarise(overall).set_index(["scenario", "kpi"])
    icss = kpis[kpis.scope == "ics"].groupby("scenario").key.nunique()
    rows = []
    for scenario in (s for s in dict.fromkeys(overall.scenario) if s != baseline):
        s_config, b_config = configs.get(scenario, {}), configs.get(baseline, {})
        for claim in claims:
            sign = orientation(claim.pair, s_config, b_config)
            kpi = claim.kpis[0] if claim.kpis else ""
            modelled = (sign != 0 and bool(kpi)
                        and (condition_holds(s_config, claim.modelled_when)
                             or condition_holds(b_config, claim.modelled_when))
                        and (scenario, kpi) in diff)
            effect = low = high = math.nan
            verdict: Verdict = NOT_MODELLED
            if modelled:
                if claim.direction == "baseline_positive":
                    level = levels.loc[(baseline, kpi)]
                    effect, low, high = level["mean"], level.ci_low, level.ci_high
                elif claim.direction == "below_all_icss":  # the more delegated side's level
                    side = scenario if sign > 0 else baseline
                    level, n = levels.loc[(side, kpi)], float(icss.get(side, 0))
                    effect, low, high = level["mean"] - n, level.ci_low - n, level.ci_high - n
                else:
                    d = diff[(scenario, kpi)]
                    effect, low, high = sign * d.diff_mean, d.diff_low, d.diff_high
                    if sign < 0:
                        low, high = -high, -low
                verdict = _judge(claim.direction, low, high)
            rows.append({
                "claim_id": claim.id, "claim": claim.claim, "who": claim.who,
                "stance": claim.stance, "source": claim.source, "where": claim.where,
                "mechanism": claim.mechanism, "scenario": scenario, "baseline": baseline,
                "kpi": kpi, "measure": KPIS[kpi].table_label if kpi else "",
                "supports_if": _supports_if(claim, sign), "effect": effect,
                "ci_low": low, "ci_high": high,
                "effect_text": format_interval(kpi, effect, low, high) if modelled else "-",
                "verdict": verdict,
                "other_kpis": _others(claim, scenario, diff, sign) if modelled else "",
                "sensitive_to": sensitive_to(kpi, sensitivity) if modelled else NOT_ASSESSED,
            })
    return pd.DataFrame(rows, columns=COLUMNS)


def _supports_if(claim: Claim, sign: int) -> str:
    if claim.direction == "baseline_positive":
        return "above zero in the baseline"
    if claim.direction == "below_all_icss":
        return "fewer than all ICSs in the more delegated scenario"
    word = "higher" if claim.direction == "increase" else "lower"
    return f"{word} in the more delegated scenario" if sign >= 0 else f"{word} (reversed pair)"


def _others(claim: Claim, scenario: str, diff: dict, sign: int) -> str:
    """The claim's further KPIs: paired difference [95% CI], oriented like the verdict."""
    parts = []
    for kpi in claim.kpis[1:]:
        d = diff.get((scenario, kpi))
        if d is None:
            continue
        low, high = (d.diff_low, d.diff_high) if sign >= 0 else (-d.diff_high, -d.diff_low)
        parts.append(f"{kpi}: {format_interval(kpi, sign * d.diff_mean, low, high)}")
    return "; ".join(parts)
