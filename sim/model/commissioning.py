"""Who commissions what, from when, and what commissioners do during a run.

Three parts, one idea (the commissioner):

* **Arrangements** are read from the table in `sim.config.arrangements`: a commissioner's
  footprint, whether care crosses a commissioning boundary, designated units only, may
  localise. Nothing here or elsewhere in the model compares arrangement names.
* **The plan** (`CommissioningPlan`) says which arrangement holds for each (ICS, service) from
  which day. Today a scenario gives one arrangement per service for the whole run, so the plan
  holds one entry per service from day 0; dated entries (delegation waves) extend it without
  touching the pathway.
* **Commissioners at run time** (`Commissioners`): access decisions, spend against budget,
  the quarterly budget review (capacity cuts, access tightening) and the annual contract
  round (late contracts). Each process draws from its own named stream per commissioner.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import simpy

from sim.config.arrangements import ARRANGEMENTS
from sim.config.schema import ICS, Rules, Scenario
from sim.model.prices import NATIONAL_PAYER, financial_year
from sim.model.rng import stream
from sim.model.unit import TreatmentUnit

NATIONAL = "NHSE national"  # the key of NHS England's national commissioner
NATIONAL_INDEX = NATIONAL_PAYER  # its index in `Network.commissioners`: pays every escalation
REVIEW_DAYS = 365.0 / 4.0
MAX_CUT_LEVEL = 3


class NotedEpisodes(Protocol):
    """Episodes noted but not yet paid (`sim.model.ledger.EpisodeLedger`)."""

    def __len__(self) -> int: ...

    def take(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


# -- the plan --------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanEntry:
    """From `from_day`, `service` is commissioned under `arrangement` for `icss` (None: all)."""

    from_day: float
    service: str
    arrangement: str
    icss: frozenset[str] | None = None


@dataclass(frozen=True)
class CommissioningPlan:
    """Which arrangement holds for each (ICS, service) from which day. Later entries win."""

    entries: tuple[PlanEntry, ...]

    @classmethod
    def of(cls, scenario: Scenario, icss: Sequence[ICS] = ()) -> CommissioningPlan:
        """The plan a scenario states: one arrangement per service (and service group) from
        day 0 (`default`, `services`), then each dated step of `commissioning.plan` in date
        order (`icss`: the geography, to resolve a step's regions)."""
        commissioning = scenario.commissioning
        lines = {**scenario.services, **scenario.service_groups}
        entries = [PlanEntry(0.0, sid, commissioning.arrangement_for(sid, line.delegable))
                   for sid, line in sorted(lines.items())]
        start = scenario.run.start_date
        for step in sorted(commissioning.plan, key=lambda step: step.from_):
            if step.regions:
                where: frozenset[str] | None = frozenset(
                    ics.code for ics in icss
                    if ics.region_code in step.regions or ics.region_name in step.regions)
            else:
                where = frozenset(step.icss) if step.icss else None
            day = float((step.from_ - start).days)
            entries += [PlanEntry(day, sid, step.arrangement, where)
                        for sid in step.lines(lines)]
        return cls(tuple(entries))

    @property
    def dated(self) -> bool:
        """Does any entry change who commissions after day 0?"""
        return any(entry.from_day > 0 for entry in self.entries)

    def change_days(self, service: str) -> list[float]:
        """The days after day 0 at which an entry for `service` takes effect, in order."""
        return sorted({e.from_day for e in self.entries if e.service == service
                       and e.from_day > 0})

    def arrangement(self, service: str, ics: str, day: float = 0.0) -> str:
        found = None
        for entry in self.entries:
            if (entry.service == service and entry.from_day <= day
                    and (entry.icss is None or ics in entry.icss)):
                found = entry.arrangement
        if found is None:
            raise KeyError(f"the commissioning plan says nothing of {service!r} for {ics!r}")
        return found


# -- commissioners as compiled -----------------------------------------------------------------
@dataclass
class Commissioner:
    """A commissioner of specialised care: NHSE national, a region, an ICS or a collaborative.
    Built by `sim.model.network.build_network`, which adds services and budget as it goes."""

    key: str
    arrangement: str
    rules: Rules
    footprint: frozenset[int]
    services: set[int] = field(default_factory=set)  # detailed services (index)
    groups: set[str] = field(default_factory=set)  # service groups (id)
    budget0: float = 0.0  # annual activity budget at t = 0 (GBP)
    admin_fte: float = 0.0
    # a dated plan (sim.model.transition): (day, annual budget at t = 0 prices from that day)
    # and (day, admin FTE from that day); empty: budget0 and admin_fte hold for the whole run
    budget_steps: list[tuple[float, float]] = field(default_factory=list)
    admin_steps: list[tuple[float, float]] = field(default_factory=list)
    tenure: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # line: spans

    def share_held(self, line: str, start: float, end: float) -> float:
        """Share of [start, end) in which this body commissions `line` for some ICS (under
        a dated plan: `tenure` is set by `sim.model.transition.compile_transitions`)."""
        spans = self.tenure.get(line, [])
        inside = sum(max(0.0, min(end, b) - max(start, a)) for a, b in spans)
        return inside / (end - start) if end > start else 0.0

    def admin_fte_mean(self, start: float, end: float) -> float:
        """Commissioning staff (FTE) on average over [start, end): a body's team exists
        from the day it takes services over and shrinks as services leave it."""
        if not self.admin_steps:
            return self.admin_fte
        return _step_mean([(0.0, 0.0), *self.admin_steps], start, end)


@dataclass(frozen=True)
class Body:
    """How a footprint kind names the body that commissions for an ICS, and which ICSs it
    covers. `collaborative_of` maps an ICS code to its joint committee."""

    name: Callable[[ICS, dict[str, str]], str]
    covers: Callable[[ICS, ICS, dict[str, str]], bool]  # (its ICS, another ICS, ...)


BODIES: dict[str, Body] = {
    "england": Body(lambda ics, co: NATIONAL, lambda ics, other, co: True),
    "region": Body(lambda ics, co: f"NHSE region {ics.region_code}",
                   lambda ics, other, co: other.region_code == ics.region_code),
    "one_ics": Body(lambda ics, co: f"ICS {ics.code}",
                    lambda ics, other, co: other.code == ics.code),
    "joint_committee": Body(lambda ics, co: f"Collaborative {co[ics.code]}",
                            lambda ics, other, co: co.get(other.code) == co[ics.code]),
}


def commissioner_key(arrangement: str, ics: ICS, collaborative_of: dict[str, str]) -> str:
    """The name of the body that commissions for `ics` under `arrangement`."""
    return BODIES[ARRANGEMENTS[arrangement].footprint].name(ics, collaborative_of)


def footprint_of(arrangement: str, ics: ICS, icss: Sequence[ICS],
                 collaborative_of: dict[str, str]) -> frozenset[int]:
    """The ICSs (by index) covered by the commissioner of `ics` under `arrangement`."""
    covers = BODIES[ARRANGEMENTS[arrangement].footprint].covers
    return frozenset(i for i, other in enumerate(icss) if covers(ics, other, collaborative_of))


def _step_mean(steps: list[tuple[float, float]], start: float, end: float) -> float:
    """Time average over [start, end) of a step function given as (from day, value)."""
    if end <= start:
        return steps[-1][1]
    bounds = [day for day, _ in steps[1:]] + [math.inf]
    total = sum(value * max(0.0, min(end, upper) - max(start, day))
                for (day, value), upper in zip(steps, bounds, strict=True))
    return total / (end - start)


def budget_between(c: Commissioner, start: float, end: float) -> float:
    """Budget for [start, end): the annual budget at t=0 growing at `budget_growth` a year
    (under a dated plan, the budget held in each period between changes)."""
    growth = c.rules.budget_growth
    if end <= start:
        return 0.0
    if c.budget_steps:
        steps = [(0.0, c.budget0), *c.budget_steps]
        bounds = [day for day, _ in steps[1:]] + [math.inf]
        return sum(_grown(rate, growth, max(start, day), min(end, upper))
                   for (day, rate), upper in zip(steps, bounds, strict=True)
                   if min(end, upper) > max(start, day))
    return _grown(c.budget0, growth, start, end)


def _grown(budget0: float, growth: float, start: float, end: float) -> float:
    """An annual budget at t=0 of `budget0`, growing at `growth` a year, over [start, end)."""
    if growth == 0:
        return budget0 * (end - start) / 365.0
    rate = math.log1p(growth)
    return budget0 * ((1 + growth) ** (end / 365.0) - (1 + growth) ** (start / 365.0)) / rate


@dataclass(frozen=True)
class RiskPools:
    """Risk-share (built by `sim.model.finance.risk_pools`): per commissioner, the pool
    members and their shares of any episode cost above `threshold` (None: pays in full)."""

    threshold: float
    members: list[list[tuple[int, float]] | None]

    def split(self, k: int, amount: float) -> list[tuple[int, float]]:
        members = self.members[k]
        if members is None or amount <= self.threshold:
            return [(k, amount)]
        excess = amount - self.threshold
        return [(k, self.threshold)] + [(m, excess * w) for m, w in members]


# -- commissioners during a run ---------------------------------------------------------------
def _accrue(years: np.ndarray, per_day: float, begin: float, end: float, origin: float,
            last_end: float) -> None:
    """Add `per_day` x the days of [begin, end) falling in each 365-day year from `origin`
    (the last year runs to `last_end`) to `years`, in place."""
    last = len(years) - 1
    for y in range(last + 1):
        low = origin + 365.0 * y
        high = last_end if y == last else low + 365.0
        overlap = min(end, high) - max(begin, low)
        if overlap > 0:
            years[y] += per_day * overlap


class Commissioners:
    """The commissioners' state in one replication, and their processes."""

    def __init__(self, env: simpy.Environment, commissioners: Sequence[Commissioner],
                 units: Sequence[TreatmentUnit], controlled_units: list[list[int]],
                 seed: int, replication: int, warmup: float, horizon: float,
                 stream_salt: str = ""):
        self.env = env
        self.specs = list(commissioners)
        self.units = units
        self.controlled_units = controlled_units  # per commissioner: units it can cut
        self.seed, self.replication, self.salt = seed, replication, stream_salt
        self.warmup, self.horizon = warmup, horizon
        n = len(self.specs)
        self.access = np.array([
            min(1.0, max(0.0, c.rules.access_rate + c.rules.access_rate_sd
                         * stream(seed, replication, "access", c.key + stream_salt)
                         .standard_normal()))
            for c in self.specs
        ])
        self.base_access = self.access.copy()
        self.cut_level = np.zeros(n, dtype=np.int64)
        self.late_until = np.full(n, -1.0)  # new referrals delayed until then (late contract)
        self.spend_by_year = np.zeros((n, int(math.ceil(horizon / 365.0)) + 1))
        self.prepaid: list[list[tuple[float, float, float]]] = [[] for _ in range(n)]
        self.spend_window = np.zeros(n)
        # financial years from the end of the warm-up (finance.csv)
        self.spend_fy = np.zeros((n, max(1, int(math.ceil((horizon - warmup) / 365.0 - 1e-9)))))
        self.capacity_cuts = 0
        self.pools: RiskPools | None = None  # risk-share (sim.model.finance), if any
        self.ledger: NotedEpisodes | None = None  # the pathway's episodes, not yet paid

    def start(self, *payments: tuple[np.ndarray, np.ndarray, np.ndarray] | None) -> None:
        """Register the commissioners' processes with the environment. `payments`: (period
        start days, end days, GBP per commissioner and period) of the service groups, of
        shocks..."""
        self.env.process(self._budget_review())
        self.env.process(self._contract_rounds())
        for scheduled in payments:
            if scheduled is not None:
                self.env.process(self._pay_groups(*scheduled))

    def _pay_groups(self, days: np.ndarray, ends: np.ndarray, amounts: np.ndarray):
        """Each month's service-group activity is paid at the start of the month (cash, which
        the budget review sees) and accounted over the month's days (accruals: the spend of
        the window and of each financial year)."""
        env = self.env
        payers = np.flatnonzero(amounts.sum(axis=1))
        for m, (day, end) in enumerate(zip(days.tolist(), ends.tolist(), strict=True)):
            if day > env.now:
                yield env.timeout(day - env.now)
            for k in payers.tolist():
                self.pay_period(k, float(amounts[k, m]), day, end)

    def pay_period(self, k: int, amount: float, begin: float, end: float) -> None:
        """Pay now for activity over [begin, end), accrued pro rata over its days: in the
        budget review's years (the part not yet delivered is held back until it is, see
        `spend_to_date`), after the warm-up and over the financial years."""
        self.settle()  # episodes before it are added first, as when each was paid at once
        length = end - begin
        if length <= 0:
            self.spend_by_year[k, int(begin // 365.0)] += amount
            return
        per_day = amount / length
        _accrue(self.spend_by_year[k], per_day, begin, end, 0.0, math.inf)
        self.prepaid[k].append((begin, end, per_day))
        if end <= self.warmup:
            return
        self.spend_window[k] += per_day * (end - max(begin, self.warmup))
        _accrue(self.spend_fy[k], per_day, begin, end, self.warmup, self.horizon)

    def settle(self) -> None:
        """Pay the episodes the pathway has noted since the last settlement (`ledger`)."""
        if self.ledger is not None and len(self.ledger):
            self.pay_episodes(*self.ledger.take())

    def pay_episodes(self, payers: np.ndarray, amounts: np.ndarray, start: np.ndarray) -> None:
        """Pay episodes, in order: `amounts[j]` by `payers[j]` on day `start[j]`. `np.add.at`
        adds in the order given, so each total is the same double as adding one episode at a
        time; under a risk-share the part above the threshold is paid by the pool's members,
        episode by episode."""
        if self.pools is not None:
            split = [(payer, part, now) for k, amount, now in zip(
                payers.tolist(), amounts.tolist(), start.tolist(), strict=True)
                for payer, part in self.pools.split(k, amount)]
            payers, amounts, start = (np.array(column) for column in zip(*split, strict=True))
        np.add.at(self.spend_by_year, (payers, np.floor_divide(start, 365.0).astype(np.int64)),
                  amounts)
        after = start >= self.warmup
        if after.any():
            payers, amounts = payers[after], amounts[after]
            year = financial_year(start[after], self.warmup, self.spend_fy.shape[1])
            np.add.at(self.spend_window, payers, amounts)
            np.add.at(self.spend_fy, (payers, year), amounts)

    def budget_window(self) -> np.ndarray:
        """Each commissioner's budget for the window after the warm-up."""
        return np.array([budget_between(c, self.warmup, self.horizon) for c in self.specs])

    def spend_to_date(self, k: int, year: int, now: float) -> float:
        """Spend of year `year` delivered by `now`, on an accruals basis as NHS finance
        reports it: a month of service-group activity paid at its start counts day by day,
        so a review does not mistake a payment in advance for an overspend."""
        self.settle()
        start = 365.0 * year
        periods = self.prepaid[k] = [p for p in self.prepaid[k] if p[1] > start]
        ahead = sum(per_day * (min(end, start + 365.0) - max(begin, now))
                    for begin, end, per_day in periods if end > now)
        return float(self.spend_by_year[k, year]) - ahead

    def _budget_review(self):
        """Quarterly: a `deprioritise` commissioner over budget (financial year to date) by more
        than its threshold cuts capacity on the units it commissions and tightens access; back
        within budget, it restores one step. `absorb` commissioners do nothing."""
        env = self.env
        reviewers = [k for k, c in enumerate(self.specs)
                     if c.rules.budget_policy == "deprioritise"
                     and (c.budget0 > 0 or c.budget_steps)]
        if not reviewers:
            return
        while True:
            yield env.timeout(REVIEW_DAYS)
            now = env.now
            # a review that falls on a year boundary belongs to the year just ended
            year = int((now - 1e-9) // 365.0)
            for k in reviewers:
                rules = self.specs[k].rules
                budget = budget_between(self.specs[k], year * 365.0, now)
                spend = self.spend_to_date(k, year, now)
                level = self.cut_level[k]
                if spend > budget * (1.0 + rules.review_threshold) and level < MAX_CUT_LEVEL:
                    level += 1
                    self.capacity_cuts += 1
                elif spend <= budget and level > 0:
                    level -= 1
                else:
                    continue
                self.cut_level[k] = level
                self.access[k] = max(0.0, self.base_access[k] - level * rules.access_tighten_step)
                keep = (1.0 - rules.capacity_cut_share) ** level
                for u in self.controlled_units[k]:
                    unit = self.units[u]
                    unit.set_slots(max(1, round(unit.base_slots * keep)))

    def _contract_rounds(self):
        """Annual contract round: a commissioner signing late delays new referrals for a while."""
        env = self.env
        late = [(k, c) for k, c in enumerate(self.specs)
                if c.rules.late_contract_probability > 0 and c.rules.late_contract_days > 0]
        if not late:
            return
        n_years = int(math.ceil(self.horizon / 365.0))
        draws = {k: stream(self.seed, self.replication, "contracts", c.key + self.salt)
                 .random(n_years) for k, c in late}
        for year in range(n_years):
            if year:
                yield env.timeout(365.0)
            for k, c in late:
                if draws[k][year] < c.rules.late_contract_probability:
                    self.late_until[k] = env.now + c.rules.late_contract_days
