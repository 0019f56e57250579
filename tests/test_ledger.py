"""The episode ledger (`sim.model.ledger`): episodes noted during a run and paid in blocks
cost what paying each one when it started cost, and spend read during a run includes every
episode started by then."""

from __future__ import annotations

import numpy as np
import pytest
from finance_helpers import TARIFF, pooled

from sim.config import load_scenario
from sim.model.commissioning import NATIONAL_INDEX, Commissioners
from sim.model.records import TREATED
from sim.model.simulation import Simulation


def _one_at_a_time(sim: Simulation) -> np.ndarray:
    """Spend by commissioner and 365-day year, paying each episode alone, as the pathway paid
    before the ledger: tariff x trust factor x patient factor x cost pressure (x discount)."""
    res_price, rec, p = sim._price, sim.records, sim.patients
    c = sim.commissioners
    by_year = np.zeros_like(c.spend_by_year)
    tariff = [sn.spec.tariff_gbp for sn in sim.network.services]
    episodes = [(float(rec.start[j]), int(j), False) for j in np.flatnonzero(rec.status == TREATED)]
    episodes += [(float(rec.esc_start[j]), int(j), True) for j in np.flatnonzero(rec.escalated)]
    for start, pid, escalation in sorted(episodes):
        s = int(p.service[pid])
        unit = int(rec.esc_unit[pid] if escalation else rec.unit[pid])
        price = tariff[s] * float(res_price.unit_factor[unit]) * float(
            (res_price.cost_factor2 if escalation else res_price.cost_factor)[pid])
        year = int((start - sim.warmup) // 365.0) if start > sim.warmup else 0
        price *= res_price.pressure[min(year, len(res_price.pressure) - 1)][int(p.ics[pid])]
        i = int(p.ics[pid])
        payer = NATIONAL_INDEX if escalation else int(sim.transitions.commissioner[s][i])
        if payer == NATIONAL_INDEX:
            price *= 1.0 - res_price.national_discount
        by_year[payer, int(start // 365.0)] += price
    return by_year


@pytest.fixture(scope="module")
def england_run() -> Simulation:
    """A short England run whose spend is its episodes alone: service groups and shocks,
    paid by period, are left out (`pay_period` only settles, as it does first)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Commissioners, "pay_period", lambda self, *_args: self.settle())
        sim = Simulation(load_scenario("england"), 0, years=0.1, warmup_days=30.0)
        sim.run()
    return sim


def test_episodes_paid_in_blocks_cost_what_paying_each_cost(england_run):
    sim = england_run
    assert sim._price is not None and sim._price.pressure is not None  # priced, with pressure
    expected = _one_at_a_time(sim)
    got = sim.commissioners.spend_by_year
    assert expected.sum() > 1e8 and len(sim.commissioners.ledger) == 0  # settled at the end
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_spend_read_during_a_run_includes_the_episodes_noted_before(england_run):
    """A review reads spend through `spend_to_date`, which settles first: an episode noted
    but not yet paid is in what it reads."""
    sim = england_run
    c = sim.commissioners
    pid = int(np.flatnonzero(sim.records.status == TREATED)[-1])
    year = int(sim.records.start[pid] // 365.0)
    before = c.spend_to_date(NATIONAL_INDEX, year, sim.horizon)
    c.ledger.note_episode(pid)
    c.ledger.note_payer(NATIONAL_INDEX)
    after = c.spend_to_date(NATIONAL_INDEX, year, sim.horizon)
    assert len(c.ledger) == 0 and after > before


def test_a_risk_share_splits_each_settled_episode_above_the_threshold():
    """Under a risk-share the part of an episode above the threshold is paid by the pool,
    episode by episode: the pool's total equals the total without it, and ICSs pay more
    than their own episodes' thresholds only through the pool."""
    totals = {}
    for name, finance in (("ics", {}), ("risk_share", {"risk_share": {"threshold_gbp": TARIFF}})):
        sim = Simulation(pooled(name=name, episode_cost_cv=1.0, **finance), 0, years=1.0,
                         warmup_days=30.0)
        sim.run()
        totals[name] = sim.commissioners.spend_by_year.sum(axis=1)
    assert totals["ics"].sum() > 0
    np.testing.assert_allclose(totals["risk_share"].sum(), totals["ics"].sum(), rtol=1e-9)
    assert not np.allclose(totals["risk_share"], totals["ics"])
