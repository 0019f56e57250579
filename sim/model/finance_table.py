"""The money of one replication, per commissioner and per provider and financial year.

Financial years start at the end of the warm-up and last 365 days (the last one may be cut at
the horizon); allocations are the budgets for the same days, so spend and allocation always
cover one period. `finance.csv`: commissioner x year; `providers.csv`: trust x year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.commissioning import budget_between
from sim.model.network import Network
from sim.model.prices import Pricing
from sim.model.records import TREATED, PatientRecords, RunResult


def financial_years(res: RunResult) -> list[tuple[float, float]]:
    """[start, end) days of each financial year after the warm-up."""
    n = res.spend_fy.shape[1] if res.spend_fy is not None else 1
    return [(res.warmup + 365.0 * y, min(res.horizon, res.warmup + 365.0 * (y + 1)))
            for y in range(n)]


def finance_table(res: RunResult) -> pd.DataFrame:
    """One row per paying commissioner and financial year: level (its arrangement), the
    population it covers, spend, allocation, overspend and its ratio."""
    net = res.network
    pop = np.array([ics.population for ics in net.icss], dtype=float)
    rows = []
    for y, (start, end) in enumerate(financial_years(res)):
        for k, c in enumerate(net.commissioners):
            if not (c.services or c.groups):
                continue
            spend = float(res.spend_fy[k, y]) if res.spend_fy is not None else float("nan")
            allocation = budget_between(c, start, end)
            rows.append({
                "commissioner": c.key, "level": c.arrangement,
                "population": int(pop[sorted(c.footprint)].sum()), "year": y,
                "days": end - start, "spend_gbp": spend, "allocation_gbp": allocation,
                "overspend_gbp": spend - allocation,
                "overspent": int(spend > allocation),
                "spend_over_allocation": spend / allocation if allocation > 0 else float("nan"),
            })
    return pd.DataFrame(rows)


def unit_accounts(net: Network, r: PatientRecords, pricing: Pricing | None, start: float,
                  end: float, bucket: np.ndarray | None = None, n_buckets: int = 0
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per unit (or per `bucket` of units, e.g. trusts) over [start, end): income (what
    commissioners paid for the episodes started), cost (fixed per unit for the days, variable
    per episode, extra cost of adverse outcomes) and episodes. Reads the records as they
    stand, so also during a run."""
    svc = np.array([u.service for u in net.units])
    tariff = np.array([sn.spec.tariff_gbp for sn in net.services])
    variable = np.array([sn.spec.variable_cost_gbp for sn in net.services])
    extra = np.array([sn.spec.outcome.extra_cost_gbp for sn in net.services])
    if bucket is None:
        bucket, n_buckets = np.arange(len(net.units)), len(net.units)
    income, cost, episodes = np.zeros(n_buckets), np.zeros(n_buckets), np.zeros(n_buckets)
    fixed = np.array([net.services[s].spec.fixed_cost_per_unit_gbp for s in svc])
    np.add.at(cost, bucket, fixed * (end - start) / 365.0)
    for pids, when, unit, adverse, second in (
            (np.flatnonzero(r.status == TREATED), r.start, r.unit, r.adverse, False),
            (np.flatnonzero(r.escalated), r.esc_start, r.esc_unit, r.esc_adverse, True)):
        pids = pids[(when[pids] >= start) & (when[pids] < end)]
        units = unit[pids]
        s = svc[units]
        payer = r.commissioner[pids] if not second else np.zeros(len(pids), np.int64)
        paid = (tariff[s] if pricing is None
                else pricing.episodes(pids, s, units, payer, second))
        np.add.at(income, bucket[units], paid)
        np.add.at(cost, bucket[units], variable[s] + extra[s] * adverse[pids])
        np.add.at(episodes, bucket[units], 1)
    return income, cost, episodes


def provider_table(res: RunResult) -> pd.DataFrame:
    """One row per trust and financial year: episodes, income, cost (`unit_accounts` summed
    over the trust's units), margin and whether income covered cost."""
    net = res.network
    trusts = sorted({u.provider for u in net.units})
    trust_of = np.array([trusts.index(u.provider) for u in net.units])
    rows = []
    for y, (start, end) in enumerate(financial_years(res)):
        income, cost, episodes = unit_accounts(net, res.records, res.pricing, start, end,
                                               trust_of, len(trusts))
        for t, code in enumerate(trusts):
            rows.append({"provider": code, "year": y, "episodes": int(episodes[t]),
                         "income_gbp": income[t], "cost_gbp": cost[t],
                         "margin_gbp": income[t] - cost[t],
                         "below_cost": int(income[t] < cost[t])})
    return pd.DataFrame(rows)
