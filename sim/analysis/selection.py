"""Ranking and selection: pick the best of a few plans with a stated probability guarantee.

Nelson & Matejcik (1995), procedure NM, a two-stage indifference-zone procedure for systems
simulated with common random numbers. Stage 1: n0 replications of each of k systems (the same
replication indices, so the same patients). The sample variance of the system-by-replication
interaction,

    S^2 = 2 sum_i sum_j (X_ij - X_i. - X_.j + X_..)^2 / ((k - 1)(n0 - 1)),

estimates the variance of a difference between two systems on one replication. Stage 2: each
system is run to N = max(n0, ceil((g S / delta)^2)) replications, where g is the one-sided
equicoordinate (1 - alpha) point of a (k - 1)-variate t distribution with (k - 1)(n0 - 1)
degrees of freedom and common correlation 1/2; the system with the largest mean is chosen.

Guarantee (outputs normal, and CRN inducing the sphericity NM assumes, to which it is robust):
with probability >= 1 - alpha the chosen system's true mean is within delta of the best true
mean among the k systems compared. It says nothing of plans that were not compared.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize, stats

_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(80)  # for E[f(U)], U ~ N(0, 1)
_WEIGHTS = _WEIGHTS / np.sqrt(2.0 * np.pi)


def equicoordinate_probability(g: float, dims: int, df: float) -> float:
    """P(T_1 <= g, ..., T_dims <= g) for a dims-variate t with `df` degrees of freedom and
    common correlation 1/2 (Z_i = (U_i + U_0) / sqrt 2; one chi variable for all)."""
    def given_s(s: float) -> float:  # s = sqrt(V / df), the shared denominator
        inner = stats.norm.cdf(math.sqrt(2.0) * g * s - _NODES) ** dims
        return float(np.dot(_WEIGHTS, inner))

    if not math.isfinite(df):
        return given_s(1.0)
    scaled = stats.chi(df, scale=1.0 / math.sqrt(df))
    low, high = scaled.ppf(1e-12), scaled.ppf(1.0 - 1e-12)
    value, _ = integrate.quad(lambda s: given_s(s) * scaled.pdf(s), low, high, limit=200,
                              epsabs=1e-10)
    return value


@functools.lru_cache(maxsize=256)
def nm_constant(k: int, n0: int, alpha: float) -> float:
    """g of procedure NM for k systems and n0 first-stage replications (k >= 2, n0 >= 2)."""
    if k < 2 or n0 < 2:
        raise ValueError(f"NM needs at least 2 systems and 2 first-stage replications "
                         f"(got k={k}, n0={n0})")
    df = (k - 1) * (n0 - 1)
    return float(optimize.brentq(
        lambda g: equicoordinate_probability(g, k - 1, df) - (1.0 - alpha), 0.0, 50.0,
        xtol=1e-9))


@dataclass(frozen=True)
class FirstStage:
    """What stage 1 says: the variance estimate, the constant and the replications needed."""

    k: int
    n0: int
    alpha: float
    delta: float
    s2: float  # variance of a paired difference on one replication, pooled
    g: float
    n: int  # total replications per system that the guarantee needs

    def delta_for(self, n: int) -> float:
        """The indifference zone that n replications per system guarantee (<= delta when
        n >= self.n): what a smaller budget buys instead."""
        return self.g * math.sqrt(self.s2) / math.sqrt(n) if self.s2 > 0 else 0.0


def first_stage(x: np.ndarray, alpha: float, delta: float) -> FirstStage:
    """Stage 1 of NM on x (k systems x n0 replications, same replication index per column)."""
    x = np.asarray(x, dtype=float)
    k, n0 = x.shape
    if not np.all(np.isfinite(x)):
        raise ValueError("first-stage outputs must be finite")
    resid = x - x.mean(axis=1, keepdims=True) - x.mean(axis=0, keepdims=True) + x.mean()
    s2 = float(2.0 * np.sum(resid ** 2) / ((k - 1) * (n0 - 1)))
    g = nm_constant(k, n0, alpha)
    n = max(n0, math.ceil((g * math.sqrt(s2) / delta) ** 2 - 1e-12))
    return FirstStage(k, n0, alpha, delta, s2, g, n)


def select_best(x: np.ndarray) -> int:
    """Index of the system with the largest mean over its replications (rows), first on ties."""
    return int(np.argmax(np.asarray(x, dtype=float).mean(axis=1)))


def guarantee(stage: FirstStage, n: int) -> str:
    """The sentence a report states for a selection run to n replications per system."""
    zone = stage.delta if n >= stage.n else stage.delta_for(n)
    short = "" if n >= stage.n else (f" (the budget allowed {n} of the {stage.n} replications "
                                     f"needed for delta = {stage.delta:g}, so the zone widens)")
    return (f"With probability at least {1 - stage.alpha:.0%} the chosen plan's true score is "
            f"within {zone:.3g} of the best true score among the {stage.k} plans compared"
            f"{short}.")
