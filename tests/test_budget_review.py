"""The quarterly budget review reads spend on an accruals basis: a month of service-group
activity paid at the start of the month is not an overspend at a review that falls in it."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from sim.config.schema import Rules
from sim.model.commissioning import Commissioner, Commissioners


def _one_commissioner(budget0: float) -> Commissioners:
    rules = Rules(budget_policy="deprioritise")
    spec = Commissioner("ICS X", "ics", rules, frozenset({0}), budget0=budget0)
    return Commissioners(simpy.Environment(), [spec], [], [[]], seed=1, replication=0,
                         warmup=0.0, horizon=730.0)


def test_a_month_paid_in_advance_counts_only_for_the_days_delivered():
    c = _one_commissioner(365.0)
    c.pay_period(0, 30.0, 90.0, 120.0)  # 30 days at 1 a day, paid on day 90
    assert c.spend_to_date(0, 0, 91.25) == pytest.approx(1.25)
    assert c.spend_to_date(0, 0, 120.0) == pytest.approx(30.0)
    # a period over the year end: each year gets its own days
    c.pay_period(0, 30.0, 350.0, 380.0)
    assert c.spend_to_date(0, 0, 365.0) == pytest.approx(30.0 + 15.0)
    assert c.spend_to_date(0, 1, 370.0) == pytest.approx(5.0)


def test_spending_exactly_the_budget_month_by_month_never_cuts_capacity():
    """Paid monthly in advance at exactly the budget rate (no growth), a commissioner is on
    budget at every quarterly review; counted as cash it looked up to a month over."""
    c = _one_commissioner(365.0)
    c.specs[0].rules = Rules(budget_policy="deprioritise", budget_growth=0.0)
    # calendar months from a run starting on 31 January: 1 May (day 90) is paid before the
    # review of day 91.25, so cash would show four months against three months' budget
    first = np.datetime64("2026-01-31")
    months = np.arange(np.datetime64("2026-02"), np.datetime64("2028-02")).astype("datetime64[D]")
    bounds = np.concatenate([[0.0], (months - first).astype(float)])
    starts, ends = bounds[:-1], bounds[1:]
    amounts = (ends - starts)[None, :]  # exactly the budget rate, 1 a day
    c.start((starts, ends, amounts))
    c.env.run(until=729.0)
    assert c.capacity_cuts == 0
    assert c.cut_level[0] == 0
