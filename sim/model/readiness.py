"""Readiness: delegation in the commissioning plan, gated per ICS (issue 17).

NHS England (2022): "Services will only be delegated where [ICBs] are ready". With
`mechanisms.readiness` on, an ICS that fails a criterion (minimum population, financial
position, capability score) keeps every delegated line of the plan in a joint arrangement
(`fallback`, an NHS England region by default) instead. This is a pure function of the plan,
applied once where the network reads the plan (`sim.model.network`), so dated plan entries
(delegation waves) are gated the same way as day-0 ones.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.config.arrangements import ARRANGEMENTS
from sim.config.mechanisms import Readiness
from sim.config.schema import ICS, Scenario
from sim.model.commissioning import CommissioningPlan, PlanEntry


def is_ready(ics: ICS, rules: Readiness) -> bool:
    """Whether `ics` meets every readiness criterion (a criterion without data passes)."""
    if ics.population < rules.min_population:
        return False
    money = rules.financial_position_gbp_m.get(ics.code)
    if (rules.min_financial_position_gbp_m is not None and money is not None
            and money < rules.min_financial_position_gbp_m):
        return False
    score = rules.capability_score.get(ics.code)
    return not (rules.min_capability_score is not None and score is not None
                and score < rules.min_capability_score)


def unready_icss(scenario: Scenario, icss: Sequence[ICS]) -> frozenset[str]:
    """Codes of the ICSs the readiness criteria hold back (none when the mechanism is off)."""
    rules = scenario.mechanisms.readiness
    if not rules.enabled:
        return frozenset()
    return frozenset(ics.code for ics in icss if not is_ready(ics, rules))


def gate_plan(plan: CommissioningPlan, scenario: Scenario,
              icss: Sequence[ICS]) -> CommissioningPlan:
    """`plan` with every delegated entry followed by one that keeps the unready ICSs it covers
    in the fallback arrangement (later entries win, so later dated entries still apply)."""
    unready = unready_icss(scenario, icss)
    if not unready:
        return plan
    fallback = scenario.mechanisms.readiness.fallback
    entries: list[PlanEntry] = []
    for entry in plan.entries:
        entries.append(entry)
        held = unready if entry.icss is None else entry.icss & unready
        if ARRANGEMENTS[entry.arrangement].delegated and held:
            entries.append(PlanEntry(entry.from_day, entry.service, fallback, held))
    return CommissioningPlan(tuple(entries))


def icss_delegated(plan: CommissioningPlan, lines: Sequence[str], icss: Sequence[ICS],
                   day: float = 0.0) -> int:
    """How many ICSs commission at least one of `lines` themselves (alone or jointly)."""
    return sum(any(ARRANGEMENTS[plan.arrangement(line, ics.code, day)].delegated
                   for line in lines) for ics in icss)
