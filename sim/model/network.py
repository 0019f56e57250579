"""Compile a scenario into the network a run simulates: units, commissioners, routing tables.

Everything here is decided before the clock starts and does not depend on random numbers:
which commissioner pays for each (ICS, service), which units exist (including units an ICS
opens under `localise`), how many slots each has, and each ICS's routing candidates sorted by
the fixed part of their score. Keeping this out of the SimPy processes keeps per-event work
small and makes the network easy to inspect and test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.config.geography import load_geography
from sim.config.loader import arrangement_of
from sim.config.schema import ICS, Provider, Rules, Scenario, Service
from sim.model.geo import haversine_km
from sim.model.outcomes import adverse_probability

NATIONAL = "NHSE national"


@dataclass(frozen=True)
class UnitSpec:
    """One unit as built: where it is, how many slots, and its role."""

    service: int
    provider: str
    icb: int
    slots: int
    national_centre: bool
    designated: bool
    expected_busy: float


@dataclass
class CommissionerSpec:
    """A payer for the specialised stage: NHSE national, a region, an ICS or a collaborative."""

    key: str
    arrangement: str
    rules: Rules
    footprint: set[int] = field(default_factory=set)
    services: set[int] = field(default_factory=set)
    budget0: float = 0.0  # annual activity budget at t = 0 (GBP)
    admin_fte: float = 0.0


@dataclass(frozen=True)
class Candidate:
    """A routing option for one ICS: fixed score part, unit, distance, out-of-area flag."""

    base_score: float
    unit: int
    km: float
    outside: bool


@dataclass
class ServiceNetwork:
    """Routing and payment tables of one service."""

    index: int
    id: str
    spec: Service
    arrangement: str
    units: list[int]
    payer: np.ndarray  # ICS index -> commissioner index
    crosses: np.ndarray  # ICS index -> local care and specialised stage paid by different bodies
    candidates: list[list[Candidate]]  # per ICS, sorted by base score
    centres: list[list[Candidate]]  # per ICS, national centres for escalation, sorted
    nearest: np.ndarray  # ICS index -> nearest open unit (for "displaced")
    referral_rate0: np.ndarray  # ICS index -> referrals per day at t = 0
    mean_service_days: float  # mean slot occupancy including adverse extra time


@dataclass
class Network:
    """The whole compiled network of one scenario."""

    icss: tuple[ICS, ...]
    providers: tuple[Provider, ...]
    services: list[ServiceNetwork]
    units: list[UnitSpec]
    commissioners: list[CommissionerSpec]
    national: int
    notes: list[str]

    def commissioner_index(self, key: str) -> int:
        return next(i for i, c in enumerate(self.commissioners) if c.key == key)


def growth_factor(service: Service, day: float) -> float:
    return (1.0 + service.annual_growth) ** (day / 365.0)


def accepted_share(service: Service, rules: Rules) -> float:
    """Expected share of specialised referrals accepted (urgent referrals are always accepted)."""
    return service.urgent_share + (1.0 - service.urgent_share) * rules.access_rate


def _payer_key(arrangement: str, ics: ICS, collaborative_of: dict[str, str]) -> str:
    if arrangement == "national":
        return NATIONAL
    if arrangement == "regional":
        return f"NHSE region {ics.region_code}"
    if arrangement == "ics":
        return f"ICS {ics.code}"
    return f"Collaborative {collaborative_of[ics.code]}"


def _footprint(arrangement: str, ics: ICS, icss: tuple[ICS, ...],
               collaborative_of: dict[str, str]) -> set[int]:
    """The ICSs a payer covers: all (national), a region, one ICS, or a collaborative."""
    if arrangement == "national":
        return set(range(len(icss)))
    if arrangement == "regional":
        return {i for i, other in enumerate(icss) if other.region_code == ics.region_code}
    if arrangement == "ics":
        return {i for i, other in enumerate(icss) if other.code == ics.code}
    group = collaborative_of[ics.code]
    return {i for i, other in enumerate(icss) if collaborative_of.get(other.code) == group}


def build_network(scenario: Scenario) -> Network:
    """Compile `scenario` into a :class:`Network` (deterministic, no random numbers)."""
    icss, providers = load_geography(scenario.geography)
    icb_index = {ics.code: i for i, ics in enumerate(icss)}
    provider_by_code = {p.code: p for p in providers}
    pop = np.array([ics.population for ics in icss], dtype=float)
    ics_lat = np.array([ics.lat for ics in icss])
    ics_lon = np.array([ics.lon for ics in icss])
    road = scenario.pathway.road_factor
    plan_day = scenario.pathway.capacity_planning_days
    commissioning = scenario.commissioning
    collaborative_of = {
        code: name for name, members in commissioning.collaboratives.items() for code in members
    }

    commissioners: list[CommissionerSpec] = [
        CommissionerSpec(NATIONAL, "national", commissioning.national, set(range(len(icss))))
    ]
    by_key = {NATIONAL: 0}
    units: list[UnitSpec] = []
    services: list[ServiceNetwork] = []
    notes: list[str] = []

    for s_index, (sid, service) in enumerate(sorted(scenario.services.items())):
        arrangement = arrangement_of(scenario, sid)
        rules: Rules = getattr(commissioning, arrangement)
        rate0 = pop * service.incidence_per_100k / 1e5 / 365.0
        specialised0 = rate0 * (1.0 - service.local_management_share) * accepted_share(
            service, rules
        )

        # 1. base (designated) units, auto-sized for demand routed to the nearest one
        base = [(u, provider_by_code[u.provider]) for u in service.units]
        b_lat = np.array([p.lat for _, p in base])
        b_lon = np.array([p.lon for _, p in base])
        base_km = haversine_km(ics_lat, ics_lon, b_lat, b_lon) * road
        nearest_base = base_km.argmin(axis=1)
        plan_rate = specialised0 * growth_factor(service, plan_day)
        volume = np.bincount(nearest_base, weights=plan_rate * 365.0, minlength=len(base))
        typical_p = adverse_probability(service.outcome, float(np.median(volume)))
        escalation_rate = plan_rate * typical_p * service.outcome.escalation_share

        def mean_service(v: float, service: Service = service) -> float:
            return service.treatment_days.mean + adverse_probability(
                service.outcome, v
            ) * service.outcome.extra_days

        load = np.array([volume[j] / 365.0 * mean_service(volume[j]) for j in range(len(base))])
        centre_idx = [j for j, (u, _) in enumerate(base) if u.national_centre]
        if centre_idx and service.outcome.escalation_share > 0:
            nearest_centre = np.array(centre_idx)[base_km[:, centre_idx].argmin(axis=1)]
            np.add.at(load, nearest_centre, escalation_rate * service.treatment_days.mean)
        slots = [
            u.slots if u.slots is not None
            else max(1, math.ceil(load[j] / service.target_utilisation))
            for j, (u, _) in enumerate(base)
        ]
        hosts = [provider_by_code[u.provider] for u, _ in base]
        roles = [(u.national_centre, True) for u, _ in base]

        # 2. localisation: an ICS with enough expected volume opens its own unit
        if arrangement == "ics" and rules.localise.enabled:
            threshold = rules.localise.threshold_share_of_min_volume * service.min_unit_volume
            hosted = {icb_index[p.icb_code] for p in hosts}
            for i, ics in enumerate(icss):
                expected = specialised0[i] * 365.0
                if i in hosted or expected <= 0 or expected < threshold:
                    continue
                eligible = [p for p in providers
                            if p.icb_code == ics.code and p.kind == service.provider_kind]
                if not eligible:
                    notes.append(f"{sid}: {ics.code} qualifies to localise but has no "
                                 f"{service.provider_kind} provider")
                    continue
                host = max(eligible, key=lambda p: (p.size, [-ord(c) for c in p.code]))
                v = plan_rate[i] * 365.0
                new_slots = max(1, math.ceil(plan_rate[i] * mean_service(v)
                                             / service.target_utilisation))
                if rules.localise.capacity == "moved":
                    donor = int(nearest_base[i])
                    moved = min(new_slots, slots[donor] - 1)
                    slots[donor] -= moved
                    notes.append(f"{sid}: {ics.code} opens a unit at {host.code} with {new_slots}"
                                 f" slots, {moved} moved from {hosts[donor].code}")
                else:
                    notes.append(f"{sid}: {ics.code} opens a unit at {host.code} with "
                                 f"{new_slots} added slots")
                slots.append(new_slots)
                hosts.append(host)
                roles.append((False, False))

        # 3. payers, routing candidates, expected load at t = 0 (for prefill)
        u_lat = np.array([p.lat for p in hosts])
        u_lon = np.array([p.lon for p in hosts])
        km = haversine_km(ics_lat, ics_lon, u_lat, u_lon) * road
        host_icb = np.array([icb_index[p.icb_code] for p in hosts])
        payer = np.zeros(len(icss), dtype=np.int64)
        crosses = np.zeros(len(icss), dtype=bool)
        first = len(units)
        candidates: list[list[Candidate]] = []
        centres: list[list[Candidate]] = []
        busy0 = np.zeros(len(hosts))
        centre_local = [j for j, (centre, _) in enumerate(roles) if centre]
        for i, ics in enumerate(icss):
            key = _payer_key(arrangement, ics, collaborative_of)
            if key not in by_key:
                by_key[key] = len(commissioners)
                commissioners.append(CommissionerSpec(
                    key, arrangement, rules, _footprint(arrangement, ics, icss, collaborative_of)
                ))
            c = commissioners[by_key[key]]
            payer[i] = by_key[key]
            c.services.add(s_index)
            crosses[i] = arrangement in ("national", "regional")
            eligible = [j for j, (_, designated) in enumerate(roles)
                        if designated or arrangement != "national"]
            options = []
            for j in eligible:
                outside = int(host_icb[j]) not in c.footprint
                score = rules.w_distance * km[i, j] + rules.out_of_area_weight * outside
                options.append(Candidate(float(score), first + j, float(km[i, j]), bool(outside)))
            options.sort(key=lambda o: (o.base_score, o.unit))
            candidates.append(options)
            busy0[options[0].unit - first] += specialised0[i] * mean_service(
                float(specialised0[i] * 365.0))
            national_rules = commissioning.national
            centre_options = sorted(
                (Candidate(float(national_rules.w_distance * km[i, j]), first + j,
                           float(km[i, j]), False) for j in centre_local),
                key=lambda o: (o.base_score, o.unit),
            )
            centres.append(centre_options)
            c.budget0 += (specialised0[i] * 365.0 * service.tariff_gbp
                          * (1.0 + rules.budget_headroom))
            commissioners[0].budget0 += (specialised0[i] * 365.0 * typical_p
                                         * service.outcome.escalation_share * service.tariff_gbp)
        for j, host in enumerate(hosts):
            centre, designated = roles[j]
            units.append(UnitSpec(s_index, host.code, icb_index[host.icb_code], slots[j],
                                  centre, designated, float(busy0[j])))
        services.append(ServiceNetwork(
            index=s_index, id=sid, spec=service, arrangement=arrangement,
            units=list(range(first, len(units))), payer=payer, crosses=crosses,
            candidates=candidates, centres=centres,
            nearest=first + km.argmin(axis=1), referral_rate0=rate0,
            mean_service_days=mean_service(float(np.median(volume))),
        ))

    for c in commissioners:
        c.admin_fte = c.rules.admin_fte_per_service * len(c.services)
    return Network(icss, providers, services, units, commissioners, 0, notes)
