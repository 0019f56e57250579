"""The KPIs of the claim mechanisms (issue 17), reported only when their mechanism is on.

Each KPI's catalogue row names its mechanism (`Kpi.mechanism`); a scenario without the
mechanism emits no row for it, so switching a mechanism off leaves every table exactly as it
was. Called by `sim.model.kpis.replication_kpis` for the overall and service scopes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.readiness import icss_delegated
from sim.model.records import RunResult
from sim.model.research import research_active, tertiary_units


def _share(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole > 0 else float("nan")


def _prevention(res: RunResult, service: int | None) -> dict[str, float]:
    """`incidence_change_pct`: specialised referrals of the cohort prevention took away, as a
    % change on what they would have been (0 when nothing is prevented)."""
    p, gone = res.patients, res.prevented
    w, t = res.warmup, res.horizon
    mine = np.ones(len(p), dtype=bool) if service is None else p.service == service
    after = int(((p.referral >= w) & (p.referral < t) & ~p.local & mine).sum())
    took = (gone.referral >= w) & (gone.referral < t)
    if service is not None:
        took &= gone.service == service
    prevented = int(took.sum())
    # prevented referrals are gone (`referrals`) or managed locally (`local_management`): in
    # both cases outside `after`, which they would have joined without prevention
    return {"incidence_change_pct": 0.0 - _share(prevented, after + prevented)}


def _research(res: RunResult, unit_starts: np.ndarray, units: list[int],
              overall: bool) -> dict[str, float]:
    rules = res.scenario.mechanisms.research
    years = (res.horizon - res.warmup) / 365.0
    active = research_active(res.network, rules, unit_starts, years)[units]
    starts = unit_starts[units].astype(float)
    recruits = rules.recruitment_share * starts * active
    out = {"patients_in_research_active_units_pct": _share(float((starts * active).sum()),
                                                           float(starts.sum())),
           "trial_recruits": float(recruits.sum())}
    if overall:
        tertiary = tertiary_units(res.network)[units]
        out["trial_recruits_tertiary_pct"] = _share(float(recruits[tertiary].sum()),
                                                    float(recruits.sum()))
    return out


def _access_range(cohort: pd.DataFrame) -> dict[str, float]:
    """`access_rate_range_between_ics`: highest minus lowest share of decided referrals
    accepted, across home ICSs (a proportion)."""
    decided = cohort[cohort.decided]
    access = 1.0 - decided.groupby("ics").unmet.mean().to_numpy()
    value = float(access.max() - access.min()) if len(access) else float("nan")
    return {"access_rate_range_between_ics": value}


def mechanism_kpis(res: RunResult, cohort: pd.DataFrame, unit_starts: np.ndarray,
                   units: list[int], service: int | None = None) -> dict[str, float]:
    """The KPIs of every mechanism switched on in `res.scenario`, for the whole run
    (`service` None) or one service (its `units`)."""
    m = res.scenario.mechanisms
    out: dict[str, float] = {}
    if m.prevention.enabled:
        out.update(_prevention(res, service))
    if m.research.enabled:
        out.update(_research(res, unit_starts, units, service is None))
    if m.standards.enabled:
        out.update(_access_range(cohort))
    if m.readiness.enabled and service is None:
        net = res.network
        lines = [sn.id for sn in net.services] + [g.id for g in net.groups]
        out["icss_delegated"] = icss_delegated(net.plan, lines, net.icss)
    return out
