"""The volume-outcome curve (MODEL_SPEC section 3, step 7)."""

from __future__ import annotations

from sim.config.schema import Outcome


def adverse_probability(outcome: Outcome, volume: float) -> float:
    """p(v) = p_floor + (p_ceiling - p_floor) / (1 + (v / v_half) ** k).

    Falls from p_ceiling at zero volume to p_floor at high volume; p(v_half) is the midpoint.
    """
    span = outcome.p_ceiling - outcome.p_floor
    return outcome.p_floor + span / (1.0 + (max(volume, 0.0) / outcome.v_half) ** outcome.k)
