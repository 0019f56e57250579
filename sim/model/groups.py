"""Service groups: the prescribed services that are not modelled unit by unit, as cohorts.

Each group's episodes per (ICS, calendar month) are Poisson with the group's national rate
shared out by population and growing at `annual_growth`; each episode costs
`cost_per_episode_gbp`. No queues: these services bring their spend, and what it does to
commissioners' budgets, into the model, not waits. Drawn in numpy blocks before the run, one
named stream per (group, ICS).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np

from sim.model.calendar import periods
from sim.model.network import Network
from sim.model.rng import stream


@dataclass
class GroupActivity:
    """Episodes and cost of every service group, per (group, ICS, period)."""

    begin: np.ndarray  # period start, day offset (payments are made then)
    end: np.ndarray
    episodes: np.ndarray  # (groups, ICSs, periods)
    cost: np.ndarray  # (groups, ICSs, periods), GBP

    def cost_by_commissioner(self, network: Network) -> np.ndarray:
        """(commissioners, periods) GBP."""
        out = np.zeros((len(network.commissioners), len(self.begin)))
        for g, group in enumerate(network.groups):
            if len(group.epochs) <= 1:
                np.add.at(out, group.commissioner, self.cost[g])
                continue
            # a dated plan: each month paid by whoever commissions the group in mid-month
            for m, day in enumerate(((self.begin + self.end) / 2.0).tolist()):
                np.add.at(out[:, m], group.commissioner_at(day), self.cost[g][:, m])
        return out


def group_activity(network: Network, seed: int, replication: int, horizon: float,
                   start: datetime.date, stream_salt: str = "") -> GroupActivity:
    begin, end = periods(start, horizon)
    middle = (begin + end) / 2.0
    n_groups, n_icss = len(network.groups), len(network.icss)
    episodes = np.zeros((n_groups, n_icss, len(begin)))
    cost = np.zeros_like(episodes)
    for g, group in enumerate(network.groups):
        spec = group.spec
        growth = (1.0 + spec.annual_growth) ** (middle / 365.0)
        for i, ics in enumerate(network.icss):
            expected = group.episodes_rate0[i] * (end - begin) * growth
            drawn = stream(seed, replication, "group", group.id, ics.code + stream_salt
                           ).poisson(expected)
            episodes[g, i] = drawn
            cost[g, i] = drawn * spec.cost_per_episode_gbp
    return GroupActivity(begin, end, episodes, cost)
