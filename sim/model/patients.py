"""Referrals and the random numbers each patient carries, drawn in numpy blocks.

Arrivals per (ICS, service) are a non-homogeneous Poisson process (demand growth and optional
seasonality) sampled by thinning. Each patient then gets one row of uniforms from a stream
keyed by (ICS, service): patient k of that stream meets the same luck (priority, treatment
length, outcome, delays) in every scenario, whatever happens to other patients.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.distributions import from_uniform
from sim.model.network import Network
from sim.model.rng import stream

# columns of a patient's uniforms
(U_LOCAL, U_PRIORITY, U_ACCESS, U_ASSESS, U_TREAT, U_TREAT2, U_OUTCOME, U_OUTCOME2,
 U_ESCALATE, U_HANDOVER_IN, U_APPROVAL, U_HANDOVER_OUT, U_HANDOVER_ESC, U_STEP_DOWN) = range(14)
N_UNIFORMS = 14


def referral_times(rng: np.random.Generator, rate0: float, growth: float, amplitude: float,
                   horizon: float) -> np.ndarray:
    """Sorted referral times in [0, horizon) for rate rate0 * (1+growth)^(t/365) * season(t)."""
    peak_growth = max(1.0, (1.0 + growth) ** (horizon / 365.0))
    rate_max = rate0 * peak_growth * (1.0 + amplitude)
    n = rng.poisson(rate_max * horizon)
    times = np.sort(rng.uniform(0.0, horizon, n))
    keep = rng.random(n)
    rate = rate0 * (1.0 + growth) ** (times / 365.0) * (1.0 + amplitude * np.sin(
        2.0 * np.pi * times / 365.0))
    return times[keep * rate_max < rate]


@dataclass
class Patients:
    """Every patient of one replication, in columns (index = patient id)."""

    ics: np.ndarray
    service: np.ndarray
    referral: np.ndarray
    priority: np.ndarray  # 0 urgent, 1 routine
    local: np.ndarray  # managed locally after assessment
    u_access: np.ndarray
    assess: np.ndarray
    treat: np.ndarray
    treat2: np.ndarray
    u_outcome: np.ndarray
    u_outcome2: np.ndarray
    u_escalate: np.ndarray
    e_handover_in: np.ndarray  # unit-mean exponential draws, scaled by the mean delay
    e_approval: np.ndarray
    e_handover_out: np.ndarray
    e_handover_esc: np.ndarray
    step_down: np.ndarray

    def __len__(self) -> int:
        return len(self.referral)


def generate_patients(network: Network, seed: int, replication: int, horizon: float,
                      stream_salt: str = "") -> Patients:
    """Draw every referral of the run and each patient's own random numbers.

    A non-empty `stream_salt` gives independent streams (for measuring what CRN buys)."""
    blocks: dict[str, list[np.ndarray]] = {name: [] for name in Patients.__dataclass_fields__}
    for sn in network.services:
        service = sn.spec
        for i, ics in enumerate(network.icss):
            times = referral_times(
                stream(seed, replication, "arrivals", ics.code, sn.id + stream_salt),
                float(sn.referral_rate0[i]), service.annual_growth,
                service.seasonality_amplitude, horizon,
            )
            n = len(times)
            u = stream(seed, replication, "patients", ics.code,
                       sn.id + stream_salt).random((n, N_UNIFORMS))
            blocks["ics"].append(np.full(n, i, dtype=np.int32))
            blocks["service"].append(np.full(n, sn.index, dtype=np.int32))
            blocks["referral"].append(times)
            blocks["priority"].append((u[:, U_PRIORITY] >= service.urgent_share).astype(np.int8))
            blocks["local"].append(u[:, U_LOCAL] < service.local_management_share)
            blocks["u_access"].append(u[:, U_ACCESS])
            blocks["assess"].append(from_uniform(service.assessment_days, u[:, U_ASSESS]))
            blocks["treat"].append(from_uniform(service.treatment_days, u[:, U_TREAT]))
            blocks["treat2"].append(from_uniform(service.treatment_days, u[:, U_TREAT2]))
            blocks["u_outcome"].append(u[:, U_OUTCOME])
            blocks["u_outcome2"].append(u[:, U_OUTCOME2])
            blocks["u_escalate"].append(u[:, U_ESCALATE])
            for name, col in (("e_handover_in", U_HANDOVER_IN), ("e_approval", U_APPROVAL),
                              ("e_handover_out", U_HANDOVER_OUT),
                              ("e_handover_esc", U_HANDOVER_ESC)):
                blocks[name].append(-np.log1p(-u[:, col]))
            blocks["step_down"].append(from_uniform(service.step_down_days, u[:, U_STEP_DOWN]))
    return Patients(**{name: np.concatenate(parts) for name, parts in blocks.items()})
