"""Compile a scenario into the network a run simulates: units, commissioners, routing tables.

Everything here is decided before the clock starts and does not depend on random numbers:
which commissioner pays for each (ICS, service) (from the commissioning plan), which units
exist (including units an ICS opens under `localise`), how many slots each has, and each
ICS's routing candidates sorted by the fixed part of their score. Keeping this out of the
SimPy processes keeps per-event work small and makes the network easy to inspect and test.

`build_network` runs four named phases per service: demand, designated units (sized),
localisation, routing and payment tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.config.arrangements import ARRANGEMENTS
from sim.config.geography import load_geography
from sim.config.schema import ICS, Provider, Rules, Scenario, Service, ServiceGroup
from sim.model.allocation import BudgetLine, allocate_budgets
from sim.model.commissioning import (
    NATIONAL,
    NATIONAL_INDEX,
    Commissioner,
    CommissioningPlan,
    commissioner_key,
    footprint_of,
)
from sim.model.geo import haversine_km
from sim.model.network_parts import (  # noqa: F401 (Candidate re-exported for the pathway)
    Candidate,
    GroupNetwork,
    Network,
    ServiceNetwork,
    UnitSpec,
)
from sim.model.outcomes import adverse_probability
from sim.model.readiness import gate_plan
from sim.model.standards import add_audit_staff
from sim.model.transition import Epoch, compile_transitions


def growth_factor(service: Service, day: float) -> float:
    return (1.0 + service.annual_growth) ** (day / 365.0)


def accepted_share(service: Service, rules: Rules) -> float:
    """Expected share of specialised referrals accepted (urgent referrals are always accepted)."""
    return service.urgent_share + (1.0 - service.urgent_share) * rules.access_rate


@dataclass
class _Site:
    """A unit while the network is being built."""

    host: Provider
    slots: int
    national_centre: bool
    designated: bool
    name: str | None = None


class _Builder:
    """The state shared by the phases of `build_network`."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.icss, self.providers = load_geography(scenario.geography)
        self.ics_index = {ics.code: i for i, ics in enumerate(self.icss)}
        self.provider_by_code = {p.code: p for p in self.providers}
        self.pop = np.array([ics.population for ics in self.icss], dtype=float)
        self.lat = np.array([ics.lat for ics in self.icss])
        self.lon = np.array([ics.lon for ics in self.icss])
        self.road = scenario.pathway.road_factor
        self.plan_day = scenario.pathway.capacity_planning_days
        self.commissioning = scenario.commissioning
        self.plan = gate_plan(CommissioningPlan.of(scenario, self.icss), scenario, self.icss)
        self.escalation_expected = 0.0
        self.collaborative_of = {code: name for name, members in
                                 self.commissioning.collaboratives.items() for code in members}
        self.commissioners = [Commissioner(NATIONAL, "national", self.commissioning.national,
                                           frozenset(range(len(self.icss))))]
        self.by_key = {NATIONAL: NATIONAL_INDEX}
        self.units: list[UnitSpec] = []
        self.notes: list[str] = []

    def km_to(self, hosts: list[Provider]) -> np.ndarray:
        """Road distance from each ICS to each host, km."""
        return haversine_km(self.lat, self.lon, np.array([p.lat for p in hosts]),
                            np.array([p.lon for p in hosts])) * self.road

    def commissioner_for(self, arrangement: str, ics: ICS, rules: Rules) -> int:
        key = commissioner_key(arrangement, ics, self.collaborative_of)
        if key not in self.by_key:
            self.by_key[key] = len(self.commissioners)
            self.commissioners.append(Commissioner(
                key, arrangement, rules,
                footprint_of(arrangement, ics, self.icss, self.collaborative_of)))
        return self.by_key[key]


def _mean_service(service: Service, volume: float) -> float:
    """Mean slot occupancy of a treatment at a unit of annual `volume` (adverse extra time)."""
    return service.treatment_days.mean + adverse_probability(
        service.outcome, volume) * service.outcome.extra_days


def _designated_units(b: _Builder, service: Service, specialised0: np.ndarray
                      ) -> tuple[list[_Site], np.ndarray, np.ndarray, float]:
    """The service's designated units. Slots are an input (times the service's
    `capacity_scale`); a unit without slots, or every unit under `pathway.capacity: sized`, is
    sized for the demand routed to its nearest site at the planning date plus escalations to
    national centres, at the service's target utilisation.
    Returns the sites, each ICS's nearest site, the planning-date rates and the typical
    adverse probability."""
    hosts = [b.provider_by_code[u.provider] for u in service.units]
    km = b.km_to(hosts)
    nearest = km.argmin(axis=1)
    plan_rate = specialised0 * growth_factor(service, b.plan_day)
    volume = np.bincount(nearest, weights=plan_rate * 365.0, minlength=len(hosts))
    typical_p = adverse_probability(service.outcome, float(np.median(volume)))
    escalation_rate = plan_rate * typical_p * service.outcome.escalation_share
    load = np.array([volume[j] / 365.0 * _mean_service(service, volume[j])
                     for j in range(len(hosts))])
    centres = [j for j, u in enumerate(service.units) if u.national_centre]
    if centres and service.outcome.escalation_share > 0:
        nearest_centre = np.array(centres)[km[:, centres].argmin(axis=1)]
        np.add.at(load, nearest_centre, escalation_rate * service.treatment_days.mean)
    sized = b.scenario.pathway.capacity == "sized"
    sites = []
    for j, (u, host) in enumerate(zip(service.units, hosts, strict=True)):
        if u.slots is None or sized:
            slots = max(1, math.ceil(load[j] / service.target_utilisation))
        else:
            slots = max(1, round(u.slots * service.capacity_scale))
        sites.append(_Site(host, slots, u.national_centre, designated=True, name=u.name))
    return sites, nearest, plan_rate, typical_p


def _localise(b: _Builder, sid: str, service: Service, arrangements: list[str],
              specialised0: np.ndarray, plan_rate: np.ndarray, nearest: np.ndarray,
              sites: list[_Site]) -> None:
    """An ICS whose arrangement may localise, with enough expected volume, opens its own unit
    at its largest eligible trust (ties: the alphabetically first code)."""
    hosted = {b.ics_index[s.host.icb_code] for s in sites}
    for i, ics in enumerate(b.icss):
        rules = b.commissioning.rules_for(arrangements[i])
        if not (ARRANGEMENTS[arrangements[i]].may_localise and rules.localise.enabled):
            continue
        threshold = rules.localise.threshold_share_of_min_volume * service.min_unit_volume
        expected = specialised0[i] * 365.0
        if i in hosted or expected <= 0 or expected < threshold:
            continue
        eligible = [p for p in b.providers
                    if p.icb_code == ics.code and p.kind == service.provider_kind]
        if not eligible:
            b.notes.append(f"{sid}: {ics.code} qualifies to localise but has no "
                           f"{service.provider_kind} provider")
            continue
        host = min(eligible, key=lambda p: (-p.size, p.code))
        new_slots = max(1, math.ceil(plan_rate[i] * _mean_service(service, plan_rate[i] * 365.0)
                                     / service.target_utilisation))
        if rules.localise.capacity == "moved":
            donor = sites[int(nearest[i])]
            moved = min(new_slots, donor.slots - 1)
            donor.slots -= moved
            b.notes.append(f"{sid}: {ics.code} opens a unit at {host.code} with {new_slots}"
                           f" slots, {moved} moved from {donor.host.code}")
        else:
            b.notes.append(f"{sid}: {ics.code} opens a unit at {host.code} with "
                           f"{new_slots} added slots")
        sites.append(_Site(host, new_slots, national_centre=False, designated=False))


def _routes(b: _Builder, s_index: int, sites: list[_Site], first: int, km: np.ndarray,
            host_ics: np.ndarray, arrangements: list[str]
            ) -> tuple[np.ndarray, np.ndarray, list[list[Candidate]]]:
    """Per ICS under `arrangements`: its commissioner (registered, holding the service), whether
    care crosses a boundary, and its routing candidates sorted by fixed score."""
    commissioner = np.zeros(len(b.icss), dtype=np.int64)
    crosses = np.zeros(len(b.icss), dtype=bool)
    candidates: list[list[Candidate]] = []
    for i, ics in enumerate(b.icss):
        kind = ARRANGEMENTS[arrangements[i]]
        rules = b.commissioning.rules_for(arrangements[i])
        k = b.commissioner_for(arrangements[i], ics, rules)
        c = b.commissioners[k]
        commissioner[i] = k
        c.services.add(s_index)
        crosses[i] = kind.crosses_boundary
        options = []
        for j, site in enumerate(sites):
            if kind.designated_only and not site.designated:
                continue
            outside = int(host_ics[j]) not in c.footprint
            score = rules.w_distance * km[i, j] + rules.out_of_area_weight * outside
            options.append(Candidate(float(score), first + j, float(km[i, j]), bool(outside)))
        options.sort(key=lambda o: (o.base_score, o.unit))
        candidates.append(options)
    return commissioner, crosses, candidates


def _specialised_rate(b: _Builder, service: Service, arrangements: list[str]) -> np.ndarray:
    """Specialised referrals per day at t = 0 per ICS that its commissioner is expected to
    accept under `arrangements`."""
    accepted = np.array([accepted_share(service, b.commissioning.rules_for(a))
                         for a in arrangements])
    rate0 = b.pop * service.incidence_per_100k / 1e5 / 365.0
    return rate0 * (1.0 - service.local_management_share) * accepted


def _routing_and_payment(b: _Builder, s_index: int, sid: str, service: Service,
                         arrangements: list[str], rate0: np.ndarray, specialised0: np.ndarray,
                         typical_p: float, volume_median: float, sites: list[_Site]
                         ) -> ServiceNetwork:
    """Per ICS: its commissioner, whether care crosses a boundary, routing candidates sorted by
    fixed score, national centres for escalation; units with their expected load at t = 0;
    each commissioner's activity budget at t = 0; and the same routing tables for every later
    arrangement the plan gives (epochs)."""
    hosts = [s.host for s in sites]
    km = b.km_to(hosts)
    host_ics = np.array([b.ics_index[p.icb_code] for p in hosts])
    first = len(b.units)
    commissioner, crosses, candidates = _routes(b, s_index, sites, first, km, host_ics,
                                                arrangements)
    centres: list[list[Candidate]] = []
    busy0 = np.zeros(len(sites))
    national_rules = b.commissioning.national
    centre_sites = [j for j, s in enumerate(sites) if s.national_centre]
    for i in range(len(b.icss)):
        rules = b.commissioning.rules_for(arrangements[i])
        c = b.commissioners[commissioner[i]]
        options = candidates[i]
        busy0[options[0].unit - first] += specialised0[i] * _mean_service(
            service, float(specialised0[i] * 365.0))
        centres.append(sorted(
            (Candidate(float(national_rules.w_distance * km[i, j]), first + j, float(km[i, j]),
                       False) for j in centre_sites),
            key=lambda o: (o.base_score, o.unit),
        ))
        annual = specialised0[i] * 365.0
        c.budget0 += annual * service.tariff_gbp * (1.0 + rules.budget_headroom)
        escalation = annual * typical_p * service.outcome.escalation_share * service.tariff_gbp
        b.commissioners[NATIONAL_INDEX].budget0 += escalation
        b.escalation_expected += escalation
    per_trust: dict[str, int] = {}
    for j, site in enumerate(sites):
        n = per_trust[site.host.code] = per_trust.get(site.host.code, 0) + 1
        key = f"{sid}/{site.host.code}" + (f"#{n}" if n > 1 else "")
        b.units.append(UnitSpec(s_index, site.host.code, key, site.name or site.host.name,
                                b.ics_index[site.host.icb_code], site.slots,
                                site.national_centre, site.designated, float(busy0[j])))
    epochs = [Epoch(0.0, tuple(arrangements), commissioner,
                    specialised0 * 365.0 * service.tariff_gbp, crosses, candidates)]
    for day in b.plan.change_days(sid):
        later = [b.plan.arrangement(sid, ics.code, day) for ics in b.icss]
        if tuple(later) == epochs[-1].arrangements:
            continue
        expected = _specialised_rate(b, service, later) * 365.0 * service.tariff_gbp
        who, cross, options = _routes(b, s_index, sites, first, km, host_ics, later)
        epochs.append(Epoch(day, tuple(later), who, expected, cross, options))
    return ServiceNetwork(
        index=s_index, id=sid, spec=service, arrangements=tuple(arrangements),
        units=list(range(first, len(b.units))), commissioner=commissioner, crosses=crosses,
        candidates=candidates, centres=centres, nearest=first + km.argmin(axis=1),
        referral_rate0=rate0, mean_service_days=_mean_service(service, volume_median),
        epochs=epochs,
    )


def build_network(scenario: Scenario) -> Network:
    """Compile `scenario` into a :class:`Network` (deterministic, no random numbers)."""
    b = _Builder(scenario)
    services: list[ServiceNetwork] = []
    lines: list[BudgetLine] = []
    for s_index, (sid, service) in enumerate(sorted(scenario.services.items())):
        # 1. demand: referrals at t = 0, and those the commissioner is expected to accept
        arrangements = [b.plan.arrangement(sid, ics.code) for ics in b.icss]
        rate0 = b.pop * service.incidence_per_100k / 1e5 / 365.0
        specialised0 = _specialised_rate(b, service, arrangements)
        # 2. designated units, sized; 3. units ICSs open; 4. routing and payment tables
        sites, nearest, plan_rate, typical_p = _designated_units(b, service, specialised0)
        volume_median = float(np.median(np.bincount(
            nearest, weights=plan_rate * 365.0, minlength=len(service.units))))
        _localise(b, sid, service, arrangements, specialised0, plan_rate, nearest, sites)
        services.append(_routing_and_payment(b, s_index, sid, service, arrangements, rate0,
                                             specialised0, typical_p, volume_median, sites))
        # base for allocations: this demand under national rules (and its escalations)
        national = rate0 * (1.0 - service.local_management_share) * 365.0 * service.tariff_gbp \
            * accepted_share(service, b.commissioning.national)
        lines += [BudgetLine(sid, services[-1].commissioner, national),
                  BudgetLine(f"{sid}/escalations", np.zeros(len(b.icss), dtype=np.int64),
                             national * typical_p * service.outcome.escalation_share)]
    groups = [_service_group(b, gid, group)
              for gid, group in sorted(scenario.service_groups.items())]
    lines += [BudgetLine(g.id, g.commissioner, g.episodes_rate0 * 365.0
                         * g.spec.cost_per_episode_gbp) for g in groups]
    allocate_budgets(b.commissioners, lines, b.icss, scenario.finance.allocation)
    services_in = {g.id: g.spec.prescribed_services for g in groups}
    for c in b.commissioners:
        c.admin_fte = c.rules.admin_fte_per_service * (
            len(c.services) + sum(services_in[gid] for gid in c.groups))
    add_audit_staff(b.commissioners, scenario.mechanisms.standards)
    network = Network(b.icss, b.providers, services, b.units, b.commissioners, b.plan,
                      b.notes, groups, b.escalation_expected)
    if b.plan.dated:  # budgets split and teams moved at each change
        compile_transitions(b.commissioners, network.lines(), b.escalation_expected)
    return network


def _service_group(b: _Builder, gid: str, group: ServiceGroup) -> GroupNetwork:
    """A group's commissioner per ICS (from the plan, for each epoch) and its episodes at
    t = 0, shared out by population; each commissioner's budget grows by the group's expected
    cost."""
    rate0 = group.annual_episodes * b.pop / b.pop.sum() / 365.0
    expected = rate0 * 365.0 * group.cost_per_episode_gbp
    epochs: list[Epoch] = []
    for day in [0.0, *b.plan.change_days(gid)]:
        arrangements = tuple(b.plan.arrangement(gid, ics.code, day) for ics in b.icss)
        if epochs and arrangements == epochs[-1].arrangements:
            continue
        commissioner = np.zeros(len(b.icss), dtype=np.int64)
        for i, ics in enumerate(b.icss):
            rules = b.commissioning.rules_for(arrangements[i])
            k = b.commissioner_for(arrangements[i], ics, rules)
            commissioner[i] = k
            b.commissioners[k].groups.add(gid)
            if day == 0.0:
                b.commissioners[k].budget0 += (rate0[i] * 365.0 * group.cost_per_episode_gbp
                                               * (1.0 + rules.budget_headroom))
        epochs.append(Epoch(day, arrangements, commissioner, expected))
    return GroupNetwork(gid, group, epochs[0].commissioner, rate0, epochs)
