"""The compiled network's parts, as `sim.model.network.build_network` leaves them: units,
routing candidates, per-service and per-group tables, and the whole `Network` a run reads."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.config.schema import ICS, Provider, Service, ServiceGroup
from sim.model.commissioning import Commissioner, CommissioningPlan
from sim.model.transition import Epoch, Line


@dataclass(frozen=True)
class UnitSpec:
    """One unit as built: where it is, how many slots, and its role."""

    service: int
    provider: str
    key: str  # "<service>/<provider>", with "#2", "#3" for a trust's further units
    name: str  # the unit's own name, else its trust's
    ics: int
    slots: int
    national_centre: bool
    designated: bool
    expected_busy: float  # slots busy at t = 0 in a stationary system (for prefill)


@dataclass(frozen=True)
class Candidate:
    """A routing option for one ICS: fixed score part, unit, distance, out-of-area flag."""

    base_score: float
    unit: int
    km: float
    outside: bool


@dataclass
class ServiceNetwork:
    """Routing and payment tables of one service, per ICS (index = ICS index)."""

    index: int
    id: str
    spec: Service
    arrangements: tuple[str, ...]  # arrangement at t = 0
    units: list[int]
    commissioner: np.ndarray  # commissioner of the specialised stage
    crosses: np.ndarray  # local care and specialised stage commissioned by different bodies
    candidates: list[list[Candidate]]  # sorted by base score
    centres: list[list[Candidate]]  # national centres for escalation, sorted
    nearest: np.ndarray  # nearest open unit (for "displaced")
    referral_rate0: np.ndarray  # referrals per day at t = 0
    mean_service_days: float  # mean slot occupancy including adverse extra time
    epochs: list[Epoch] = field(default_factory=list)  # the first is day 0 (the fields above)


@dataclass
class GroupNetwork:
    """A service group (cohort activity and cost, no unit queues), per ICS."""

    id: str
    spec: ServiceGroup
    commissioner: np.ndarray  # commissioner per ICS
    episodes_rate0: np.ndarray  # episodes per day at t = 0, per ICS
    epochs: list[Epoch] = field(default_factory=list)  # the first is day 0

    def commissioner_at(self, day: float) -> np.ndarray:
        """The commissioner per ICS on `day` (a dated plan changes it)."""
        return next(e.commissioner for e in reversed(self.epochs) if e.day <= day)


@dataclass
class Network:
    """The whole compiled network of one scenario. Commissioner 0 is NHS England national."""

    icss: tuple[ICS, ...]
    providers: tuple[Provider, ...]
    services: list[ServiceNetwork]
    units: list[UnitSpec]
    commissioners: list[Commissioner]
    plan: CommissioningPlan
    notes: list[str]
    groups: list[GroupNetwork]
    escalation_expected: float = 0.0  # NHSE's expected annual spend on escalations, t = 0

    def lines(self) -> list[Line]:
        """Every detailed service and service group with its commissioning epochs."""
        return ([Line(sn.id, sn.index, sn.epochs) for sn in self.services]
                + [Line(g.id, None, g.epochs, g.spec.prescribed_services) for g in self.groups])

    def commissioner_index(self, key: str) -> int:
        return next(i for i, c in enumerate(self.commissioners) if c.key == key)
