"""Emergency pathway (no commissioner approval or hand-over before a bed; a full unit sends the
patient on) and the waiting list a run starts from."""

from __future__ import annotations

import numpy as np
import pytest
from scenario_helpers import textbook

from sim.config.schema import Scenario
from sim.model.kpis import replication_kpis
from sim.model.patients import backlog_sizes, waiting_ages
from sim.model.records import TREATED
from sim.model.simulation import Simulation, simulate

TWO_UNITS = {"geography": {"providers": [
    {"code": "P1", "name": "Near", "icb_code": "ICS1", "lat": 52.0, "lon": -1.0},
    {"code": "P2", "name": "Far", "icb_code": "ICS1", "lat": 53.0, "lon": -1.0},
]}}


def _emergency_scenario(emergency_share: float) -> Scenario:
    """Every delay a commissioner can cause is switched on: hand-overs, out-of-area approval,
    late contracts every year for the whole year."""
    data = textbook(arrival_per_day=1.5, mean_days=2.0, **TWO_UNITS)
    data["services"]["svc"].update(emergency_share=emergency_share, urgent_share=0.0)
    data["services"]["svc"]["units"] = [{"provider": "P1", "slots": 3},
                                        {"provider": "P2", "slots": 3}]
    data["pathway"].update(handover_delay_days=7.0)
    data["commissioning"] = {"default": "regional", "regional": {
        "approval_delay_days": 10.0, "out_of_area_weight": 0.0,
        "late_contract_probability": 1.0, "late_contract_days": 365.0,
        "late_contract_delay_days": 14.0, "access_rate": 0.5}}
    return Scenario.model_validate(data)


def test_no_emergency_patient_waits_for_a_commissioner_before_treatment():
    res = simulate(_emergency_scenario(1.0), 0, years=1, warmup_days=0)
    p, rec = res.patients, res.records
    treated = rec.status == TREATED
    assert p.emergency.all() and treated.sum() > 400
    assert (rec.status != 2).all()  # no emergency referral is refused (access_rate 0.5)
    got_a_bed_at_once = rec.transfers[treated] >= 0  # a free bed was found (-1: none free)
    time_to_bed = rec.start[treated] - rec.decision[treated]
    assert np.all(time_to_bed[got_a_bed_at_once] == 0.0)  # no 7 + 10 + 14 days of delays
    assert (rec.transfers[treated] >= 1).any()  # full near unit: sent on to the far one
    assert (rec.unit[treated & (rec.transfers == 1)] == 1).all()
    # no free bed in either unit: the patient waits at the first, not counted as transferred
    no_bed = treated & (rec.transfers == -1)
    assert no_bed.any() and (rec.unit[no_bed] == 0).all()
    assert (rec.start[no_bed] > rec.decision[no_bed]).all()
    kpis = replication_kpis(res).set_index(["scope", "key", "kpi"]).value
    emergency = treated & (rec.start >= res.warmup)
    assert kpis[("overall", "all", "emergency_no_bed_pct")] == pytest.approx(
        100.0 * (rec.transfers[emergency] == -1).mean())
    assert kpis[("overall", "all", "emergency_transfers_per_patient")] == pytest.approx(
        np.maximum(rec.transfers[emergency], 0).mean())
    # the same patients as elective referrals do wait for hand-over and late contract
    elective = simulate(_emergency_scenario(0.0), 0, years=1, warmup_days=0)
    accepted = elective.records.status == TREATED
    delays = elective.records.start[accepted] - elective.records.decision[accepted]
    assert np.all(delays >= 14.0)


def test_waiting_list_at_start_matches_its_published_size_and_ages():
    data = textbook(arrival_per_day=2.0, mean_days=1.0, slots=3)
    data["services"]["svc"]["initial_waiting_list"] = {
        "size": 4000, "median_weeks": 10.9, "p92_weeks": 35.26}
    sim = Simulation(Scenario.model_validate(data), 0, years=0.1, warmup_days=0)
    p = sim.patients
    ages = -p.referral[p.backlog]
    assert p.backlog.sum() == 4000
    assert not p.local[p.backlog].any() and not p.emergency[p.backlog].any()
    assert np.median(ages) == pytest.approx(10.9 * 7, rel=0.05)
    assert np.quantile(ages, 0.92) == pytest.approx(35.26 * 7, rel=0.05)
    res = sim.run()
    started = res.records.start[p.backlog]
    # the longest waiters are treated first among routine patients (urgent first)
    routine = p.priority[p.backlog] == 1
    first = np.argsort(started[routine])[:50]
    assert np.median(ages[routine][first]) > np.quantile(ages[routine], 0.9)


def test_backlog_split_adds_up_and_follows_the_weights():
    parts = backlog_sizes(1001, np.array([1.0, 2.0, 0.0, 7.0]))
    assert parts.sum() == 1001 and parts[2] == 0
    assert list(parts) == [100, 200, 0, 701]


def test_waiting_ages_quantiles():
    from sim.config.schema import InitialWaitingList, Service
    service = Service.model_validate({
        "name": "s", "incidence_per_100k": 1, "treatment_days": {"kind": "fixed", "mean": 1},
        "units": [{"provider": "P"}],
        "initial_waiting_list": InitialWaitingList(size=1, median_weeks=14.36,
                                                   p92_weeks=39.67).model_dump()})
    ages = waiting_ages(service, np.array([0.5, 0.92]))
    np.testing.assert_allclose(ages, [14.36 * 7, 39.67 * 7])
