"""The engine against queueing theory: a textbook M/M/c scenario matches Erlang C."""

from __future__ import annotations

import math

import numpy as np
from scenario_helpers import textbook

from sim.analysis.stats import t_interval
from sim.config.schema import Scenario
from sim.model.records import TREATED
from sim.model.simulation import simulate


def erlang_c(c: int, offered: float) -> float:
    """P(wait > 0) in M/M/c with offered load a = lambda/mu (Erlang C formula):
    C(c, a) = [a^c/c! * c/(c-a)] / [sum_{k<c} a^k/k! + a^c/c! * c/(c-a)]."""
    top = offered**c / math.factorial(c) * c / (c - offered)
    return top / (sum(offered**k / math.factorial(k) for k in range(c)) + top)


def test_mmc_mean_wait_and_probability_of_waiting_match_erlang_c():
    lam, mean, c = 1.6, 1.0, 2  # per day; rho = lam * mean / c = 0.8
    scenario = Scenario.model_validate(textbook(arrival_per_day=lam, mean_days=mean, slots=c))
    p_wait = erlang_c(c, lam * mean)
    wq = p_wait / (c / mean - lam)  # Wq = C(c, a) / (c*mu - lambda)
    means, probabilities = [], []
    for r in range(20):
        res = simulate(scenario, r, years=3, warmup_days=50)
        rec, pat = res.records, res.patients
        started = (rec.status == TREATED) & (rec.start >= res.warmup)
        waits = rec.start[started] - pat.referral[started]
        means.append(waits.mean())
        probabilities.append((waits > 1e-12).mean())
    _, lo, hi = t_interval(np.array(means))
    assert lo <= wq <= hi, (wq, lo, hi)
    _, lo, hi = t_interval(np.array(probabilities))
    assert lo <= p_wait <= hi, (p_wait, lo, hi)


def test_erlang_c_formula_against_a_known_value():
    # c = 2, a = 1.6: C = (1.28 * 2/0.4) / (1 + 1.6 + 6.4) = 6.4 / 9 (hand calculation)
    assert math.isclose(erlang_c(2, 1.6), 6.4 / 9.0)
