"""The calibrated England baseline behaves as a planner expects: capacity is an input, so more
demand means longer waits and a growing list (it used to bring its own capacity); and the
shipped network has the real designated centres."""

from __future__ import annotations

import numpy as np
import pytest
from scenario_helpers import SCENARIOS

from sim.analysis.calibrate import one_service
from sim.analysis.compare import paired_differences
from sim.config import load_scenario
from sim.config.sweep import apply
from sim.experiment.runner import make_tasks, run_tasks
from sim.model.network import build_network


@pytest.fixture(scope="module")
def cardiac():
    return one_service(load_scenario(SCENARIOS / "centralised.yaml"), "cardiac_surgery")


@pytest.mark.slow
def test_more_demand_with_fixed_capacity_means_longer_waits_and_a_growing_list(cardiac):
    incidence = cardiac.services["cardiac_surgery"].incidence_per_100k
    more = apply(cardiac, {"name": "demand_plus_20",
                           "services.cardiac_surgery.incidence_per_100k": incidence * 1.2})
    slots = [[u.slots for u in build_network(s).units] for s in (cardiac, more)]
    assert slots[0] == slots[1]  # capacity is an input: it does not follow demand
    sized = [apply(s, {"pathway.capacity": "sized"}) for s in (cardiac, more)]
    sized_slots = [sum(u.slots for u in build_network(s).units) for s in sized]
    assert sized_slots[1] > 1.15 * sized_slots[0]  # the `sized` mode: capacity follows demand
    tables = run_tasks(make_tasks([cardiac, more], 4, 11, 1.0, 60.0))
    diff = paired_differences(tables.kpis[tables.kpis.scope == "service"], cardiac.name)
    for kpi in ("incomplete_median_wait_days", "incomplete_p92_wait_days", "waiting_list_end"):
        row = diff[(diff.kpi == kpi) & (diff.scenario == "demand_plus_20")].iloc[0]
        assert row.diff_low > 0, (kpi, row.diff_low)  # the paired CI excludes zero
    series = tables.timeseries
    listed = series[(series.scenario == "demand_plus_20") & (series.scope == "service")
                     & (series.kpi == "waiting_list_end")]
    by_month = listed.groupby("month").value.mean()
    assert by_month.iloc[-1] > 1.5 * by_month.iloc[0]  # the list grows month after month
    assert np.all(np.diff(by_month.to_numpy()[::3]) > 0)


def test_real_designated_centres_are_in_the_network():
    net = build_network(load_scenario("england"))
    units = {}
    for u in net.units:
        units.setdefault(net.services[u.service].id, []).append(u)
    assert len(units["picu"]) == 24 and len(units["major_trauma"]) == 27
    assert len(units["high_secure_mental_health"]) == 3
    names = {u.name for u in units["picu"]}
    assert "Royal Manchester Children's Hospital" in names and len(names) == 24
