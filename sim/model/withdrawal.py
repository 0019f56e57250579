"""A provider withdraws a service (`finance.withdraw_after_years`): at the end of each
financial year, a unit whose income did not cover its cost and whose volume was below the
service's minimum, for that many years in a row, takes no new patients; routing then sends
them elsewhere (patients already on its list are still treated). A unit that is some ICS's
only option, or a national centre, stays. Off by default."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import simpy

from sim.model.finance_table import unit_accounts
from sim.model.network import Candidate, Network
from sim.model.prices import Pricing
from sim.model.records import PatientRecords
from sim.model.transition import Transitions


class Withdrawals:
    """The yearly check and the units withdrawn (unit index -> day) in one replication."""

    def __init__(self, env: simpy.Environment, net: Network, records: PatientRecords,
                 tables: Transitions, pricing: Pricing | None,
                 warmup: float, horizon: float, after_years: int):
        self.env, self.net, self.records = env, net, records
        self.tables = tables  # the run's own candidate lists, per service and ICS
        self.pricing, self.warmup, self.horizon = pricing, warmup, horizon
        self.after_years = after_years
        self.min_volume = np.array([net.services[u.service].spec.min_unit_volume
                                    for u in net.units])
        self.years_below = np.zeros(len(net.units), dtype=np.int64)
        self.withdrawn: dict[int, float] = {}

    def process(self):
        env = self.env
        end = self.warmup + 365.0
        while end <= self.horizon:
            yield env.timeout(end - env.now)
            income, cost, episodes = unit_accounts(self.net, self.records, self.pricing,
                                                   end - 365.0, end)
            below = (income < cost) & (episodes < self.min_volume)
            self.years_below = np.where(below, self.years_below + 1, 0)
            for u in np.flatnonzero(self.years_below >= self.after_years).tolist():
                if u not in self.withdrawn:
                    self._withdraw(u)
            end += 365.0

    def _withdraw(self, u: int) -> None:
        spec = self.net.units[u]
        if spec.national_centre:
            return
        lists: Sequence[list[Candidate]] = self.tables.candidates[spec.service]
        kept = [[c for c in options if c.unit != u] for options in lists]
        if any(options and not rest for options, rest in zip(lists, kept, strict=True)):
            return  # some ICS's only option
        for i, rest in enumerate(kept):
            self.tables.set_candidates(spec.service, i, rest)  # their routing tables follow
        self.withdrawn[u] = self.env.now
