"""Verification against closed-form single-station queueing results (M/M/1, M/M/c, priority).

Each check: replications of a textbook scenario (see `vv_queueing.textbook_scenario`), one
per-replication estimate each, a t-based 95% CI over replications
(`sim.analysis.stats.t_interval`), and the formula's value must lie inside that CI.
Seeds are fixed, so the outcome is reproducible.
"""

from __future__ import annotations

import numpy as np
import pytest
from vv_queueing import erlang_c, mmc_mean_wait, run_replications, single_station, started_in_window

from sim.analysis.stats import t_interval
from sim.model.kpis import replication_kpis

REPS = 20
DAYS = 8000.0
WARMUP = 500.0


def _waits(res) -> np.ndarray:
    m = started_in_window(res)
    return (res.records.start - res.patients.referral)[m]


def _assert_in_ci(values: list[float], theory: float, what: str) -> None:
    mean, low, high = t_interval(np.array(values))
    assert low <= theory <= high, (
        f"{what}: theory {theory:.4f} outside 95% CI [{low:.4f}, {high:.4f}] (mean {mean:.4f})")
    # a CI so wide that it would contain anything is no verification
    assert high - low < 0.2 * theory, f"{what}: CI too wide ({low:.4f}, {high:.4f})"


def test_mm1_mean_wait_and_probability_of_waiting():
    """M/M/1, lambda = 0.8/day, mu = 1/day (rho = 0.8):
    Wq = rho / (mu - lambda) = 4 days; P(wait > 0) = rho = 0.8."""
    lam, mu = 0.8, 1.0
    rho = lam / mu
    results = run_replications(single_station(lam, 1, years=DAYS / 365, warmup_days=WARMUP), REPS)
    waits = [_waits(r) for r in results]
    _assert_in_ci([w.mean() for w in waits], rho / (mu - lam), "M/M/1 Wq")
    _assert_in_ci([(w > 0).mean() for w in waits], rho, "M/M/1 P(wait>0)")
    # the published KPI is the same quantity: wait_mean_days = mean of start - referral
    kpis = replication_kpis(results[0])
    row = kpis[(kpis.scope == "overall") & (kpis.kpi == "wait_mean_days")]
    assert row.value.iloc[0] == pytest.approx(waits[0].mean(), rel=1e-12)


@pytest.mark.parametrize("c, lam", [(3, 2.4), (5, 3.5)])
def test_mmc_erlang_c(c: int, lam: float):
    """M/M/c, a = lambda/mu: P(wait > 0) = C(c, a) (Erlang C); Wq = C(c, a) / (c mu - lambda).
    c = 3, lambda = 2.4 (rho 0.8): C = 0.6472, Wq = 1.0787 days;
    c = 5, lambda = 3.5 (rho 0.7): C = 0.3778, Wq = 0.2519 days."""
    mu = 1.0
    results = run_replications(single_station(lam, c, years=DAYS / 365 / 2, warmup_days=WARMUP),
                               REPS)
    waits = [_waits(r) for r in results]
    _assert_in_ci([w.mean() for w in waits], mmc_mean_wait(lam, mu, c), f"M/M/{c} Wq")
    _assert_in_ci([(w > 0).mean() for w in waits], erlang_c(c, lam / mu), f"M/M/{c} P(wait>0)")


def test_erlang_c_formula_matches_known_values():
    """Guard the formula itself: M/M/1 reduces to C = rho; a textbook value C(2, 1) = 1/3."""
    assert erlang_c(1, 0.8) == pytest.approx(0.8)
    assert erlang_c(2, 1.0) == pytest.approx(1.0 / 3.0)
    assert mmc_mean_wait(0.8, 1.0, 1) == pytest.approx(4.0)


def test_two_class_nonpreemptive_priority_cobham():
    """Non-preemptive priority M/M/1 (urgent = class 1 served first, FIFO within a class).
    Cobham (1954): W_k = W0 / ((1 - sigma_{k-1}) (1 - sigma_k)), sigma_k = sum_{i<=k} rho_i,
    W0 = sum_i lambda_i E[S_i^2] / 2 = lambda * (2 / mu^2) / 2 for exponential service.
    lambda = 0.75, urgent share 0.3, mu = 1: rho1 = 0.225, rho = 0.75, W0 = 0.75,
    W_urgent = 0.75 / 0.775 = 0.9677 days, W_routine = 0.75 / (0.775 * 0.25) = 3.871 days."""
    lam, mu, share = 0.75, 1.0, 0.3
    rho1, rho = share * lam / mu, lam / mu
    w0 = lam * (2.0 / mu**2) / 2.0
    theory = {0: w0 / (1.0 - rho1), 1: w0 / ((1.0 - rho1) * (1.0 - rho))}
    results = run_replications(
        single_station(lam, 1, urgent_share=share, years=DAYS / 365, warmup_days=WARMUP), REPS)
    for cls, name in ((0, "urgent"), (1, "routine")):
        means = []
        for r in results:
            m = started_in_window(r) & (r.patients.priority == cls)
            means.append(float((r.records.start - r.patients.referral)[m].mean()))
        _assert_in_ci(means, theory[cls], f"Cobham W_{name}")
    # the conservation law: the load-weighted mean wait equals the FIFO M/M/1 wait
    fifo = rho / (mu - lam)
    assert share * theory[0] + (1 - share) * theory[1] == pytest.approx(fifo)
