"""Procedure NM (sim.analysis.selection): its constant against theory and published tables,
its variance estimate by hand, and its probability of correct selection over many seeds on
synthetic normal outputs with known means (cheap: no simulation)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.analysis.selection import (
    equicoordinate_probability,
    first_stage,
    guarantee,
    nm_constant,
    select_best,
)


@pytest.mark.parametrize("n0,alpha", [(5, 0.05), (10, 0.05), (20, 0.1)])
def test_two_systems_constant_is_the_t_quantile(n0: int, alpha: float) -> None:
    # k = 2: one difference, a univariate t with n0 - 1 degrees of freedom
    assert nm_constant(2, n0, alpha) == pytest.approx(stats.t.ppf(1 - alpha, n0 - 1), abs=1e-6)


def test_constant_matches_dunnetts_one_sided_table() -> None:
    # Dunnett (1955), one-sided 95%, 2 comparisons with a control (correlation 1/2): df 20: 2.03,
    # infinite df: 1.92; 4 comparisons, infinite df: 2.16
    assert nm_constant(3, 11, 0.05) == pytest.approx(2.03, abs=0.006)
    assert equicoordinate_probability(1.916, 2, math.inf) == pytest.approx(0.95, abs=0.001)
    assert equicoordinate_probability(2.160, 4, math.inf) == pytest.approx(0.95, abs=0.001)


def test_constant_agrees_with_monte_carlo() -> None:
    rng = np.random.default_rng(3)
    k, df = 5, 36
    g = nm_constant(k, 10, 0.05)
    u = rng.standard_normal((200_000, k))
    z = (u[:, 1:] + u[:, :1]) / math.sqrt(2.0)
    t = z / np.sqrt(rng.chisquare(df, len(u)) / df)[:, None]
    assert np.mean(t.max(axis=1) <= g) == pytest.approx(0.95, abs=0.003)


def test_variance_estimate_by_hand() -> None:
    # two systems: S^2 is the sample variance of the paired differences
    x = np.array([[1.0, 4.0, 2.0, 7.0], [0.5, 3.0, 2.5, 5.0]])
    stage = first_stage(x, alpha=0.05, delta=0.5)
    assert stage.s2 == pytest.approx(np.var(x[0] - x[1], ddof=1))
    g = stats.t.ppf(0.95, 3)
    assert stage.n == math.ceil((g * math.sqrt(stage.s2) / 0.5) ** 2)
    # a common term (what CRN share) does not enter S^2
    shifted = x + np.array([10.0, -3.0, 7.0, 0.0])
    assert first_stage(shifted, 0.05, 0.5).s2 == pytest.approx(stage.s2)
    assert stage.delta_for(stage.n) <= 0.5 < stage.delta_for(stage.n0)
    assert "within 0.5 of the best" in guarantee(stage, stage.n)
    assert "widens" in guarantee(stage, stage.n0)


def _pcs(means: np.ndarray, common_sd: float, sd: float, delta: float, seeds: int) -> float:
    """Share of seeds on which NM picks a system within delta of the best."""
    n0, good = 10, 0
    best = means.max()
    for seed in range(seeds):
        rng = np.random.default_rng(seed)

        def draw(n: int, rng: np.random.Generator = rng) -> np.ndarray:
            return (means[:, None] + common_sd * rng.standard_normal(n)[None, :]
                    + sd * rng.standard_normal((len(means), n)))

        x1 = draw(n0)
        stage = first_stage(x1, 0.05, delta)
        x = np.hstack([x1, draw(stage.n - n0)])
        good += means[select_best(x)] > best - delta
    return good / seeds


def test_probability_of_correct_selection_in_the_least_favourable_configuration() -> None:
    # the best is exactly delta above three others (slippage): NM promises PCS >= 0.95
    means = np.array([1.0, 0.0, 0.0, 0.0])
    pcs = _pcs(means, common_sd=3.0, sd=1.0, delta=1.0, seeds=600)
    assert pcs >= 0.95 - 3 * math.sqrt(0.95 * 0.05 / 600)


def test_selection_is_sharp_when_the_gap_is_wide_and_blind_inside_the_zone() -> None:
    assert _pcs(np.array([3.0, 0.0, 0.0]), 3.0, 1.0, 1.0, 200) == 1.0
    # every system within delta of the best: any choice is "good"
    assert _pcs(np.array([0.2, 0.1, 0.0]), 3.0, 1.0, 1.0, 50) == 1.0


def test_bad_first_stage_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2 systems"):
        nm_constant(1, 10, 0.05)
    with pytest.raises(ValueError, match="finite"):
        first_stage(np.array([[1.0, np.nan], [0.0, 1.0]]), 0.05, 1.0)
