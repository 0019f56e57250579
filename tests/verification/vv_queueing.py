"""Shared pieces of the verification tests: textbook scenarios and queueing formulas.

Kept beside the tests (not in `sim/`) because only the tests need them. A textbook scenario is
a tiny explicit geography (`dataset: null`) with every non-queueing feature switched off:
no prefill, no hand-over delays, no late contracts, no assessment, exponential treatment.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from sim.config.schema import Scenario
from sim.model.records import RunResult
from sim.model.simulation import simulate

POPULATION = 100_000


def incidence_for(rate_per_day: float, population: int = POPULATION) -> float:
    """Referrals per 100,000 per year that give `rate_per_day` arrivals for one ICS."""
    return rate_per_day * 365.0 * 1e5 / population


def ics(code: str, lat: float, lon: float) -> dict:
    return {"code": code, "name": code, "region_code": "R", "region_name": "Region",
            "population": POPULATION, "lat": lat, "lon": lon}


def provider(code: str, icb: str, lat: float, lon: float) -> dict:
    return {"code": code, "name": code, "icb_code": icb, "lat": lat, "lon": lon}


def textbook_scenario(*, icss: Sequence[dict], providers: Sequence[dict], units: Sequence[dict],
                      incidence_per_100k: float, mean_service_days: float = 1.0,
                      urgent_share: float = 0.0, outcome: dict | None = None,
                      years: float = 10.0, warmup_days: float = 200.0) -> Scenario:
    """One nationally commissioned service on an explicit network, queueing features only.

    Routing is by distance alone (`w_wait: 0`), so each ICS uses its nearest unit and arrival
    rates per unit are known exactly."""
    service = {
        "name": "textbook",
        "incidence_per_100k": incidence_per_100k,
        "urgent_share": urgent_share,
        "treatment_days": {"kind": "exponential", "mean": mean_service_days},
        "units": list(units),
    }
    if outcome is not None:
        service["outcome"] = outcome
    return Scenario.model_validate({
        "name": "textbook",
        "geography": {"dataset": None, "icss": list(icss), "providers": list(providers)},
        "services": {"textbook": service},
        "commissioning": {"default": "national",
                          "national": {"w_wait": 0.0, "late_contract_probability": 0.0}},
        "pathway": {"handover_delay_days": 0.0, "prefill": False},
        "run": {"years": years, "warmup_days": warmup_days, "replications": 1, "seed": 7},
    })


def single_station(rate_per_day: float, slots: int, mean_service_days: float = 1.0,
                   urgent_share: float = 0.0, years: float = 10.0,
                   warmup_days: float = 200.0) -> Scenario:
    """One ICS, one unit with `slots` parallel servers: an M/M/c queue (two classes if
    urgent_share > 0, non-preemptive priority to urgent)."""
    return textbook_scenario(
        icss=[ics("A", 52.0, -1.0)], providers=[provider("P", "A", 52.0, -1.0)],
        units=[{"provider": "P", "slots": slots}], incidence_per_100k=incidence_for(rate_per_day),
        mean_service_days=mean_service_days, urgent_share=urgent_share, years=years,
        warmup_days=warmup_days)


def run_replications(scenario: Scenario, replications: int, seed: int = 11) -> list[RunResult]:
    return [simulate(scenario, r, seed=seed) for r in range(replications)]


def started_in_window(res: RunResult) -> np.ndarray:
    """Patients whose specialised treatment started after the warm-up (the KPI convention)."""
    start = res.records.start
    return (start >= res.warmup) & (start < res.horizon)


# -- queueing theory --------------------------------------------------------------------------
def erlang_c(c: int, offered_load: float) -> float:
    """Erlang C: P(wait > 0) in M/M/c with offered load a = lambda/mu (a < c).

    C(c, a) = [a^c / c! * c/(c-a)] / [sum_{k<c} a^k/k! + a^c / c! * c/(c-a)]."""
    a = offered_load
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def mmc_mean_wait(lam: float, mu: float, c: int) -> float:
    """M/M/c mean wait in queue: Wq = C(c, lambda/mu) / (c*mu - lambda)."""
    return erlang_c(c, lam / mu) / (c * mu - lam)


# -- the two-station network of escalation ----------------------------------------------------
# Station 1: a local unit L (ICS A's nearest); station 2: a national centre N (ICS B's nearest).
# Adverse probability is constant (p_floor = p_ceiling = P_ADVERSE) and a share ESCALATE of
# adverse outcomes at L escalate to N, so the routing probability L -> N is q = P_ADVERSE *
# ESCALATE. extra_days = 0 keeps L's service time exponential. Everyone is urgent (one class).
LAMBDA_A, LAMBDA_B = 1.2, 1.0
SLOTS_L, SLOTS_N = 2, 2
P_ADVERSE, ESCALATE = 0.5, 0.5


def network_scenario(years: float, warmup_days: float) -> Scenario:
    """The escalation network; ICS populations set so that A refers LAMBDA_A and B LAMBDA_B
    patients per day (incidence is per service, so the two rates differ through population)."""
    data = textbook_scenario(
        icss=[ics("A", 52.0, -1.0), ics("B", 54.0, -2.0)],
        providers=[provider("L", "A", 52.0, -1.0), provider("N", "B", 54.0, -2.0)],
        units=[{"provider": "L", "slots": SLOTS_L},
               {"provider": "N", "slots": SLOTS_N, "national_centre": True}],
        incidence_per_100k=incidence_for(1.0), urgent_share=1.0,
        outcome={"p_floor": P_ADVERSE, "p_ceiling": P_ADVERSE, "v_half": 1.0, "k": 1.0,
                 "extra_days": 0.0, "escalation_share": ESCALATE},
        years=years, warmup_days=warmup_days,
    ).model_dump(mode="json")
    for entry, rate in zip(data["geography"]["icss"], (LAMBDA_A, LAMBDA_B), strict=True):
        entry["population"] = int(round(POPULATION * rate))
    return Scenario.model_validate(data)


def station_waits(res: RunResult) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Queue waits at L and at N (started after the warm-up), and the escalation flags of
    L's patients. A wait at N is measured from arrival at N: for ICS B's patients the
    referral, for escalated patients the end of their treatment at L."""
    p, r, w, t = res.patients, res.records, res.warmup, res.horizon
    at_l = (r.unit == 0) & (r.start >= w) & (r.start < t)
    wait_l = (r.start - p.referral)[at_l]
    direct_n = (r.unit == 1) & (r.start >= w) & (r.start < t)
    esc = r.escalated & (r.esc_start >= w) & (r.esc_start < t)
    wait_n = np.concatenate([(r.start - p.referral)[direct_n],
                             (r.esc_start - (r.start + p.treat))[esc]])
    return wait_l, wait_n, r.escalated[at_l]
