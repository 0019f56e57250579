"""Episode prices: tariff x trust price factor x the patient's cost factor, less the national
commissioner's buying-power discount, times the year's cost pressure for the patient's ICS
(`finance:` block). No SimPy here: provider accounts and KPIs read prices after the run."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from sim.config.finance import CostPressure, Finance
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


def cost_pressure(pressure: CostPressure, population: np.ndarray, years: int, seed: int,
                  replication: int, salt: str = "") -> np.ndarray:
    """Mean-one cost-pressure factors per (financial year, ICS): (1 + national part) x
    (1 + local part), normal parts, the local sd scaled by sqrt(1e6 / population). Both parts
    are drawn whatever their sd (one stream), so switching one on moves no draw of the other;
    floored at 0.1 (a cost never turns negative)."""
    rng = stream(seed, replication, "finance", "cost_pressure" + salt)
    national = rng.standard_normal(years)
    local = rng.standard_normal((years, len(population)))
    local_sd = pressure.local_sd_at_1m * np.sqrt(1e6 / np.asarray(population, dtype=float))
    factor = (1.0 + pressure.national_sd * national)[:, None] * (1.0 + local_sd * local)
    return np.maximum(factor, 0.1)


def financial_year(day: float | np.ndarray, warmup: float, years: int) -> np.ndarray:
    """The financial year (365 days from the end of the warm-up; the warm-up counts as the
    first year's) of each day, clipped to the years of the run. Floor division, as Python's
    `//` (a quotient rounded up to a whole year by `/` would start a year a day early)."""
    return np.clip(np.floor_divide(np.asarray(day, dtype=float) - warmup, 365.0), 0, years - 1
                   ).astype(np.int64)


@dataclass(frozen=True)
class Pricing:
    """The price each episode is paid at: tariff x trust price factor x the patient's cost
    factor (first treatment and escalation), less the national discount when NHSE pays, times
    the cost pressure of the financial year for the patient's ICS (if any)."""

    tariff: np.ndarray  # per service index
    unit_factor: np.ndarray  # per unit
    cost_factor: np.ndarray  # per patient, first treatment
    cost_factor2: np.ndarray  # per patient, escalation
    national_discount: float
    # cost pressure: factors per (financial year, ICS), each patient's ICS and the end of
    # the warm-up; None: no cost pressure
    pressure: np.ndarray | None = None
    patient_ics: np.ndarray | None = None
    warmup: float = 0.0

    def episodes_at(self, pid: np.ndarray, service: np.ndarray, unit: np.ndarray,
                    payer: np.ndarray, escalation: np.ndarray, start: np.ndarray) -> np.ndarray:
        """What commissioners pay for these episodes, started on `start` days: the price of
        `episodes` times the cost pressure of the financial year for the patient's ICS (the
        episode ledger's settlement: `sim.model.ledger`). Element by element the same
        products, in the same order, as a price computed one episode at a time."""
        factor = np.where(escalation, self.cost_factor2[pid], self.cost_factor[pid])
        price = self.tariff[service] * self.unit_factor[unit] * factor
        pressure = self.pressure
        if pressure is not None:
            assert self.patient_ics is not None
            year = financial_year(start, self.warmup, len(pressure))
            price = price * pressure[year, self.patient_ics[pid]]
        return np.where(payer == NATIONAL_PAYER, price * (1.0 - self.national_discount), price)

    def episodes(self, pid: np.ndarray, service: np.ndarray, unit: np.ndarray,
                 payer: np.ndarray, escalation: bool) -> np.ndarray:
        """The price of these episodes before cost pressure (provider accounts, after the run:
        cost pressure is more costly care, whose income and cost match)."""
        factor = (self.cost_factor2 if escalation else self.cost_factor)[pid]
        price = self.tariff[service] * self.unit_factor[unit] * factor
        return np.where(payer == NATIONAL_PAYER, price * (1.0 - self.national_discount), price)


def pricing(scenario: Scenario, tariffs: np.ndarray, unit_providers: Sequence[str],
            provider_codes: Sequence[str], u_cost: np.ndarray, u_cost2: np.ndarray,
            seed: int, replication: int, salt: str = "",
            pressure: np.ndarray | None = None, patient_ics: np.ndarray | None = None,
            warmup: float = 0.0) -> Pricing:
    finance = scenario.finance
    trust = provider_price_factors(finance, provider_codes, seed, replication, salt)
    return Pricing(tariffs, np.array([trust[p] for p in unit_providers], dtype=float),
                   lognormal_factor(u_cost, finance.episode_cost_cv),
                   lognormal_factor(u_cost2, finance.episode_cost_cv), finance.national_discount,
                   pressure, patient_ics, warmup)


def is_priced(finance: Finance) -> bool:
    """Does any episode cost other than its tariff?"""
    return bool(finance.episode_cost_cv > 0 or finance.provider_price
                or finance.provider_price_sd_log > 0 or finance.national_discount > 0
                or finance.cost_pressure.on)
