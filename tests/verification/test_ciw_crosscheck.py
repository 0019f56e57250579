"""Independent cross-check: the escalation network simulated by Ciw (a separate, established
queueing-network simulator) and by specsim must agree within confidence intervals.

The network (see `vv_queueing`): node 1 = local unit L, node 2 = national centre N, each with
2 servers and exponential service (mean 1 day); external Poisson arrivals 1.2/day at L and
1.0/day at N; after L a patient moves to N with probability q = 0.25, else leaves. Both
simulators run the same horizon and warm-up; per station the Welch 95% CI of the difference of
mean waits (specsim - Ciw) over replications must contain 0, and be narrow enough to matter.
"""

from __future__ import annotations

import ciw  # a test dependency: a missing install must fail, not skip
import numpy as np
import pytest
from scipy import stats
from vv_queueing import (
    ESCALATE,
    LAMBDA_A,
    LAMBDA_B,
    P_ADVERSE,
    SLOTS_L,
    SLOTS_N,
    network_scenario,
    run_replications,
    station_waits,
)

REPS = 10
DAYS = 5000.0
WARMUP = 300.0


def _ciw_means(seed: int) -> tuple[float, float]:
    """One Ciw replication: mean queue wait at each node for services starting after warm-up."""
    q = P_ADVERSE * ESCALATE
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=LAMBDA_A),
                               ciw.dists.Exponential(rate=LAMBDA_B)],
        service_distributions=[ciw.dists.Exponential(rate=1.0), ciw.dists.Exponential(rate=1.0)],
        routing=[[0.0, q], [0.0, 0.0]],
        number_of_servers=[SLOTS_L, SLOTS_N],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(WARMUP + DAYS)
    means = []
    for node in (1, 2):
        waits = [r.waiting_time for r in sim.get_all_records()
                 if r.node == node and WARMUP <= r.service_start_date < WARMUP + DAYS]
        means.append(float(np.mean(waits)))
    return means[0], means[1]


def _welch_ci(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """95% Welch CI of mean(a) - mean(b)."""
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = stats.t.ppf(0.975, df) * np.sqrt(va + vb)
    diff = a.mean() - b.mean()
    return diff - half, diff + half


@pytest.mark.slow
def test_specsim_agrees_with_ciw_on_escalation_network():
    ours = np.array([[w.mean() for w in station_waits(res)[:2]]
                     for res in run_replications(network_scenario(DAYS / 365, WARMUP), REPS)])
    theirs = np.array([_ciw_means(1000 + r) for r in range(REPS)])
    for k, station in enumerate(("L", "N")):
        low, high = _welch_ci(ours[:, k], theirs[:, k])
        assert low <= 0.0 <= high, (
            f"station {station}: specsim {ours[:, k].mean():.4f} vs Ciw {theirs[:, k].mean():.4f},"
            f" difference CI [{low:.4f}, {high:.4f}]")
        assert high - low < 0.3 * theirs[:, k].mean(), f"station {station}: CI too wide"
