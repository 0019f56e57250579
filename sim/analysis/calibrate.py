"""Calibration: fit each service's capacity scale so that the model reproduces observed figures.

Capacity is the lever: with demand fixed by incidence, a service's waiting list, its median
wait and the share within its standard all move one way as capacity moves the other. In the
centralised baseline services share no capacity, so each service is fitted on a scenario of its
own (fast), by Brent's method (`scipy.optimize.brentq`) on the mean over replications of its
primary target, with common random numbers, so the objective is the same function of the scale
at every evaluation. The fitted scales are then checked together on the whole scenario: every
target against the model's mean and 95% CI, each miss named.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from sim.analysis.stats import kpi_interval
from sim.config import Scenario
from sim.config.sweep import apply
from sim.config.targets import Target
from sim.experiment.executors import Executor
from sim.experiment.runner import make_tasks, run_tasks
from sim.model.kpi_catalogue import CALIBRATION_KPIS

# KPIs a capacity scale can be fitted to, in order of preference (the first one a service
# has a target for is fitted; the others are checked)
FITTABLE = CALIBRATION_KPIS

Report = Callable[[str], None]


@dataclass(frozen=True)
class Fit:
    """The fitted capacity scale (and demand multiplier) of one service, and how it ended."""

    service: str
    kpi: str
    observed: float
    scale: float
    model: float  # the KPI's mean at the fitted scale
    evaluations: int
    note: str  # "fitted", or which bound was reached
    demand: float = 1.0  # multiplier of incidence_per_100k (1: not fitted)
    second_kpi: str = ""  # the target the demand multiplier was fitted to
    second_model: float = float("nan")


@dataclass
class Calibration:
    scenario: Scenario  # with the fitted scales
    fits: list[Fit]
    table: pd.DataFrame  # every target: observed, model mean, CI, miss, within tolerance


def one_service(scenario: Scenario, service_id: str) -> Scenario:
    """The scenario with only `service_id` (no other service, no service groups)."""
    data = scenario.model_dump(mode="json")
    data["services"] = {service_id: data["services"][service_id]}
    data["service_groups"] = {}
    data["commissioning"]["services"] = {k: v for k, v in data["commissioning"]["services"].items()
                                         if k == service_id}
    return Scenario.model_validate(data)


def _values(kpis: pd.DataFrame, t: Target) -> np.ndarray:
    """The target's KPI over the replications in `kpis`."""
    return kpis[(kpis.scope == t.scope) & (kpis.key == t.key)
                & (kpis.kpi == t.kpi)].value.to_numpy(dtype=float)


def _mean(kpis: pd.DataFrame, t: Target) -> float:
    values = _values(kpis, t)
    return float(values.mean()) if len(values) else float("nan")


def _with(scenario: Scenario, sid: str, scale: float, demand: float) -> Scenario:
    incidence = scenario.services[sid].incidence_per_100k * demand
    return apply(scenario, {f"services.{sid}.capacity_scale": float(scale),
                            f"services.{sid}.incidence_per_100k": float(incidence)})


def fit_service(scenario: Scenario, target: Target, replications: int, years: float,
                warmup_days: float, executor: Executor, bounds: tuple[float, float] = (0.25, 4.0),
                xtol: float = 0.005, report: Report | None = None, demand: float = 1.0,
                second: Target | None = None) -> Fit:
    """Fit `services.<key>.capacity_scale` so that the mean of `target.kpi` meets it, at
    `demand` times the service's incidence; `second` is read at the fit (not fitted)."""
    sid = target.key
    base = one_service(scenario, sid)
    seen: dict[float, pd.DataFrame] = {}

    def kpis_at(scale: float) -> pd.DataFrame:
        if scale not in seen:
            trial = _with(base, sid, scale, demand)
            seen[scale] = run_tasks(make_tasks([trial], replications, scenario.run.seed, years,
                                               warmup_days), executor).kpis
            if report:
                report(f"  {sid}: demand x{demand:.4f}, capacity_scale {scale:.4f} -> "
                       f"{target.kpi} {_mean(seen[scale], target):.4g} "
                       f"(target {target.observed:.4g})")
        return seen[scale]

    def gap(scale: float) -> float:
        return _mean(kpis_at(scale), target) - target.observed

    low, high = bounds
    g_low, g_high = gap(low), gap(high)
    if np.sign(g_low) == np.sign(g_high):
        scale = low if abs(g_low) < abs(g_high) else high
        note = f"no crossing in [{low}, {high}]: bound {scale} is the closest"
    else:
        scale = float(optimize.brentq(gap, low, high, xtol=xtol))
        note = "fitted"
    at_fit = kpis_at(scale)
    return Fit(sid, target.kpi, target.observed, scale, _mean(at_fit, target), len(seen), note,
               demand, second.kpi if second else "",
               _mean(at_fit, second) if second else float("nan"))


def fit_service_and_demand(scenario: Scenario, target: Target, second: Target,
                           replications: int, years: float, warmup_days: float,
                           executor: Executor, bounds: tuple[float, float] = (0.25, 4.0),
                           demand_bounds: tuple[float, float] = (0.6, 1.6),
                           report: Report | None = None) -> Fit:
    """Two targets, two levers: for each demand multiplier (incidence), the capacity scale
    that meets `target` (e.g. the waiting list); the demand multiplier is then fitted by
    Brent's method so that `second` (e.g. % within standard) is met too: with the list held,
    more referrals mean a faster-turning list and shorter waits so far."""
    fits: dict[float, Fit] = {}

    def fit_at(demand: float) -> Fit:
        if demand not in fits:  # capacity needed grows with demand: so do its bounds
            scaled = (bounds[0] * demand, bounds[1] * demand)
            fits[demand] = fit_service(scenario, target, replications, years, warmup_days,
                                       executor, scaled, report=report, demand=demand,
                                       second=second)
        return fits[demand]

    def gap(demand: float) -> float:
        return fit_at(demand).second_model - second.observed

    low, high = demand_bounds
    g_low, g_high = gap(low), gap(high)
    if np.isnan(g_low) or np.isnan(g_high) or np.sign(g_low) == np.sign(g_high):
        demand = low if abs(g_low) < abs(g_high) else high
        fit = fit_at(demand)
        return Fit(**{**fit.__dict__, "note": f"{fit.note}; demand: no crossing in "
                                              f"[{low}, {high}], bound {demand} is the closest"})
    demand = float(optimize.brentq(gap, low, high, xtol=0.01))
    fit = fit_at(demand)
    evaluations = sum(f.evaluations for f in fits.values())
    return Fit(**{**fit.__dict__, "evaluations": evaluations})


def validation_table(kpis: pd.DataFrame, targets: Sequence[Target]) -> pd.DataFrame:
    """Every target beside the model: mean [95% CI] over replications, the miss, and whether
    it is within the target's tolerance."""
    rows = []
    for t in targets:
        mean, low, high = kpi_interval(t.kpi, _values(kpis, t))
        miss = mean - t.observed
        rows.append({"kpi": t.kpi, "scope": t.scope, "key": t.key, "observed": t.observed,
                     "model_mean": mean, "ci_low": low, "ci_high": high, "miss": miss,
                     "tolerance": t.tolerance, "within_tolerance": bool(abs(miss) <= t.tolerance),
                     "unit": t.unit, "source": t.source})
    return pd.DataFrame(rows)


def calibrate(scenario: Scenario, targets: Sequence[Target], replications: int, years: float,
              warmup_days: float, executor: Executor, bounds: tuple[float, float] = (0.25, 4.0),
              report: Report | None = None, fit_demand: bool = False) -> Calibration:
    """Fit every service that has a fittable target (with `fit_demand`, and a second target,
    its incidence too), then validate all targets together on the whole scenario."""
    fits = []
    for sid in sorted(scenario.services):
        mine = {t.kpi: t for t in targets if t.scope == "service" and t.key == sid}
        kpis = [k for k in FITTABLE if k in mine]
        if not kpis:
            continue
        if report:
            report(f"fitting {sid} to {' and '.join(kpis[:2] if fit_demand else kpis[:1])}")
        if fit_demand and len(kpis) > 1:
            fits.append(fit_service_and_demand(scenario, mine[kpis[0]], mine[kpis[1]],
                                               replications, years, warmup_days, executor,
                                               bounds, report=report))
        else:
            fits.append(fit_service(scenario, mine[kpis[0]], replications, years, warmup_days,
                                    executor, bounds, report=report))
    fitted = scenario
    for f in fits:
        fitted = _with(fitted, f.service, f.scale, f.demand)
    if report:
        report("checking every target on the whole scenario")
    kpis = run_tasks(make_tasks([fitted], replications, scenario.run.seed, years, warmup_days),
                     executor).kpis
    return Calibration(fitted, fits, validation_table(kpis, targets))
