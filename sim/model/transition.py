"""Changes of commissioner during a run (a dated commissioning plan), and what they bring.

The network compiles, per service and service group, an `Epoch` for every arrangement the
plan gives it (who commissions each ICS's care, and how its patients are routed). Here:

* `compile_transitions`, before the run and without random numbers: at each change the new
  commissioner's budget is split out of the old one's (`split_budget`, the allocation rule)
  and commissioning staff move with the services (admin FTE of each body from the date it
  holds them);
* `Transitions.process`, during the run: at each change date the routing tables of the moved
  (ICS, service) pairs switch, so referrals decided from then on are accepted, routed and paid
  by the new commissioner; the new commissioner re-lets contracts (a late-contract draw, its
  own named stream); an optional disruption adds a fixed delay to moved referrals for a while;
* `commissioning_rows`: who commissions what at a month end, for `timeseries`.

Patients already accepted stay on their unit's list, paid by the commissioner that accepted
them (docs/model.md, "Commissioning over time").
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import simpy

from sim.config.arrangements import ARRANGEMENTS
from sim.config.schema import Transition
from sim.model.commissioning import NATIONAL_INDEX, Commissioner, Commissioners
from sim.model.rng import stream
from sim.model.routing import Routes, routes
from sim.model.unit import TreatmentUnit

MONTH_DAYS = 365.0 / 12.0


@dataclass(frozen=True)
class Epoch:
    """Who commissions a service (or group) for each ICS from `day` until the next epoch,
    and how its patients are routed then. `expected`: annual spend expected per ICS at
    t = 0 prices under that epoch's arrangement (what a moved budget is split by)."""

    day: float
    arrangements: tuple[str, ...]
    commissioner: np.ndarray
    expected: np.ndarray
    crosses: np.ndarray | None = None  # None for a service group (no patients routed)
    candidates: list[list[Any]] | None = None  # routing candidates per ICS (network.Candidate)


@dataclass(frozen=True)
class Line:
    """A service or service group as the plan sees it: its epochs, and how many prescribed
    services it stands for (admin staff are per service)."""

    id: str
    service: int | None  # index of a detailed service; None: a service group
    epochs: list[Epoch]
    weight: int = 1


def split_budget(old_budget: float, moved_expected: float, old_expected: float) -> float:
    """The allocation rule at a change of commissioner: the old commissioner's annual budget
    is shared in proportion to the expected spend of the pairs that move. (One small function:
    an allocation rule such as `fair_share` replaces this.)"""
    return old_budget * moved_expected / old_expected if old_expected > 0 else 0.0


def _held(lines: Sequence[Line], epoch_of: list[int], n: int,
          escalation_expected: float) -> np.ndarray:
    """Expected annual spend each commissioner holds in the given epochs of every line."""
    held = np.zeros(n)
    for line, e in zip(lines, epoch_of, strict=True):
        epoch = line.epochs[e]
        np.add.at(held, epoch.commissioner, epoch.expected)
    held[NATIONAL_INDEX] += escalation_expected  # escalations stay national
    return held


def change_days(lines: Sequence[Line]) -> list[float]:
    return sorted({epoch.day for line in lines for epoch in line.epochs[1:]})


def compile_transitions(commissioners: Sequence[Commissioner], lines: Sequence[Line],
                        escalation_expected: float) -> None:
    """Budgets and admin staff of every commissioner through the plan's changes, in date
    order (sets `budget_steps`, `admin_steps` and `tenure`)."""
    n = len(commissioners)
    epoch_of = [0] * len(lines)
    budget = np.array([c.budget0 for c in commissioners])
    for c in commissioners:
        c.budget_steps, c.admin_steps, c.tenure = [], [], {}
    _record_admin(commissioners, lines, epoch_of, 0.0)
    for day in change_days(lines):
        held = _held(lines, epoch_of, n, escalation_expected)
        moved = np.zeros((n, n))  # old -> new, expected annual spend
        for li, line in enumerate(lines):
            nxt = next((e for e, epoch in enumerate(line.epochs) if epoch.day == day), None)
            if nxt is None:
                continue
            old, new = line.epochs[epoch_of[li]], line.epochs[nxt]
            for i in np.flatnonzero(old.commissioner != new.commissioner).tolist():
                moved[old.commissioner[i], new.commissioner[i]] += old.expected[i]
            epoch_of[li] = nxt
        before = budget.copy()
        for a, b in zip(*np.nonzero(moved), strict=True):
            amount = split_budget(float(before[a]), float(moved[a, b]), float(held[a]))
            budget[a] -= amount
            budget[b] += amount
        for k in np.flatnonzero(budget != before).tolist():
            commissioners[k].budget_steps.append((day, float(budget[k])))
        _record_admin(commissioners, lines, epoch_of, day)
    for c in commissioners:  # the largest team a body has (what a report of teams shows)
        c.admin_fte = max(fte for _, fte in c.admin_steps)


def _record_admin(commissioners: Sequence[Commissioner], lines: Sequence[Line],
                  epoch_of: list[int], day: float) -> None:
    """Each body's team from `day`: staff per service it holds for at least one ICS."""
    holds: list[set[int]] = [set() for _ in commissioners]
    for li, (line, e) in enumerate(zip(lines, epoch_of, strict=True)):
        for k in set(line.epochs[e].commissioner.tolist()):
            holds[k].add(li)
    for k, c in enumerate(commissioners):
        fte = c.rules.admin_fte_per_service * sum(lines[li].weight for li in holds[k])
        if not c.admin_steps or c.admin_steps[-1][1] != fte:
            c.admin_steps.append((day, fte))
        for li, line in enumerate(lines):
            spans = c.tenure.setdefault(line.id, [])
            if li in holds[k] and not (spans and spans[-1][1] == np.inf):
                spans.append((day, np.inf))
            elif li not in holds[k] and spans and spans[-1][1] == np.inf:
                spans[-1] = (spans[-1][0], day)


@dataclass(frozen=True)
class Change:
    """On `day`, the pairs (service index, ICS index) of `pairs` pass to a new commissioner."""

    day: float
    service: int
    epoch: Epoch
    icss: tuple[int, ...]


def service_changes(lines: Sequence[Line]) -> list[Change]:
    """Every change of a detailed service's commissioner, in date order."""
    out = []
    for line in lines:
        if line.service is None:
            continue
        for old, new in zip(line.epochs, line.epochs[1:], strict=False):
            moved = np.flatnonzero((old.commissioner != new.commissioner)
                                   | (np.array(old.arrangements) != np.array(new.arrangements)))
            out.append(Change(new.day, line.service, new, tuple(moved.tolist())))
    return sorted(out, key=lambda change: (change.day, change.service))


class Transitions:
    """The run-time side of a dated plan for one replication: the mutable routing tables the
    pathway reads, and the SimPy process that switches them at each change date."""

    def __init__(self, lines: Sequence[Line], commissioners: Commissioners,
                 settings: Transition, seed: int, replication: int, salt: str,
                 units: list[TreatmentUnit]):
        self.changes = service_changes(lines)
        services = sorted((line for line in lines if line.service is not None),
                          key=lambda line: line.service)
        first = [line.epochs[0] for line in services]
        self.commissioner = [e.commissioner.tolist() for e in first]
        self.crosses = [e.crosses.tolist() for e in first]
        self.candidates = [[list(o) for o in e.candidates] for e in first]  # the run's own
        # the same lists as the pathway reads them; kept in step by `set_candidates`
        self.units = units
        self.routes: list[list[Routes]] = [[routes(o, units) for o in row]
                                           for row in self.candidates]
        self.disrupted_until = [[-1.0] * len(e.commissioner) for e in first]
        self.commissioners = commissioners
        self.settings = settings
        self.seed, self.replication, self.salt = seed, replication, salt

    def process(self, env: simpy.Environment) -> Iterator[simpy.Event]:
        """At each change date: switch the moved pairs; the new commissioners re-let their
        contracts; moved referrals meet the disruption delay for its months."""
        settings, specs = self.settings, self.commissioners.specs
        for change in self.changes:
            if change.day > env.now:
                yield env.timeout(change.day - env.now)
            s, epoch = change.service, change.epoch
            until = change.day + settings.disruption_months * MONTH_DAYS
            new_bodies = set()
            for i in change.icss:
                self.commissioner[s][i] = int(epoch.commissioner[i])
                self.crosses[s][i] = bool(epoch.crosses[i])
                self.set_candidates(s, i, list(epoch.candidates[i]))
                if settings.disruption_days > 0 and settings.disruption_months > 0:
                    self.disrupted_until[s][i] = until
                new_bodies.add(int(epoch.commissioner[i]))
            if settings.contract_relet:
                for k in sorted(new_bodies):
                    self._relet(k, specs[k], change.day)

    def set_candidates(self, s: int, i: int, candidates: list[Any]) -> None:
        """Route service `s` of ICS `i` over `candidates` (sorted by fixed score) from now:
        the one way the run's candidate lists change, so their routing tables follow."""
        self.candidates[s][i] = candidates
        self.routes[s][i] = routes(candidates, self.units)

    def _relet(self, k: int, c: Commissioner, day: float) -> None:
        """A commissioner taking services over lets their contracts: late with its
        `late_contract_probability` (one draw per body and change date, own stream)."""
        rules = c.rules
        if rules.late_contract_probability <= 0 or rules.late_contract_days <= 0:
            return
        u = stream(self.seed, self.replication, "transition_contracts",
                   f"{c.key}@{day:g}{self.salt}").random()
        if u < rules.late_contract_probability:
            late = self.commissioners.late_until
            late[k] = max(late[k], day + rules.late_contract_days)


def commissioning_rows(lines: Sequence[Line], commissioners: Sequence[Commissioner],
                       day: float) -> list[tuple[str, str, str, float]]:
    """(scope, key, kpi, value) rows of who commissions on `day`: per line, the number of
    distinct commissioners and of ICSs under each arrangement; overall, the number of
    distinct commissioners paying for specialised care (escalations: NHS England)."""
    rows: list[tuple[str, str, str, float]] = []
    paying = {NATIONAL_INDEX}
    for line in lines:
        epoch = next(e for e in reversed(line.epochs) if e.day <= day)
        bodies = set(epoch.commissioner.tolist())
        paying |= bodies
        rows.append(("commissioning", line.id, "commissioners_paying", float(len(bodies))))
        for name in ARRANGEMENTS:
            rows.append(("commissioning", line.id, f"icss_{name}",
                         float(sum(a == name for a in epoch.arrangements))))
    rows.insert(0, ("commissioning", "all", "commissioners_paying",
                    float(len({commissioners[k].key for k in paying}))))
    return rows


def commissioner_table(lines: Sequence[Line], commissioners: Sequence[Commissioner],
                       icss: Sequence[Any],
                       months: Sequence[tuple[int, float, Any]]) -> pd.DataFrame:
    """Who commissions each (service or group, ICS) at each (month number, day, date) month
    end: month, date, service, ics, arrangement, commissioner (`commissioners.csv`)."""
    codes = [ics.code for ics in icss]
    parts = []
    for month, day, date in months:
        for line in lines:
            epoch = next(e for e in reversed(line.epochs) if e.day <= day)
            parts.append(pd.DataFrame({
                "month": month, "date": date.isoformat(), "service": line.id, "ics": codes,
                "arrangement": list(epoch.arrangements),
                "commissioner": [commissioners[k].key for k in epoch.commissioner.tolist()],
            }))
    columns = ["month", "date", "service", "ics", "arrangement", "commissioner"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
