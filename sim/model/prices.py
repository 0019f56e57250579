"""Episode prices: tariff x trust price factor x the patient's cost factor, less the national
commissioner's buying-power discount (`finance:` block). No SimPy here: provider accounts and
KPIs read prices after the run."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from sim.config.finance import Finance
from sim.config.schema import Scenario
from sim.model.rng import stream

NATIONAL_PAYER = 0  # NHSE national's commissioner index (commissioning.NATIONAL_INDEX)


def lognormal_factor(u: np.ndarray, cv: float) -> np.ndarray:
    """Mean-one lognormal multipliers with coefficient of variation `cv` from uniforms."""
    if cv <= 0:
        return np.ones_like(u, dtype=float)
    sigma = math.sqrt(math.log1p(cv * cv))
    z = special.ndtri(np.clip(u, 1e-12, 1.0 - 1e-12))
    return np.exp(sigma * z - sigma * sigma / 2.0)


def provider_price_factors(finance: Finance, provider_codes: Sequence[str], seed: int,
                           replication: int, salt: str = "") -> dict[str, float]:
    """Each trust's price relative to the tariff: the stated factor (default 1) times a
    mean-one lognormal of sd `provider_price_sd_log` (a stream per trust)."""
    sd = finance.provider_price_sd_log
    out = {}
    for code in provider_codes:
        factor = finance.provider_price.get(code, 1.0)
        if sd > 0:
            z = stream(seed, replication, "price", code + salt).standard_normal()
            factor *= math.exp(sd * z - sd * sd / 2.0)
        out[code] = factor
    return out


@dataclass(frozen=True)
class Pricing:
    """The price each episode is paid at: tariff x trust price factor x the patient's cost
    factor (first treatment and escalation), less the national discount when NHSE pays."""

    tariff: np.ndarray  # per service index
    unit_factor: np.ndarray  # per unit
    cost_factor: np.ndarray  # per patient, first treatment
    cost_factor2: np.ndarray  # per patient, escalation
    national_discount: float

    def episode(self, pid: int, service: int, unit: int, payer: int, escalation: bool
                ) -> float:
        factor = (self.cost_factor2 if escalation else self.cost_factor)[pid]
        price = float(self.tariff[service] * self.unit_factor[unit] * factor)
        return price * (1.0 - self.national_discount) if payer == NATIONAL_PAYER else price

    def episodes(self, pid: np.ndarray, service: np.ndarray, unit: np.ndarray,
                 payer: np.ndarray, escalation: bool) -> np.ndarray:
        """`episode` for many patients at once (provider accounts, after the run)."""
        factor = (self.cost_factor2 if escalation else self.cost_factor)[pid]
        price = self.tariff[service] * self.unit_factor[unit] * factor
        return np.where(payer == NATIONAL_PAYER, price * (1.0 - self.national_discount), price)


def pricing(scenario: Scenario, tariffs: np.ndarray, unit_providers: Sequence[str],
            provider_codes: Sequence[str], u_cost: np.ndarray, u_cost2: np.ndarray,
            seed: int, replication: int, salt: str = "") -> Pricing:
    finance = scenario.finance
    trust = provider_price_factors(finance, provider_codes, seed, replication, salt)
    return Pricing(tariffs, np.array([trust[p] for p in unit_providers], dtype=float),
                   lognormal_factor(u_cost, finance.episode_cost_cv),
                   lognormal_factor(u_cost2, finance.episode_cost_cv), finance.national_discount)


def is_priced(finance: Finance) -> bool:
    """Does any episode cost other than its tariff?"""
    return bool(finance.episode_cost_cv > 0 or finance.provider_price
                or finance.provider_price_sd_log > 0 or finance.national_discount > 0)
