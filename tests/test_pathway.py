"""Pathway mechanics with numbers worked out by hand: routing score, volume-outcome curve,
hand-over counting, budget review, the waiting list and its slots."""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy
from scenario_helpers import textbook

from sim.config.schema import Outcome, Scenario
from sim.model.commissioning import budget_between
from sim.model.engine import Wake
from sim.model.geo import haversine_km
from sim.model.outcomes import adverse_probability
from sim.model.patients import generate_patients
from sim.model.records import TREATED
from sim.model.routing import route, routes
from sim.model.simulation import Simulation, simulate
from sim.model.unit import TreatmentUnit

TWO_PROVIDERS = {"geography": {"providers": [
    {"code": "P1", "name": "Near", "icb_code": "ICS1", "lat": 52.0, "lon": -1.0},
    {"code": "P2", "name": "Far", "icb_code": "ICS1", "lat": 53.0, "lon": -1.0},
]}}


def two_unit_scenario(**overrides) -> Scenario:
    data = textbook(arrival_per_day=0.05, mean_days=10.0, **TWO_PROVIDERS)
    data["services"]["svc"]["units"] = [{"provider": "P1", "slots": 1},
                                        {"provider": "P2", "slots": 1, "national_centre": True}]
    from sim.config.loader import deep_merge
    return Scenario.model_validate(deep_merge(data, overrides))


def test_routing_score_picks_the_lowest_distance_plus_wait():
    sim = Simulation(two_unit_scenario(), 0)
    options = sim.network.services[0].candidates[0]
    far_km = float(haversine_km(np.array([52.0]), np.array([-1.0]),
                                np.array([53.0]), np.array([-1.0]))[0, 0]) * 1.3
    assert [o.unit for o in options] == [0, 1]
    assert options[0].base_score == pytest.approx(0.0)
    assert options[1].base_score == pytest.approx(far_km)  # 1 point per road km
    near = sim.units[0]
    near.join(1, 0.0, Wake())  # one patient in the slot
    for k in range(6):  # six waiting: 7 ahead of a new referral, 7 * 10 days / 1 slot
        near.join(1, float(k), Wake())
    assert near.expected_wait_days() == pytest.approx(70.0)
    table = routes(options, sim.units).options
    assert route(table, w_wait=2.0)[2].unit == 0  # 2 * 70 = 140 < 144.6 km
    near.join(1, 7.0, Wake())  # 8 ahead: 2 * 80 = 160 > 144.6
    assert route(table, w_wait=2.0)[2].unit == 1
    assert route(table, w_wait=1.0)[2].unit == 0  # 80 < 144.6


def test_out_of_area_weight_enters_the_score():
    scenario = two_unit_scenario(
        geography={"icss": [
            {"code": "ICS1", "name": "A", "region_code": "R1", "region_name": "R",
             "population": 100000, "lat": 52.0, "lon": -1.0},
            {"code": "ICS2", "name": "B", "region_code": "R1", "region_name": "R",
             "population": 100000, "lat": 53.0, "lon": -1.0}],
            "providers": [
                {"code": "P1", "name": "Near", "icb_code": "ICS2", "lat": 52.0, "lon": -1.0},
                {"code": "P2", "name": "Far", "icb_code": "ICS1", "lat": 53.0, "lon": -1.0}]},
        commissioning={"default": "ics", "ics": {"out_of_area_weight": 500.0}},
    )
    sim = Simulation(scenario, 0)
    options = sim.network.services[0].candidates[0]  # ICS1 lives next to P1, hosted by ICS2
    assert options[0].unit == 1 and not options[0].outside
    assert options[1].unit == 0 and options[1].outside
    assert options[1].base_score == pytest.approx(500.0)


def test_volume_outcome_curve_numbers():
    curve = Outcome(p_floor=0.03, p_ceiling=0.13, v_half=15, k=1.5)
    assert adverse_probability(curve, 0) == pytest.approx(0.13)
    assert adverse_probability(curve, 15) == pytest.approx(0.08)  # midpoint at v_half
    assert adverse_probability(curve, 30) == pytest.approx(0.03 + 0.10 / (1 + 2**1.5))
    assert adverse_probability(curve, 1e9) == pytest.approx(0.03, abs=1e-9)
    values = [adverse_probability(curve, v) for v in range(0, 200, 5)]
    assert all(a > b for a, b in zip(values, values[1:], strict=False))


def _discharged(res):
    rec = res.records
    return ~np.isnan(rec.discharge)


def test_handover_counting_national_two_crossings_each_with_its_delay():
    scenario = Scenario.model_validate(textbook(pathway={"handover_delay_days": 5.0}))
    res = simulate(scenario, 0, years=0.5, warmup_days=0)
    done = _discharged(res)
    assert done.sum() > 50
    assert (res.records.crossings[done] == 2).all()
    p = res.patients
    expected = 5.0 * (p.e_handover_in[done] + p.e_handover_out[done])
    np.testing.assert_allclose(res.records.handover[done], expected)
    # the wait includes the inbound hand-over: treatment never starts before it ends
    started = res.records.status == TREATED
    assert (res.records.start[started] - p.referral[started]
            >= 5.0 * p.e_handover_in[started] - 1e-9).all()


def test_handover_counting_delegated_no_crossings():
    scenario = Scenario.model_validate(textbook(pathway={"handover_delay_days": 5.0},
                                                commissioning={"default": "ics"}))
    res = simulate(scenario, 0, years=0.5, warmup_days=0)
    done = _discharged(res)
    assert (res.records.crossings[done] == 0).all()
    assert (res.records.handover[done] == 0).all()


@pytest.mark.parametrize(("arrangement", "crossings"), [
    ("ics", 2),  # ICS -> NHSE national centre -> local care (ICS): 2 crossings, 0 without
    ("national", 2),  # local -> NHSE; the national centre is also NHSE; -> local: 2
    ("regional", 3),  # local -> NHSE region -> NHSE national -> local: 3
])
def test_escalation_adds_crossings(arrangement, crossings):
    scenario = two_unit_scenario(
        services={"svc": {"outcome": {"p_floor": 1.0, "p_ceiling": 1.0, "v_half": 1, "k": 1,
                                      "escalation_share": 1.0}}},
        commissioning={"default": arrangement, "ics": {"w_distance": 1.0}},
    )
    res = simulate(scenario, 0, years=3, warmup_days=0)
    rec = res.records
    escalated = rec.escalated & ~np.isnan(rec.discharge)
    assert escalated.sum() > 5
    assert (rec.unit[escalated] == 0).all() and (rec.esc_unit[escalated] == 1).all()
    assert (rec.crossings[escalated] == crossings).all()


def _budget_scenario(policy: str) -> Scenario:
    return Scenario.model_validate(textbook(
        arrival_per_day=5.0, mean_days=1.0, slots=10,
        services={"svc": {"tariff_gbp": 1000.0}},
        commissioning={"default": "ics", "ics": {
            "budget_policy": policy, "budget_headroom": -0.5, "budget_growth": 0.0,
            "capacity_cut_share": 0.1, "access_tighten_step": 0.05}},
    ))


def test_budget_review_deprioritise_cuts_capacity_and_access():
    sim = Simulation(_budget_scenario("deprioritise"), 0, years=1, warmup_days=0)
    ics = sim.network.commissioner_index("ICS ICS1")
    # budget at t=0: 5 referrals/day * 365 * GBP 1000 * (1 - 0.5)
    assert sim.network.commissioners[ics].budget0 == pytest.approx(5 * 365 * 1000 * 0.5)
    assert budget_between(sim.network.commissioners[ics], 0.0, 365.0) == pytest.approx(912_500.0)
    res = sim.run()
    # spending twice the budget: a cut at each of the first three quarterly reviews, then the cap
    assert res.capacity_cuts == 3
    assert sim.units[0].slots == round(10 * 0.9**3) == 7
    assert sim.commissioners.access[ics] == pytest.approx(1.0 - 3 * 0.05)
    assert res.budget_window[ics] == pytest.approx(912_500.0)
    assert res.spend_window[ics] > 1.5 * res.budget_window[ics]


def test_budget_review_absorb_does_nothing():
    sim = Simulation(_budget_scenario("absorb"), 0, years=1, warmup_days=0)
    res = sim.run()
    assert res.capacity_cuts == 0 and sim.units[0].slots == 10


def test_budget_growth_integral():
    scenario = _budget_scenario("absorb")
    scenario.commissioning.ics.budget_growth = 0.03
    sim = Simulation(scenario, 0)
    b0 = sim.network.commissioners[1].budget0
    # integral over a year of b0 * 1.03**(t/365) dt/365 = b0 * 0.03 / ln(1.03)
    budget = budget_between(sim.network.commissioners[1], 0.0, 365.0)
    assert budget == pytest.approx(b0 * 0.03 / math.log(1.03))


def test_waiting_list_order_and_slot_changes():
    env = simpy.Environment()
    unit = TreatmentUnit(env, slots=1, mean_treatment_days=1.0)

    def given(waiter: Wake) -> bool:  # scheduled by the unit: a slot is given
        return any(entry[3] is waiter for entry in env._queue)

    assert unit.join(1, 0.0, Wake())  # a free slot: starts at once
    routine_late, routine_early, urgent, late = Wake(), Wake(), Wake(), Wake()
    assert not unit.join(1, 5.0, routine_late)
    assert not unit.join(1, 2.0, routine_early)
    assert not unit.join(0, 9.0, urgent)
    unit.release()
    assert given(urgent) and not given(routine_early)  # priority before referral time
    unit.set_slots(3)  # capacity up: both waiting patients start
    assert given(routine_early) and given(routine_late) and unit.busy == 3
    unit.set_slots(1)  # a cut never evicts
    assert unit.busy == 3
    unit.join(1, 10.0, late)
    unit.release()
    unit.release()
    assert not given(late)  # 1 busy of 1 slot
    unit.release()
    assert given(late) and unit.busy == 1


def test_rolling_volume_counts_the_previous_365_days():
    env = simpy.Environment()
    unit = TreatmentUnit(env, slots=1, mean_treatment_days=1.0)
    for t in (400.0, 500.0, 700.0):
        unit.record_start(t)
    assert unit.record_start(800.0) == 2.0  # window (435, 800]: 500 and 700
    assert unit.record_start(1000.0) == 2.0  # window (635, 1000]: 700 and 800
    early = TreatmentUnit(env, slots=1, mean_treatment_days=1.0)
    early.record_start(10.0)
    assert early.record_start(73.0) == pytest.approx(365.0 / 73.0)  # 1 start, annualised


def test_adding_a_provider_leaves_every_ics_referrals_unchanged():
    base = textbook()
    bigger = textbook(**TWO_PROVIDERS)
    bigger["services"]["svc"]["units"].append({"provider": "P2", "slots": 3})
    a = Simulation(Scenario.model_validate(base), 3)
    b = Simulation(Scenario.model_validate(bigger), 3)
    assert len(b.network.units) == len(a.network.units) + 1
    pa = generate_patients(a.network, 1, 3, 400.0)
    pb = generate_patients(b.network, 1, 3, 400.0)
    np.testing.assert_array_equal(pa.referral, pb.referral)
    np.testing.assert_array_equal(pa.ics, pb.ics)
    np.testing.assert_array_equal(pa.treat, pb.treat)
