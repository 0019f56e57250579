"""Checks every run makes before its results are written: a violation is an error, not a warning.

* every referred patient is treated, still in the system, managed locally or counted as unmet;
* no negative waits or durations;
* cost components add up to the total.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.kpi_catalogue import COST_PARTS
from sim.model.records import MANAGED_LOCALLY, PENDING, TREATED, UNMET, RunResult


class InvariantError(RuntimeError):
    """The model broke one of its own accounting rules: a bug, never a user error."""


def check_invariants(res: RunResult, kpis: pd.DataFrame) -> None:
    """Raise InvariantError listing every rule that `res` and its KPI table break."""
    p, r = res.patients, res.records
    problems: list[str] = []
    status = r.status
    if not np.isin(status, [PENDING, MANAGED_LOCALLY, UNMET, TREATED]).all():
        problems.append("a patient has an unknown status")
    treated = status == TREATED
    if np.isnan(r.start[treated]).any() or not np.isnan(r.start[~treated]).all():
        problems.append("treatment start times disagree with patient status")
    if (status == UNMET).any() and np.isnan(r.decision[status == UNMET]).any():
        problems.append("an unmet patient has no access decision time")
    if (r.start[treated] < p.referral[treated] - 1e-9).any():
        problems.append("negative wait: a treatment started before its referral")
    esc = r.escalated
    if (r.esc_start[esc] < r.start[esc]).any():
        problems.append("an escalation started before the first treatment")
    done = ~np.isnan(r.discharge)
    if (r.discharge[done] < r.start[done]).any() or not treated[done].all():
        problems.append("a discharge precedes its treatment or has none")
    if (r.handover < 0).any():
        problems.append("negative hand-over delay")

    table = kpis.pivot_table(index=["scope", "key"], columns="kpi", values="value",
                             aggfunc="first")
    counts = table.dropna(subset=["referrals"])
    balance = counts.referrals - (counts.treated + counts.waiting_at_end + counts.unmet_need
                                  + counts.managed_locally)
    if (balance.abs() > 0).any() or (counts.waiting_at_end < 0).any():
        problems.append("referrals != treated + waiting_at_end + unmet_need + managed_locally")
    costs = table.dropna(subset=["cost_total_gbp"])
    parts = costs[list(COST_PARTS)]
    if not np.allclose(parts.sum(axis=1), costs.cost_total_gbp, rtol=1e-9, atol=1e-3):
        problems.append("cost components do not add up to cost_total_gbp")
    if (parts < 0).any().any():
        problems.append("a negative cost component")
    if problems:
        raise InvariantError(f"scenario {res.scenario.name!r}: " + "; ".join(problems))
