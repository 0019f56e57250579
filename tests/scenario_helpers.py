"""Small scenarios for tests (importable as `scenario_helpers` from test modules)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.config.loader import deep_merge

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def textbook(arrival_per_day: float = 0.8, mean_days: float = 1.0, slots: int = 1,
             **overrides: Any) -> dict[str, Any]:
    """One ICS, one unit, Poisson referrals, exponential treatment, nothing else: an M/M/c.

    The ICS population is 100,000 so incidence per 100k per year = 365 x arrivals per day.
    """
    base = {
        "name": "textbook",
        "geography": {
            "dataset": None,
            "icss": [{"code": "ICS1", "name": "Only ICS", "region_code": "R1",
                      "region_name": "Only region", "population": 100_000,
                      "lat": 52.0, "lon": -1.0}],
            "providers": [{"code": "P1", "name": "Only trust", "icb_code": "ICS1",
                           "lat": 52.0, "lon": -1.0}],
        },
        "services": {"svc": {
            "name": "Textbook service",
            "incidence_per_100k": arrival_per_day * 365.0,
            "treatment_days": {"kind": "exponential", "mean": mean_days},
            "units": [{"provider": "P1", "slots": slots}],
        }},
        "pathway": {"prefill": False},
        "run": {"years": 1, "warmup_days": 50, "replications": 2, "seed": 1},
    }
    return deep_merge(base, overrides)
