"""The KPIs of one replication (MODEL_SPEC section 5), in a tidy table.

Window conventions (after the warm-up W, up to the horizon T), chosen so that each number
means what a planner would read it as:

* counts (`referrals`, `treated`, `waiting_at_end`, `unmet_need`, `managed_locally`) follow
  the cohort referred in [W, T): referrals = treated + waiting_at_end + unmet_need +
  managed_locally holds exactly;
* waits, outcomes, travel, volumes and costs follow treatments that *started* in [W, T)
  (completed waits, as in NHS admitted-pathway statistics);
* pathway length and fragmentation follow patients *discharged* in [W, T].

Percentages are 0-100; times in days; money in GBP over the whole window.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model import kpi_catalogue
from sim.model.commissioning import Commissioner
from sim.model.mechanism_kpis import mechanism_kpis
from sim.model.records import MANAGED_LOCALLY, TREATED, UNMET, RunResult
from sim.model.waiting import WaitingList

COLUMNS = ["scope", "key", "kpi", "value"]
WAIT_STANDARD_DAYS = 126.0  # 18 weeks

# What each KPI is (label, unit, bounds, headline, cost part) lives in the catalogue; the
# groups of MODEL_SPEC section 5, in its order, are read from there.
PATIENT_KPIS = kpi_catalogue.ids("patient")
COST_KPIS = kpi_catalogue.ids("cost")
SYSTEM_KPIS = kpi_catalogue.ids("system")
WAITING_KPIS = kpi_catalogue.ids("waiting")
HEADLINE_KPIS = kpi_catalogue.HEADLINE_KPIS


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if len(x) else float("nan")


def _quantile(x: np.ndarray, q: float) -> float:
    return float(np.quantile(x, q)) if len(x) else float("nan")


def _cv(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    if len(x) < 2 or x.mean() == 0:
        return float("nan")
    return float(x.std() / x.mean())


@dataclass
class _Frames:
    """Patient subsets of one replication, with the columns the KPIs need, and the number of
    treatments each unit started after the warm-up."""

    cohort: pd.DataFrame  # referred after the warm-up
    treated: pd.DataFrame  # specialised treatment started after the warm-up
    escalated: pd.DataFrame  # escalation treatment started after the warm-up
    discharged: pd.DataFrame  # discharged after the warm-up
    unit_starts: np.ndarray

    @classmethod
    def of(cls, res: RunResult) -> _Frames:
        p, r = res.patients, res.records
        net = res.network
        w, t = res.warmup, res.horizon
        min_volume = np.array([sn.spec.min_unit_volume for sn in net.services])
        variable = np.array([sn.spec.variable_cost_gbp for sn in net.services])
        extra_cost = np.array([sn.spec.outcome.extra_cost_gbp for sn in net.services])
        base = pd.DataFrame({"service": p.service, "ics": p.ics})
        cohort = (p.referral >= w) & (p.referral < t)
        status = r.status
        locally = (status == MANAGED_LOCALLY) & (r.decision <= t)
        cohort = base[cohort].assign(
            treated=status[cohort] == TREATED, unmet=status[cohort] == UNMET,
            local=locally[cohort], decided=(r.commissioner[cohort] >= 0),
        )
        started = (r.start >= w) & (r.start < t)
        svc = p.service[started]
        nearest_km = np.array([[min(o.km for o in options) for options in sn.candidates]
                               for sn in net.services])
        treated = base[started].assign(
            wait=r.start[started] - p.referral[started],
            below=r.volume[started] < min_volume[svc],
            adverse=r.adverse[started], km=r.km[started], displaced=r.displaced[started],
            variable=variable[svc], extra=extra_cost[svc] * r.adverse[started],
            emergency=p.emergency[started], transfers=r.transfers[started],
            to_bed=r.start[started] - r.decision[started],
            extra_km=r.km[started] - nearest_km[svc, p.ics[started]],
        )
        esc = r.escalated & (r.esc_start >= w) & (r.esc_start < t)
        esvc = p.service[esc]
        escalated = base[esc].assign(
            adverse=r.esc_adverse[esc], variable=variable[esvc],
            extra=extra_cost[esvc] * r.esc_adverse[esc],
        )
        done = (r.discharge >= w) & (r.discharge <= t)
        discharged = base[done].assign(
            pathway=r.discharge[done] - p.referral[done], crossings=r.crossings[done],
            handover=r.handover[done],
        )
        unit_starts = np.bincount(r.unit[started], minlength=len(net.units)) + np.bincount(
            r.esc_unit[esc], minlength=len(net.units)
        )
        return cls(cohort, treated, escalated, discharged, unit_starts)

    def split(self, column: str) -> Iterator[tuple[int, _Frames]]:
        """The same frames restricted to each value of `column` (service or ics), in ascending
        order, one value at a time: each is a copy of its rows, so only one is held at once
        (a dict of every group held a copy of all the frames: 126 MB at 8x demand). Rows keep
        their order; unit starts stay those of the whole run (units are selected by index)."""
        frames = (self.cohort, self.treated, self.escalated, self.discharged)
        rows = [{int(k): v for k, v in f.groupby(column).indices.items()} for f in frames]
        for key in sorted({k for parts in rows for k in parts}):
            yield key, _Frames(*(f.take(parts[key]) if key in parts else f.iloc[0:0]
                                 for f, parts in zip(frames, rows, strict=True)),
                               unit_starts=self.unit_starts)


def _patient_kpis(f: _Frames) -> dict[str, float]:
    c, t, d, e = f.cohort, f.treated, f.discharged, f.escalated
    referrals = len(c)
    treated = int(c.treated.sum())
    unmet = int(c.unmet.sum())
    local = int(c.local.sum())
    wait = t.wait.to_numpy()
    n_treated = len(t)
    adverse_events = int(t.adverse.sum()) + int(e.adverse.sum())
    transfers = t.transfers.to_numpy(dtype=float)[t.emergency.to_numpy()]
    return {
        "referrals": referrals,
        "treated": treated,
        "waiting_at_end": referrals - treated - unmet - local,
        "unmet_need": unmet,
        "managed_locally": local,
        "wait_mean_days": _mean(wait),
        "wait_p50_days": _quantile(wait, 0.50),
        "wait_p92_days": _quantile(wait, 0.92),
        "pct_within_18_weeks": 100.0 * _mean(wait <= WAIT_STANDARD_DAYS),
        "pathway_days_mean": _mean(d.pathway.to_numpy()),
        "pct_treated_below_min_volume": 100.0 * _mean(t.below.to_numpy()),
        "adverse_per_1000": 1000.0 * adverse_events / n_treated if n_treated else float("nan"),
        "boundary_crossings_per_patient": _mean(d.crossings.to_numpy(dtype=float)),
        "handover_delay_days_mean": _mean(d.handover.to_numpy()),
        "travel_km_mean": _mean(t.km.to_numpy()),
        "time_to_bed_mean_days": _mean(t.to_bed.to_numpy()[t.emergency.to_numpy()]),
        "emergency_transfers_per_patient": _mean(
            np.maximum(transfers, 0.0)),  # no bed anywhere (-1): waited, not transferred
        "emergency_no_bed_pct": 100.0 * _mean(transfers < 0),
        "emergency_extra_km_mean": _mean(t.extra_km.to_numpy()[t.emergency.to_numpy()]),
        "pct_displaced": 100.0 * _mean(t.displaced.to_numpy()),
    }


def _variation(f: _Frames) -> dict[str, float]:
    """Postcode variation: coefficient of variation across ICS populations."""
    p92 = f.treated.groupby("ics").wait.quantile(0.92).to_numpy()
    decided = f.cohort[f.cohort.decided]
    access = 1.0 - decided.groupby("ics").unmet.mean().to_numpy()
    return {"wait_p92_cv_between_ics": _cv(p92), "access_rate_cv_between_ics": _cv(access)}


def _system_kpis(res: RunResult, f: _Frames, units: list[int], services: set[int],
                 years: float, whole: bool = False) -> dict[str, float]:
    """Units, utilisation and cost of `units` and `services`; `whole`: the whole system, so
    the service groups' cost and commissioning admin are in too."""
    net = res.network
    pathway = res.scenario.pathway
    starts = f.unit_starts[units]
    active = starts > 0
    busy = res.unit_busy_area[units].sum()
    slot = res.unit_slot_area[units].sum()
    activity = float(f.treated.variable.sum() + f.escalated.variable.sum())
    provider = years * sum(net.services[net.units[u].service].spec.fixed_cost_per_unit_gbp
                           for u in units)
    # the whole system: every commissioner's team as built (services and groups)
    admin = years * pathway.fte_cost_gbp * (
        sum(c.admin_fte_mean(res.warmup, res.horizon) for c in net.commissioners) if whole
        else sum(c.rules.admin_fte_per_service * _services_held(res, c, services)
                 for c in net.commissioners))
    travel = 2.0 * pathway.travel_cost_per_km_gbp * float(f.treated.km.sum())
    adverse = float(f.treated.extra.sum() + f.escalated.extra.sum())
    total = activity + provider + admin + travel + adverse
    n_treated = len(f.treated)
    extra: dict[str, float] = {}
    if whole:
        extra["cost_service_groups_gbp"] = _group_cost(res)
        total += extra["cost_service_groups_gbp"]
    return {
        "units_active": int(active.sum()),
        "unit_volume_median": float(np.median(starts[active] / years)) if active.any()
        else float("nan"),
        "utilisation": busy / slot if slot > 0 else float("nan"),
        "cost_activity_gbp": activity,
        "cost_provider_gbp": provider,
        "cost_admin_gbp": admin,
        "cost_travel_gbp": travel,
        "cost_adverse_gbp": adverse,
        **extra,
        "cost_total_gbp": total,
        "cost_per_treated_gbp": total / n_treated if n_treated else float("nan"),
        "cost_per_year_gbp": total / years if years > 0 else float("nan"),
    }


def _services_held(res: RunResult, c: Commissioner, services: set[int]) -> float:
    """How many of `services` a commissioner holds over the window (time-weighted under a
    dated plan: a body's team exists while it holds the service)."""
    held = c.services & services
    if not c.tenure:
        return len(held)
    ids = [res.network.services[s].id for s in sorted(held)]
    return sum(c.share_held(sid, res.warmup, res.horizon) for sid in ids)


def _group_cost(res: RunResult) -> float:
    """What the service groups cost in the months paid after the warm-up."""
    g = res.groups
    if g is None:
        return 0.0
    inside = np.clip(np.minimum(g.end, res.horizon) - np.maximum(g.begin, res.warmup), 0, None)
    share = inside / (g.end - g.begin)  # each month's cost, pro rata to its days in the window
    return float((g.cost * share).sum())


def replication_kpis(res: RunResult) -> pd.DataFrame:
    """All KPIs of one replication: scope in overall/service/ics/commissioner/unit."""
    net = res.network
    years = (res.horizon - res.warmup) / 365.0
    rows: list[tuple[str, str, str, float]] = []

    def add(scope: str, key: str, values: dict[str, float]) -> None:
        rows.extend((scope, key, kpi, float(v)) for kpi, v in values.items())

    frames = _Frames.of(res)
    variance = res.spend_window - res.budget_window
    paying = [k for k, c in enumerate(net.commissioners) if c.services or c.groups]
    all_units = list(range(len(net.units)))
    add("overall", "all", {
        **_patient_kpis(frames), **_system_kpis(res, frames, all_units,
                                                {sn.index for sn in net.services}, years,
                                                whole=True),
        **_variation(frames),
        "budget_variance_gbp": float(variance.sum()),
        # the share of the commissioners paying for specialised care that overspent in the
        # window (issue 12: a headline by commissioner, not of the system's total)
        "p_overspend": float(np.mean([variance[k] > 0 for k in paying])) if paying else 0.0,
        **mechanism_kpis(res, frames.cohort, frames.unit_starts, all_units),
    })
    for s, f in frames.split("service"):
        sn = net.services[s]
        add("service", sn.id, {
            **_patient_kpis(f), **_system_kpis(res, f, sn.units, {sn.index}, years),
            **_variation(f),
            **mechanism_kpis(res, f.cohort, f.unit_starts, sn.units, sn.index),
        })
    for i, f in frames.split("ics"):
        add("ics", net.icss[i].code, _patient_kpis(f))
    for k, c in enumerate(net.commissioners):
        if not (c.services or c.groups):
            continue
        add("commissioner", c.key, {
            "budget_variance_gbp": float(variance[k]),
            "p_overspend": float(variance[k] > 0),
            "cost_admin_gbp": years * res.scenario.pathway.fte_cost_gbp
            * c.admin_fte_mean(res.warmup, res.horizon),
        })
    rows.extend(WaitingList(res).kpis(res.horizon))  # incomplete pathways at the end
    for u, spec in enumerate(net.units):
        slot = res.unit_slot_area[u]
        add("unit", spec.key, {
            "treated": int(frames.unit_starts[u]),
            "unit_volume_median": frames.unit_starts[u] / years,
            "utilisation": res.unit_busy_area[u] / slot if slot > 0 else float("nan"),
        })
    return pd.DataFrame(rows, columns=COLUMNS)


QUANTILES = np.round(np.linspace(0.0, 1.0, 101), 2)


def wait_quantiles(res: RunResult) -> pd.DataFrame:
    """The wait distribution of one replication, overall and per service, as 101 quantiles
    (0.00, 0.01, ..., 1.00) of the waits of treatments started after the warm-up: enough to
    draw an ECDF without storing every patient."""
    frames = _Frames.of(res)
    rows = []
    waits = frames.treated.wait.to_numpy()
    groups = [("overall", "all", waits)]
    # each service's rows by position (a groupby's groups would copy the whole frame)
    for s_index, at in sorted(frames.treated.groupby("service").indices.items()):
        groups.append(("service", res.network.services[int(s_index)].id, waits[at]))
    for scope, key, waits in groups:
        if len(waits) == 0:
            continue
        values = np.quantile(waits, QUANTILES)
        rows.extend((scope, key, float(q), float(v)) for q, v in zip(QUANTILES, values,
                                                                      strict=True))
    return pd.DataFrame(rows, columns=["scope", "key", "quantile", "wait_days"])
