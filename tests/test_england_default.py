"""The embedded England default: real geography, every parameter sourced, stable capacity."""

from __future__ import annotations

import numpy as np
from scenario_helpers import SCENARIOS

from sim.config import load_scenario
from sim.config.checks import SOURCE_KEYS
from sim.config.geography import england
from sim.model.geo import haversine_km
from sim.model.network import build_network


def test_geography_is_the_42_icss_and_7_regions():
    icss, providers = england()
    assert len(icss) == 42 and len({i.code for i in icss}) == 42
    assert sum(i.population for i in icss) == 58_620_101  # ONS mid-2024
    assert len({i.region_code for i in icss}) == 7
    assert sum(p.tertiary for p in providers) == 10  # the Shelford Group
    assert {p.icb_code for p in providers} <= {i.code for i in icss}


def test_every_service_parameter_is_cited_derived_or_illustrative():
    scenario = load_scenario("england")
    assert len(scenario.services) >= 10
    assert any(not s.delegable for s in scenario.services.values())
    for sid, service in scenario.services.items():
        missing = SOURCE_KEYS - set(service.sources)
        assert not missing, (sid, sorted(missing))
        for text in service.sources.values():
            assert text.split(":", 1)[0] in {"cited", "derived", "illustrative"}


def test_centralised_capacity_is_stable_for_every_unit():
    """Offered load (demand routed to the nearest unit at the capacity-planning date, times
    the mean treatment length plus the worst-case adverse extra time) stays below each unit's
    slots."""
    scenario = load_scenario(SCENARIOS / "centralised.yaml")
    net = build_network(scenario)
    pop = np.array([i.population for i in net.icss], float)
    lat = np.array([i.lat for i in net.icss])
    lon = np.array([i.lon for i in net.icss])
    plan = scenario.pathway.capacity_planning_days
    providers = {p.code: p for p in net.providers}
    for sn in net.services:
        s = sn.spec
        units = [net.units[u] for u in sn.units]
        km = haversine_km(lat, lon, np.array([providers[u.provider].lat for u in units]),
                          np.array([providers[u.provider].lon for u in units]))
        per_day = (pop * s.incidence_per_100k / 1e5 / 365 * (1 - s.local_management_share)
                   * (1 + s.annual_growth) ** (plan / 365))
        mean = s.treatment_days.mean + s.outcome.p_ceiling * s.outcome.extra_days
        load = np.bincount(km.argmin(axis=1), weights=per_day * mean, minlength=len(units))
        slots = np.array([u.slots for u in units])
        assert (load < slots).all(), (sn.id, (load / slots).max())
