"""Common random numbers: same patients across scenarios, and a much narrower paired CI."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from sweep_helpers import TINY

from sim import api
from sim.analysis.compare import paired_differences
from sim.config.sweep import apply
from sim.experiment.runner import make_tasks, run_tasks
from sim.model.simulation import Simulation


def _pair():
    base = api.load_scenario(TINY)
    other = apply(base, {"name": "fewer_slots", "services.cardiac.units.1.slots": 8})
    return base, other


def test_same_replication_sees_the_same_patients_and_salt_changes_them():
    base, other = _pair()
    a = Simulation(base, 3, seed=1, years=0.5).patients
    b = Simulation(other, 3, seed=1, years=0.5).patients
    c = Simulation(base, 3, seed=1, years=0.5, stream_salt="x").patients
    for name in ("referral", "priority", "treat", "u_outcome"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert len(a) != len(c) or not np.array_equal(a.referral, c.referral)


def test_crn_paired_ci_at_least_twice_narrower_than_independent_streams():
    base, other = _pair()
    tasks = make_tasks([base, other], 12, seed=4, years=0.5, warmup_days=20)
    crn = run_tasks(tasks).kpis
    independent = run_tasks([replace(t, stream_salt="independent" if t.scenario is other else "")
                             for t in tasks]).kpis

    def half_width(kpis, kpi):
        diff = paired_differences(kpis, base.name)
        row = diff[(diff.scope == "overall") & (diff.kpi == kpi)].iloc[0]
        return (row.diff_high - row.diff_low) / 2

    ratio = half_width(independent, "wait_mean_days") / half_width(crn, "wait_mean_days")
    assert ratio >= 2.0, ratio  # measured 2.76 (wait_p92_days: 2.02)


def test_api_run_and_compare_return_dataframes():
    base, other = _pair()
    res = api.run([base, other], replications=3, years=0.3, warmup_days=10)
    assert set(res.summary.scenario) == {"tiny", "fewer_slots"}
    cmp = api.compare(res, baseline="tiny")
    wait = cmp[(cmp.scope == "overall") & (cmp.kpi == "wait_mean_days")].iloc[0]
    assert wait.n == 3 and wait.diff_mean > 0  # one slot fewer: longer waits


def test_a_new_patient_attribute_leaves_every_existing_draw_unchanged():
    """Each attribute has its own stream: adding one (anywhere in DRAWS) moves no other."""
    from sim.model.patients import DRAWS, Draw, draw_attributes

    service = api.load_scenario(TINY).services["cardiac"]
    before = draw_attributes(DRAWS, service, 500, 11, 2, "I1", "cardiac")
    cost = Draw("u_cost", lambda _s, u: u)
    for extended in ((cost, *DRAWS), (*DRAWS[:5], cost, *DRAWS[5:]), (*DRAWS, cost)):
        after = draw_attributes(extended, service, 500, 11, 2, "I1", "cardiac")
        assert set(after) == set(before) | {"u_cost"}
        for name, values in before.items():
            np.testing.assert_array_equal(after[name], values, err_msg=name)
    # and the streams really are different per attribute (not one stream reused)
    assert not np.array_equal(before["u_outcome"], before["u_outcome2"])
