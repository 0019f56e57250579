"""Referrals and the random attributes each patient carries, drawn in numpy blocks.

Arrivals per (ICS, service) are a non-homogeneous Poisson process (demand growth and optional
seasonality) sampled by thinning. Each random attribute of a patient (priority, treatment
length, outcome, delays...) then comes from a stream of its own, named (attribute, ICS,
service): patient k of that (ICS, service) meets the same luck in every scenario, whatever
happens to other patients, and a new attribute (a new row of `DRAWS`) shifts no existing one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields

import numpy as np
from scipy import special

from sim.config.schema import Service
from sim.model.distributions import from_uniform
from sim.model.network import Network
from sim.model.rng import stream


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


@dataclass(frozen=True)
class Draw:
    """One random patient attribute: its name (and stream) and how a uniform becomes it."""

    attribute: str
    transform: Callable[[Service, np.ndarray], np.ndarray]


def _uniform(_service: Service, u: np.ndarray) -> np.ndarray:
    return u


def _unit_exponential(_service: Service, u: np.ndarray) -> np.ndarray:
    """A unit-mean exponential, scaled at use by the mean delay of the day."""
    return -np.log1p(-u)


DRAWS: tuple[Draw, ...] = (
    Draw("local", lambda s, u: u < s.local_management_share),
    Draw("priority", lambda s, u: (u >= s.urgent_share).astype(np.int8)),
    Draw("u_access", _uniform),
    Draw("assess", lambda s, u: from_uniform(s.assessment_days, u)),
    Draw("treat", lambda s, u: from_uniform(s.treatment_days, u)),
    Draw("treat2", lambda s, u: from_uniform(s.treatment_days, u)),
    Draw("u_outcome", _uniform),
    Draw("u_outcome2", _uniform),
    Draw("u_escalate", _uniform),
    Draw("e_handover_in", _unit_exponential),
    Draw("e_approval", _unit_exponential),
    Draw("e_handover_out", _unit_exponential),
    Draw("e_handover_esc", _unit_exponential),
    Draw("step_down", lambda s, u: from_uniform(s.step_down_days, u)),
    Draw("emergency", lambda s, u: u < s.emergency_share),
    Draw("u_cost", _uniform),  # the episode's cost around its price (finance.py)
    Draw("u_cost2", _uniform),  # the escalation episode's
)


@dataclass
class Patients:
    """Every patient of one replication, in columns (index = patient id). The fields after
    `backlog` are the attributes of `DRAWS`, in the same order."""

    ics: np.ndarray
    service: np.ndarray
    referral: np.ndarray  # negative for a patient already waiting at t = 0
    backlog: np.ndarray  # on the waiting list at t = 0 (accepted, hand-overs done)
    local: np.ndarray  # managed locally after assessment
    priority: np.ndarray  # 0 urgent, 1 routine
    u_access: np.ndarray
    assess: np.ndarray
    treat: np.ndarray
    treat2: np.ndarray  # an escalation treatment's length
    u_outcome: np.ndarray
    u_outcome2: np.ndarray
    u_escalate: np.ndarray
    e_handover_in: np.ndarray  # unit-mean exponential draws, scaled by the mean delay
    e_approval: np.ndarray
    e_handover_out: np.ndarray
    e_handover_esc: np.ndarray
    step_down: np.ndarray
    emergency: np.ndarray  # on the emergency pathway: no approval or hand-over before a bed
    u_cost: np.ndarray
    u_cost2: np.ndarray

    def __len__(self) -> int:
        return len(self.referral)


if tuple(f.name for f in fields(Patients))[4:] != tuple(d.attribute for d in DRAWS):
    raise RuntimeError("Patients fields and DRAWS disagree")  # pragma: no cover


def draw_attributes(draws: Sequence[Draw], service: Service, n: int, seed: int,
                    replication: int, ics: str, service_id: str) -> dict[str, np.ndarray]:
    """The attributes of the first `n` patients of (ICS, service), one stream per attribute."""
    return {d.attribute: d.transform(service, stream(seed, replication, "patient", d.attribute,
                                                     ics, service_id).random(n))
            for d in draws}


def backlog_sizes(size: int, weights: np.ndarray) -> np.ndarray:
    """Split a waiting list of `size` over ICSs in proportion to `weights` (largest remainder,
    so the parts add up to `size` exactly)."""
    if size == 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    exact = size * weights / weights.sum()
    parts = np.floor(exact).astype(np.int64)
    remainder = size - int(parts.sum())
    parts[np.argsort(-(exact - parts), kind="stable")[:remainder]] += 1
    return parts


Z_92 = float(special.ndtri(0.92))


def waiting_ages(service: Service, u: np.ndarray) -> np.ndarray:
    """Days already waited by patients on the list at t = 0: a lognormal through the published
    median and 92nd percentile of the wait so far."""
    wl = service.initial_waiting_list
    assert wl is not None
    mu = np.log(7.0 * wl.median_weeks)
    sigma = (np.log(7.0 * wl.p92_weeks) - mu) / Z_92
    return np.exp(mu + sigma * special.ndtri(np.clip(u, 1e-12, 1 - 1e-12)))


@dataclass
class _Block:
    """The referrals (or the waiting list at t = 0) of one (service, ICS)."""

    ics: int
    service: int
    referral: np.ndarray
    backlog: bool
    key: str  # the service key of the attribute streams


def generate_patients(network: Network, seed: int, replication: int, horizon: float,
                      stream_salt: str = "") -> Patients:
    """Draw every referral of the run, the waiting list at t = 0, and each patient's random
    attributes. A non-empty `stream_salt` gives independent streams (for measuring what CRN
    buys).

    Patients are laid out block by block: per service, per ICS, its referrals then its
    waiting list at t = 0. Referral times are drawn first (they fix the block sizes), then
    every column is allocated once and each block's attributes written into its slice: no
    per-block arrays to concatenate (which doubled the build's peak memory and left the heap
    fragmented). Streams are named, so drawing in two passes changes no number.
    """
    blocks: list[_Block] = []
    for sn in network.services:
        service = sn.spec
        waiting = service.initial_waiting_list
        backlog = (backlog_sizes(waiting.size, sn.referral_rate0) if waiting is not None
                   else np.zeros(len(network.icss), dtype=np.int64))
        for i, ics in enumerate(network.icss):
            times = referral_times(
                stream(seed, replication, "arrivals", ics.code, sn.id + stream_salt),
                float(sn.referral_rate0[i]), service.annual_growth,
                service.seasonality_amplitude, horizon,
            )
            blocks.append(_Block(i, sn.index, times, False, sn.id + stream_salt))
            if backlog[i]:
                key = f"{sn.id}/waiting_at_start{stream_salt}"
                ages = waiting_ages(service, stream(seed, replication, "waiting_age", ics.code,
                                                    key).random(int(backlog[i])))
                blocks.append(_Block(i, sn.index, -ages, True, key))

    n = sum(len(b.referral) for b in blocks)
    # each attribute's dtype is its transform's (bool, int8 or float64, whatever the service)
    dtypes = ({d.attribute: d.transform(network.services[0].spec, np.zeros(0)).dtype
               for d in DRAWS} if network.services else {d.attribute: np.float64 for d in DRAWS})
    columns: dict[str, np.ndarray] = {
        "ics": np.empty(n, np.int32), "service": np.empty(n, np.int32),
        "referral": np.empty(n), "backlog": np.empty(n, bool),
        **{name: np.empty(n, dtype) for name, dtype in dtypes.items()},
    }
    end = 0
    for b in blocks:
        start, end = end, end + len(b.referral)
        columns["ics"][start:end] = b.ics
        columns["service"][start:end] = b.service
        columns["referral"][start:end] = b.referral
        columns["backlog"][start:end] = b.backlog
        sn = network.services[b.service]
        drawn = draw_attributes(DRAWS, sn.spec, end - start, seed, replication,
                                network.icss[b.ics].code, b.key)
        if b.backlog:
            # already accepted onto the specialised list: not managed locally, elective
            drawn["local"][:] = False
            drawn["emergency"][:] = False
            drawn["assess"][:] = 0.0
        for name, values in drawn.items():
            columns[name][start:end] = values
    return Patients(**columns)


def decision_times(patients: Patients) -> np.ndarray:
    """Each patient's access (or local-management) decision time: referral plus assessment,
    and t = 0 for the waiting lists at the start (accepted already)."""
    return np.where(patients.backlog, 0.0, patients.referral + patients.assess)


def in_decision_order(patients: Patients) -> Patients:
    """The same patients, renumbered in order of their decision time (ties, the lists at
    t = 0, keep their order), each column permuted in place of the old one.

    Nothing a patient draws depends on their number (each attribute was drawn in its own
    stream, block by block), and the run meets patients in this order; so numbering them in it
    changes no event, and the pathway's reads and record writes move forward through memory
    instead of jumping across every column at random: at 8x demand that made a patient 12-19 %
    dearer than at 1x (two pairs of runs; benchmarks/README.md)."""
    order = np.argsort(decision_times(patients), kind="stable")
    for f in fields(Patients):  # one column at a time: the old one is freed as we go
        setattr(patients, f.name, getattr(patients, f.name)[order])
    return patients
