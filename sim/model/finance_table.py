"""The money of one replication, per commissioner and per provider and financial year.

Financial years start at the end of the warm-up and last 365 days (the last one may be cut at
the horizon); allocations are the budgets for the same days, so spend and allocation always
cover one period. `finance.csv`: commissioner x year; `providers.csv`: trust x year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.commissioning import budget_between
from sim.model.records import TREATED, RunResult


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


def provider_table(res: RunResult) -> pd.DataFrame:
    """One row per trust and financial year: episodes, income (what commissioners paid for
    the episodes it started), cost (fixed per unit for the days, variable per episode, extra
    cost of adverse outcomes), margin and whether income covered cost."""
    net, r = res.network, res.records
    svc = np.array([u.service for u in net.units])
    tariff = np.array([sn.spec.tariff_gbp for sn in net.services])
    variable = np.array([sn.spec.variable_cost_gbp for sn in net.services])
    extra = np.array([sn.spec.outcome.extra_cost_gbp for sn in net.services])
    fixed = np.array([net.services[s].spec.fixed_cost_per_unit_gbp for s in svc])
    trusts = sorted({u.provider for u in net.units})
    trust_of = np.array([trusts.index(u.provider) for u in net.units])
    first = np.flatnonzero(r.status == TREATED)
    esc = np.flatnonzero(r.escalated)
    rows = []
    for y, (start, end) in enumerate(financial_years(res)):
        income = np.zeros(len(trusts))
        cost = np.zeros(len(trusts))
        episodes = np.zeros(len(trusts))
        np.add.at(cost, trust_of, fixed * (end - start) / 365.0)
        for pids, when, unit, adverse, second in (
                (first, r.start, r.unit, r.adverse, False),
                (esc, r.esc_start, r.esc_unit, r.esc_adverse, True)):
            pids = pids[(when[pids] >= start) & (when[pids] < end)]
            units = unit[pids]
            s = svc[units]
            payer = r.commissioner[pids] if not second else np.zeros(len(pids), np.int64)
            paid = (tariff[s] if res.pricing is None
                    else res.pricing.episodes(pids, s, units, payer, second))
            np.add.at(income, trust_of[units], paid)
            np.add.at(cost, trust_of[units], variable[s] + extra[s] * adverse[pids])
            np.add.at(episodes, trust_of[units], 1)
        for t, code in enumerate(trusts):
            rows.append({"provider": code, "year": y, "episodes": int(episodes[t]),
                         "income_gbp": income[t], "cost_gbp": cost[t],
                         "margin_gbp": income[t] - cost[t],
                         "below_cost": int(income[t] < cost[t])})
    return pd.DataFrame(rows)
