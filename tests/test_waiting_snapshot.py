"""Month-end waiting lists cut by key from one sort equal the same figures computed key by key
with a mask (the way a planner would count them)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import load_scenario
from sim.model.simulation import simulate
from sim.model.waiting import OVER_52_WEEKS_DAYS, WaitingList


@pytest.fixture(scope="module")
def waiting():
    return WaitingList(simulate(load_scenario("england"), 0, years=0.05, warmup_days=10.0))


def test_each_ics_row_is_its_own_patients(waiting):
    res = waiting.res
    day = res.horizon
    rows = {(scope, key, kpi): value for scope, key, kpi, value in waiting.kpis(day)}
    on_list = (waiting.clock_start <= day) & (waiting.stop > day)
    assert on_list.sum() > 10_000  # today's waiting lists are on it
    counted = 0
    for i, ics in enumerate(res.network.icss):
        mine = on_list & (waiting.ics == i)
        age = day - waiting.clock_start[mine]
        n = int(mine.sum())
        counted += n
        assert rows[("ics", ics.code, "waiting_list_end")] == n
        if n:
            assert rows[("ics", ics.code, "incomplete_median_wait_days")] == np.median(age)
            assert rows[("ics", ics.code, "incomplete_p92_wait_days")] == np.quantile(age, 0.92)
            assert (rows[("ics", ics.code, "waiting_over_52_weeks")]
                    == np.count_nonzero(age > OVER_52_WEEKS_DAYS))
    assert counted == rows[("overall", "all", "waiting_list_end")]


def test_services_sum_to_the_whole_list_and_shares_are_proportions(waiting):
    rows = waiting.kpis(waiting.res.horizon)
    by_service = [v for scope, _k, kpi, v in rows
                  if scope == "service" and kpi == "waiting_list_end"]
    overall = [v for scope, _k, kpi, v in rows if scope == "overall" and kpi == "waiting_list_end"]
    assert len(by_service) == len(waiting.res.network.services)
    assert sum(by_service) == overall[0]
    within = [v for _s, _k, kpi, v in rows if kpi == "incomplete_pct_within_standard"]
    assert within and all(0.0 <= v <= 100.0 for v in within if not np.isnan(v))
