"""The four claim mechanisms of the delegation debate (issue 17), switchable per scenario.

Each block is OFF by default, so a scenario without a `mechanisms:` block runs exactly as
before (same patients, same KPIs). Every default is illustrative (no published figure; see
docs/claims.md and the parameter table of docs/model.md): what a planner should replace with
local evidence before quoting a number.

* `prevention`: an ICS that commissions a pathway end to end (no commissioning boundary
  between local care and the specialised stage) invests in prevention and early intervention,
  which lowers specialised referrals (or shifts them to local management) after a lag.
* `research`: units at or above a research-active volume recruit patients to trials.
* `standards`: delegated commissioners may derogate from national standards, which spreads
  access between ICSs; audit staff (an admin cost) narrow the spread.
* `readiness`: delegation in the commissioning plan is gated per ICS by readiness criteria;
  an unready ICS stays in joint arrangements.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.config.arrangements import ARRANGEMENTS, Arrangement, not_delegated_names

NonNegative = Annotated[float, Field(ge=0.0)]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class Strict(BaseModel):
    """`sim.config.schema.Strict` (which imports this module, so cannot be imported here):
    unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Prevention(Strict):
    """Prevention and early intervention by ICSs that commission a pathway end to end."""

    enabled: bool = False
    # % change in specialised referrals once prevention has taken effect; illustrative
    incidence_change_pct: Annotated[float, Field(ge=-100.0, le=0.0)] = -5.0
    lag_days: NonNegative = 365.0  # investment to effect; illustrative
    # "referrals": prevented referrals never happen; "local_management": they are managed
    # locally after assessment instead of reaching the specialised stage
    effect: Literal["referrals", "local_management"] = "referrals"


class Research(Strict):
    """Trial recruitment at research-active units (Shelford Group letter, 2022)."""

    enabled: bool = False
    # a unit is research-active at this share of its service's minimum unit volume; illustrative
    active_share_of_min_volume: NonNegative = 1.0
    recruitment_share: Probability = 0.05  # of patients treated at active units; illustrative


class Standards(Strict):
    """Derogation from national standards by delegated commissioners, and audit against it."""

    enabled: bool = False
    # standard deviation of the fall in access rate of a derogating commissioner; illustrative
    derogation_sd: Annotated[float, Field(ge=0.0, le=1.0)] = 0.05
    audit_fte_per_commissioner: NonNegative = 0.0  # audit staff per delegated commissioner
    audit_fte_for_compliance: Annotated[float, Field(gt=0.0)] = 1.0  # FTE that stop derogation


class Readiness(Strict):
    """Per-ICS readiness criteria for delegation ("services will only be delegated where ICBs
    are ready", NHS England, 2022). An ICS missing from `financial_position_gbp_m` or
    `capability_score` passes that criterion."""

    enabled: bool = False
    min_population: Annotated[int, Field(ge=0)] = 0
    min_financial_position_gbp_m: float | None = None  # None: not a criterion
    financial_position_gbp_m: dict[str, float] = Field(default_factory=dict)  # by ICS code
    min_capability_score: float | None = None  # None: not a criterion
    capability_score: dict[str, float] = Field(default_factory=dict)  # by ICS code
    fallback: Arrangement = "regional"  # the joint arrangement an unready ICS stays in

    @model_validator(mode="after")
    def _fallback_not_delegated(self) -> Readiness:
        if ARRANGEMENTS[self.fallback].delegated:
            raise ValueError(f"fallback {self.fallback!r} is itself delegation; allowed: "
                             f"{', '.join(not_delegated_names())}")
        return self


class Mechanisms(Strict):
    """The claim mechanisms of a scenario; all off by default."""

    prevention: Prevention = Prevention()
    research: Research = Research()
    standards: Standards = Standards()
    readiness: Readiness = Readiness()
