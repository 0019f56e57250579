"""What care really costs a commissioner (`finance:` block): prices and costs as distributions,
new high-cost technologies as shocks, national buying power and a risk-share pool.

Every random number comes from a named stream of its own (the per-patient cost uniforms are
rows of `patients.DRAWS`; the rest are named here), so switching costs on moves no wait and no
other draw (common random numbers). With every default, payments are the tariff exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.config.arrangements import ARRANGEMENTS
from sim.config.finance import Finance, Shocks
from sim.config.schema import ICS, Scenario
from sim.model.calendar import periods
from sim.model.commissioning import (
    BODIES,
    NATIONAL_INDEX,
    Commissioner,
    Commissioners,
    RiskPools,
)
from sim.model.groups import GroupActivity
from sim.model.network import Network
from sim.model.patients import Patients
from sim.model.prices import Pricing, cost_pressure, financial_year, is_priced, pricing
from sim.model.rng import stream


def group_costs(cost: np.ndarray, episodes: np.ndarray, unit_cost: np.ndarray, cv: float,
                paid_by_nhse_at_cost: np.ndarray, discount: float,
                rngs: Sequence[Sequence[np.random.Generator]]) -> np.ndarray:
    """Service-group cost per (group, ICS, month) when each episode's cost has coefficient of
    variation `cv`: the sum of n episodes is drawn as a gamma of mean n x cost and variance
    n x (cv x cost)^2 (the sum of n gamma-distributed costs, exactly), one stream per (group,
    ICS). High-cost drugs and devices bought by NHSE carry the national discount."""
    out = cost.copy()
    if cv > 0:
        for g in range(cost.shape[0]):
            for i in range(cost.shape[1]):
                n = episodes[g, i]
                draws = rngs[g][i].standard_gamma(np.maximum(n, 1.0) / (cv * cv))
                out[g, i] = np.where(n > 0, draws * unit_cost[g] * cv * cv, 0.0)
    if discount > 0:
        out[paid_by_nhse_at_cost] *= 1.0 - discount
    return out


def shock_costs(shocks: Shocks, seed: int, replication: int, horizon: float, begin: np.ndarray,
                end: np.ndarray, salt: str = "") -> tuple[np.ndarray, np.ndarray]:
    """(arrival days, England cost per month) of new high-cost technologies: Poisson arrivals
    at `rate_per_year` (one stream), plus the scheduled ones; each month pays the mean uptake
    over the month times the annual cost."""
    rng = stream(seed, replication, "finance", "shocks" + salt)
    n = rng.poisson(shocks.rate_per_year * horizon / 365.0) if shocks.rate_per_year > 0 else 0
    arrivals = np.sort(np.concatenate([rng.uniform(0.0, horizon, n),
                                       np.asarray(shocks.scheduled_days, dtype=float)]))
    ramp = shocks.uptake_years * 365.0
    cost = np.zeros(len(begin))
    for t0 in arrivals.tolist():
        a, b = np.clip(begin - t0, 0.0, None), np.clip(end - t0, 0.0, None)
        if ramp <= 0:
            cost += (b - a) / 365.0 * shocks.annual_cost_gbp
            continue
        # integral of min(1, s / ramp) ds over [a, b]
        def area(x: np.ndarray) -> np.ndarray:
            return np.where(x <= ramp, x * x / (2.0 * ramp), ramp / 2.0 + (x - ramp))
        cost += (area(b) - area(a)) / 365.0 * shocks.annual_cost_gbp
    return arrivals, cost


def shock_payments(scenario: Scenario, payer_by_ics: np.ndarray, n_commissioners: int,
                   pop: np.ndarray, seed: int, replication: int, horizon: float,
                   salt: str = "") -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(month start days, end days, GBP per commissioner and month) of the shocks, or None
    without any. The England cost is shared over ICSs by population and paid by each ICS's payer."""
    shocks = scenario.finance.shocks
    if shocks.rate_per_year <= 0 and not shocks.scheduled_days:
        return None
    begin, end = periods(scenario.run.start_date, horizon)
    _, cost = shock_costs(shocks, seed, replication, horizon, begin, end, salt)
    amounts = np.zeros((n_commissioners, len(begin)))
    np.add.at(amounts, payer_by_ics, np.outer(pop / pop.sum(), cost))
    return begin, end, amounts


def risk_pools(finance: Finance, commissioners: Sequence[Commissioner], icss: Sequence[ICS]
               ) -> RiskPools | None:
    share = finance.risk_share
    if share is None:
        return None
    ics_level = {k: next(iter(c.footprint)) for k, c in enumerate(commissioners)
                 if ARRANGEMENTS[c.arrangement].footprint == "one_ics"}
    covers = BODIES["region" if share.pool == "region" else "england"].covers
    members: list[list[tuple[int, float]] | None] = [None] * len(commissioners)
    for k, i in ics_level.items():
        pool = [m for m, j in ics_level.items() if covers(icss[i], icss[j], {})]
        total = sum(icss[ics_level[m]].population for m in pool)
        members[k] = [(m, icss[ics_level[m]].population / total) for m in pool]
    return RiskPools(share.threshold_gbp, members)


@dataclass
class FinanceSetup:
    """What one replication needs from the `finance:` block, drawn before the clock starts."""

    pricing: Pricing | None  # None: every episode at its tariff
    shocks: tuple[np.ndarray, np.ndarray, np.ndarray] | None  # monthly payments of new technologies


def set_up(scenario: Scenario, net: Network, patients: Patients, groups: GroupActivity | None,
           commissioners: Commissioners, seed: int, replication: int, horizon: float,
           salt: str = "") -> FinanceSetup:
    """Prices, group costs (in place), shock payments and the risk pool of one replication."""
    finance = scenario.finance
    pop = np.array([ics.population for ics in net.icss], dtype=float)
    warmup, years = commissioners.warmup, commissioners.spend_fy.shape[1]
    pressure = (cost_pressure(finance.cost_pressure, pop, years, seed, replication, salt)
                if finance.cost_pressure.on else None)
    price = None
    if is_priced(finance):
        price = pricing(scenario, np.array([sn.spec.tariff_gbp for sn in net.services]),
                        [u.provider for u in net.units], [p.code for p in net.providers],
                        patients.u_cost, patients.u_cost2, seed, replication, salt,
                        pressure, patients.ics, warmup)
    if groups is not None and (finance.group_cost_cv > 0 or finance.national_discount > 0):
        rngs = [[stream(seed, replication, "group_cost", g.id, ics.code + salt)
                 for ics in net.icss] for g in net.groups]
        at_cost = np.array([[g.spec.paid_at_cost and k == NATIONAL_INDEX
                             for k in g.commissioner.tolist()] for g in net.groups])
        groups.cost = group_costs(groups.cost, groups.episodes,
                                  np.array([g.spec.cost_per_episode_gbp for g in net.groups]),
                                  finance.group_cost_cv, at_cost, finance.national_discount,
                                  rngs)
    if groups is not None and pressure is not None:  # each month at its year's pressure
        year = financial_year(groups.begin, warmup, years)
        groups.cost = groups.cost * pressure[year].T[None, :, :]
    commissioners.pools = risk_pools(finance, net.commissioners, net.icss)
    payer = _payer_by_ics(net, finance.shocks.payer)
    shocks = shock_payments(scenario, payer, len(net.commissioners), pop, seed, replication,
                            horizon, salt)
    return FinanceSetup(price, shocks)


def _payer_by_ics(net: Network, line: str | None) -> np.ndarray:
    """The commissioner of service or group `line` for each ICS (None: NHSE national)."""
    for sn in net.services:
        if sn.id == line:
            return sn.commissioner
    for g in net.groups:
        if g.id == line:
            return g.commissioner
    return np.full(len(net.icss), NATIONAL_INDEX, dtype=np.int64)
