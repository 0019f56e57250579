"""The `finance:` block of a scenario: how budgets are allocated and what care really costs.

Every default reproduces the model before money became a risk (budgets from the scenario's own
expected spend, every episode paid at its tariff, no shocks, no pooling), so a scenario without
a `finance:` block runs exactly as before. Imported by `sim.config.schema`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Allocation(_Strict):
    """How each commissioner's annual budget at t = 0 is set; headroom multiplies it.

    * `scenario_spend`: the scenario's own expected spend (the model before allocations: a
      demand what-if brings its own budget);
    * `historic`: base-year spend (`base_spend_gbp` per service or group, England; a line
      without one: its expected spend under national rules at the scenario's demand) shared
      over ICSs by population, times (1 + `uplift`): a demand what-if meets a fixed budget;
    * `fair_share`: the historic total shared by population x `need_index` (default 1), each
      ICS moved from its historic share toward that target by at most `pace_of_change` of its
      historic share;
    * `explicit`: `amounts_gbp` per commissioner key; the others as `historic`.
    """

    rule: Literal["scenario_spend", "historic", "fair_share", "explicit"] = "scenario_spend"
    uplift: Annotated[float, Field(gt=-1.0)] = 0.0
    base_spend_gbp: dict[str, NonNegative] = Field(default_factory=dict)
    need_index: dict[str, Positive] = Field(default_factory=dict)
    pace_of_change: NonNegative = 0.01
    amounts_gbp: dict[str, NonNegative] = Field(default_factory=dict)


class Shocks(_Strict):
    """New high-cost technologies (a hepatitis-C-like drug): arrivals Poisson at
    `rate_per_year`, plus any `scheduled_days`; each costs `annual_cost_gbp` a year at full
    uptake, reached linearly over `uptake_years` (0: at once), shared over ICSs by population
    and paid monthly by the commissioner of `payer` (a service or group id; none: NHSE
    national)."""

    rate_per_year: Annotated[float, Field(ge=0.0, le=100.0)] = 0.0  # bounded: one draw each
    scheduled_days: Annotated[list[NonNegative], Field(max_length=1000)] = Field(
        default_factory=list)
    annual_cost_gbp: NonNegative = 191e6
    uptake_years: Annotated[float, Field(ge=0.0, le=100.0)] = 1.0
    payer: str | None = None


class RiskShare(_Strict):
    """Above `threshold_gbp`, the rest of an episode's cost is paid from a pool that the ICS
    commissioners of the same `pool` footprint fund in proportion to their population."""

    threshold_gbp: Positive
    pool: Literal["region", "england"] = "region"


class CostPressure(_Strict):
    """Cost growth beyond plan at fixed activity (case-mix, intensity, prices), drawn per
    financial year as a mean-one factor on every episode and service-group cost of residents
    of an ICS: a national part common to all ICSs (sd `national_sd`) times a local part per ICS
    whose sd is `local_sd_at_1m` at a population of one million and scales as one over the
    square root of the population (independent local events pool). A commissioner's spend
    pools the local parts of the ICSs it covers, so the variability of its spend against its
    allocation falls with its footprint."""

    national_sd: Annotated[float, Field(ge=0.0, le=0.5)] = 0.0
    local_sd_at_1m: Annotated[float, Field(ge=0.0, le=0.5)] = 0.0

    @property
    def on(self) -> bool:
        return self.national_sd > 0 or self.local_sd_at_1m > 0


class Finance(_Strict):
    """Money as risk (issue 12). Defaults: the deterministic model (see module docstring)."""

    allocation: Allocation = Allocation()
    # cv of an episode's cost around its price (lognormal; service groups: per episode)
    episode_cost_cv: Annotated[float, Field(ge=0.0, le=10.0)] = 0.0
    group_cost_cv: Annotated[float, Field(ge=0.0, le=10.0)] = 0.0
    provider_price: dict[str, Positive] = Field(default_factory=dict)  # trust code -> factor
    provider_price_sd_log: Annotated[float, Field(ge=0.0, le=3.0)] = 0.0  # per trust, lognormal
    national_discount: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    shocks: Shocks = Shocks()
    risk_share: RiskShare | None = None
    cost_pressure: CostPressure = CostPressure()
    # a provider stops taking a service's patients after this many financial years in a row
    # below cost and below the minimum volume (sim/model/withdrawal.py); none: never
    withdraw_after_years: Annotated[int, Field(ge=1)] | None = None
