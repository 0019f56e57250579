"""Commissioner budgets from an allocation rule (`finance.allocation`), not from the spend a
scenario itself expects: with `historic`, `fair_share` or `explicit`, a demand what-if meets a
fixed budget. Headroom is relative to the allocation. The quarterly budget review
(`Commissioners._budget_review`) reads the budgets set here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.config.finance import Allocation
from sim.config.schema import ICS
from sim.model.commissioning import Commissioner


@dataclass(frozen=True)
class BudgetLine:
    """One service or group: who commissions it for each ICS, and the spend per ICS expected
    under national rules at the scenario's demand (GBP a year at t = 0)."""

    id: str
    commissioner: np.ndarray
    expected: np.ndarray


def base_spend(line: BudgetLine, rule: Allocation) -> np.ndarray:
    """Base-year spend per ICS: the stated total (`base_spend_gbp`) shared like the expected
    spend, else the expected spend itself."""
    total = rule.base_spend_gbp.get(line.id)
    if total is None:
        return line.expected.copy()
    weights = line.expected.sum()
    return (total * line.expected / weights if weights > 0
            else np.zeros_like(line.expected))


def ics_allocations(lines: Sequence[BudgetLine], icss: Sequence[ICS], rule: Allocation
                    ) -> list[np.ndarray]:
    """Per line, the allocation per ICS (GBP a year at t = 0, before headroom)."""
    historic = [base_spend(line, rule) * (1.0 + rule.uplift) for line in lines]
    if rule.rule != "fair_share":
        return historic
    pop = np.array([ics.population for ics in icss], dtype=float)
    need = np.array([rule.need_index.get(ics.code, 1.0) for ics in icss])
    weights = pop * need / (pop * need).sum()
    out = []
    for h in historic:
        target = h.sum() * weights
        step = np.clip(target - h, -rule.pace_of_change * h, rule.pace_of_change * h)
        out.append(h + step)
    return out


def allocate_budgets(commissioners: Sequence[Commissioner], lines: Sequence[BudgetLine],
                     icss: Sequence[ICS], rule: Allocation) -> None:
    """Set each commissioner's `budget0` from the allocation rule (`scenario_spend` leaves the
    budgets the network was built with)."""
    if rule.rule == "scenario_spend":
        return
    allocated = np.zeros(len(commissioners))
    for line, per_ics in zip(lines, ics_allocations(lines, icss, rule), strict=True):
        np.add.at(allocated, line.commissioner, per_ics)
    for k, c in enumerate(commissioners):
        amount = allocated[k]
        if rule.rule == "explicit" and c.key in rule.amounts_gbp:
            amount = rule.amounts_gbp[c.key]
        c.budget0 = float(amount) * (1.0 + c.rules.budget_headroom)
