"""Verification of routing between stations: the escalation network is a Jackson network.

Station L (a local unit, ICS A) and station N (a national centre, ICS B) are M/M/2 queues.
A patient treated at L has an adverse outcome with constant probability p and escalates with
probability s, so it moves to N with probability q = p*s; patients leave N for step-down
(which is not capacity-constrained). Traffic equations (gamma_j = external arrivals):

    lambda_L = gamma_A                     = 1.2 / day
    lambda_N = gamma_B + q * lambda_L      = 1.0 + 0.25 * 1.2 = 1.3 / day

By Burke's theorem and Jackson's theorem each station is then an M/M/c queue with its own
lambda: Wq_j = C(c_j, lambda_j/mu) / (c_j mu - lambda_j), C = Erlang C.
Wq_L = 0.45 / 0.8 = 0.5625 days (rho 0.6), Wq_N = 0.5121 / 0.7 = 0.7316 days (rho 0.65).

The model has no feedback loop (a patient never returns to a station it left: escalation goes
only from a non-centre unit to a centre, and step-down has no queue), so the network is
feed-forward; Jackson's result covers it as the special case of a routing matrix with no
cycles. The escalated patients queue at N by their original referral time, not FIFO by arrival
at N; with exponential service, mean wait is the same under any order that does not look at
service times (work conservation), which is what this test also checks.
"""

from __future__ import annotations

import numpy as np
import pytest
from vv_queueing import (
    ESCALATE,
    LAMBDA_A,
    LAMBDA_B,
    P_ADVERSE,
    SLOTS_L,
    SLOTS_N,
    mmc_mean_wait,
    network_scenario,
    run_replications,
    station_waits,
)

from sim.analysis.stats import t_interval

REPS = 10
DAYS = 6000.0
WARMUP = 300.0


@pytest.mark.slow
def test_escalation_network_matches_jackson():
    q = P_ADVERSE * ESCALATE
    lam_l = LAMBDA_A
    lam_n = LAMBDA_B + q * lam_l
    theory = {"L": mmc_mean_wait(lam_l, 1.0, SLOTS_L), "N": mmc_mean_wait(lam_n, 1.0, SLOTS_N)}
    assert theory["L"] == pytest.approx(0.5625)
    results = run_replications(network_scenario(DAYS / 365, WARMUP), REPS)
    waits_l, waits_n, esc_share, n_rate = [], [], [], []
    for res in results:
        wl, wn, esc = station_waits(res)
        waits_l.append(wl.mean())
        waits_n.append(wn.mean())
        esc_share.append(esc.mean())
        n_rate.append(len(wn) / (res.horizon - res.warmup))
    for name, values, expected in (("Wq_L", waits_l, theory["L"]), ("Wq_N", waits_n, theory["N"]),
                                   ("routing q", esc_share, q), ("lambda_N", n_rate, lam_n)):
        mean, low, high = t_interval(np.array(values))
        assert low <= expected <= high, f"{name}: {expected:.4f} outside [{low:.4f}, {high:.4f}]"
        assert high - low < 0.2 * expected, f"{name}: CI too wide"
