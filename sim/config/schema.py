"""The scenario schema: every parameter of MODEL_SPEC sections 2-4, validated with pydantic.

Models refuse unknown keys (a typo is an error, never a silent default). Cross-references
(a unit's provider, a collaborative's ICSs, a commissioned service) are checked in
:func:`sim.config.checks.check_references`, where the file of origin of each key is known.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.config.arrangements import ARRANGEMENTS, Arrangement
from sim.config.finance import Finance
from sim.config.mechanisms import Mechanisms

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]

ProviderKind = Literal["acute", "specialist", "mental_health", "community", "ambulance"]


class Strict(BaseModel):
    """Base model: unknown keys are errors; values are checked on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Distribution(Strict):
    """A duration distribution in days, built from its mean and coefficient of variation.

    Means and CVs are what published sources report, so they are what a planner writes.
    """

    kind: Literal["exponential", "lognormal", "gamma", "fixed"]
    mean: NonNegative
    cv: NonNegative | None = None

    @model_validator(mode="after")
    def _cv_matches_kind(self) -> Distribution:
        if self.kind in ("lognormal", "gamma") and (self.cv is None or self.cv <= 0):
            raise ValueError(f"kind '{self.kind}' needs cv > 0 (got cv={self.cv})")
        if self.kind in ("exponential", "fixed") and self.cv is not None:
            raise ValueError(f"kind '{self.kind}' takes no cv (got cv={self.cv})")
        return self


class Outcome(Strict):
    """Volume-outcome curve p(v) = p_floor + (p_ceiling - p_floor) / (1 + (v / v_half) ** k)."""

    p_floor: Probability
    p_ceiling: Probability
    v_half: Positive
    k: Positive
    extra_days: NonNegative = 0.0
    extra_cost_gbp: NonNegative = 0.0
    escalation_share: Probability = 0.0

    @model_validator(mode="after")
    def _floor_below_ceiling(self) -> Outcome:
        if self.p_floor > self.p_ceiling:
            raise ValueError(
                f"p_floor ({self.p_floor}) must not exceed p_ceiling ({self.p_ceiling})"
            )
        return self


class Unit(Strict):
    """One provider's capacity for one service. `slots` is an input: capacity does not follow
    a scenario's own demand. Omitted (or `pathway.capacity: sized`): sized from demand."""

    provider: str
    slots: Annotated[int, Field(ge=1)] | None = None
    national_centre: bool = False
    designation: Literal["cited", "illustrative"] | None = None  # is the unit a real one?
    name: str | None = None  # the unit's own name, where a trust runs more than one


class InitialWaitingList(Strict):
    """Patients already waiting at the start of a run (RTT incomplete pathways), with a
    lognormal wait-so-far fitted to the published median and 92nd percentile."""

    size: Annotated[int, Field(ge=0)]
    median_weeks: Positive
    p92_weeks: Positive

    @model_validator(mode="after")
    def _p92_above_median(self) -> InitialWaitingList:
        if self.p92_weeks <= self.median_weeks:
            raise ValueError(f"p92_weeks ({self.p92_weeks}) must exceed median_weeks "
                             f"({self.median_weeks})")
        return self


class ServiceGroup(Strict):
    """Prescribed services modelled as cohorts (activity and cost, no unit queues), so that the
    whole specialised budget is in the model beside the detailed services."""

    name: str
    programme: str = ""
    delegable: bool = True
    highly_specialised: bool = False  # a highly specialised service (plan selector)
    annual_episodes: NonNegative  # England, at t = 0
    cost_per_episode_gbp: NonNegative
    annual_growth: Annotated[float, Field(gt=-1.0, le=1.0)] = 0.0
    paid_at_cost: bool = False  # high-cost drugs and devices: passed through at cost
    prescribed_services: Annotated[int, Field(ge=1)] = 1  # how many services it stands for
    sources: dict[str, str] = Field(default_factory=dict)


class Service(Strict):
    """A specialised service line (MODEL_SPEC section 2)."""

    name: str
    delegable: bool = True
    highly_specialised: bool = False  # a highly specialised service (plan selector)
    provider_kind: ProviderKind = "acute"
    incidence_per_100k: NonNegative
    annual_growth: Annotated[float, Field(gt=-1.0, le=1.0)] = 0.0
    seasonality_amplitude: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    urgent_share: Probability = 0.0
    local_management_share: Probability = 0.0
    assessment_days: Distribution = Distribution(kind="fixed", mean=0.0)
    treatment_days: Distribution
    step_down_days: Distribution = Distribution(kind="fixed", mean=0.0)
    tariff_gbp: NonNegative = 0.0
    variable_cost_gbp: NonNegative = 0.0
    fixed_cost_per_unit_gbp: NonNegative = 0.0
    min_unit_volume: NonNegative = 0.0
    target_utilisation: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.85
    capacity_scale: Positive = 1.0  # multiplies every unit's slots (what calibration fits)
    wait_standard_days: Positive = 126.0  # RTT 18 weeks; cancer 62 days; emergency: to a bed
    emergency_share: Probability = 0.0  # referrals on the emergency pathway
    initial_waiting_list: InitialWaitingList | None = None
    outcome: Outcome = Outcome(p_floor=0.0, p_ceiling=0.0, v_half=1.0, k=1.0)
    units: Annotated[list[Unit], Field(min_length=1)]
    sources: dict[str, str] = Field(default_factory=dict)


class ICS(Strict):
    """An Integrated Care System (its board, the ICB): the population that is referred."""

    code: str
    name: str
    region_code: str
    region_name: str
    population: Annotated[int, Field(ge=0)]
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]


class Provider(Strict):
    """An NHS trust with a location and a host ICS."""

    code: str
    name: str
    icb_code: str
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    tertiary: bool = False
    kind: ProviderKind = "acute"
    size: Annotated[int, Field(ge=0)] = 0


class Geography(Strict):
    """Where patients live and where units are. `dataset: england` loads the embedded data."""

    dataset: Literal["england"] | None = "england"
    icss: list[ICS] | None = None
    providers: list[Provider] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Geography:
        explicit = self.icss is not None or self.providers is not None
        if self.dataset is not None and explicit:
            raise ValueError("give either dataset: england or explicit icss and providers")
        if self.dataset is None and (not self.icss or not self.providers):
            raise ValueError("with dataset: null, both icss and providers must be non-empty lists")
        return self


class Localise(Strict):
    """ICS localisation: an ICS whose expected annual volume reaches a threshold opens a unit."""

    enabled: bool = False
    threshold_share_of_min_volume: NonNegative = 0.5
    capacity: Literal["moved", "added"] = "moved"


class Rules(Strict):
    """The rules of one commissioning arrangement (MODEL_SPEC section 4)."""

    w_distance: NonNegative = 1.0
    w_wait: NonNegative = 2.0
    out_of_area_weight: NonNegative = 0.0
    approval_delay_days: NonNegative = 0.0
    access_rate: Probability = 1.0
    access_rate_sd: NonNegative = 0.0
    budget_policy: Literal["absorb", "deprioritise"] = "absorb"
    budget_headroom: Annotated[float, Field(gt=-1.0)] = 0.0
    budget_growth: Annotated[float, Field(gt=-1.0)] = 0.03
    review_threshold: NonNegative = 0.02
    capacity_cut_share: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.1
    access_tighten_step: Probability = 0.0
    admin_fte_per_service: NonNegative = 0.0
    late_contract_probability: Probability = 0.0
    late_contract_days: Annotated[float, Field(ge=0.0, le=365.0)] = 0.0
    late_contract_delay_days: NonNegative = 0.0
    localise: Localise = Localise()


PLAN_SELECTORS = ("all", "delegable", "not_delegable", "highly_specialised")
"""Words a plan step may give in `services` instead of ids: every line, the delegable ones,
the others, those flagged `highly_specialised`."""


class PlanStep(Strict):
    """From date `from`, `arrangement` commissions the named services (and service groups)
    for the named ICSs (or every ICS of the named regions; default: every ICS). Steps are
    applied in date order on top of `default` and `services`; a later step wins."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, populate_by_name=True)

    from_: datetime.date = Field(alias="from")
    services: list[str] = Field(default_factory=list)  # ids, or one of PLAN_SELECTORS
    service_groups: list[str] = Field(default_factory=list)
    icss: list[str] = Field(default_factory=list)  # ICS codes; `all` or empty: every ICS
    regions: list[str] = Field(default_factory=list)  # region codes or names
    arrangement: Arrangement

    @field_validator("icss", mode="before")
    @classmethod
    def _all_icss(cls, value: object) -> object:
        if isinstance(value, str):
            if value != "all":
                raise ValueError("give a list of ICS codes, or all")
            return []
        return value

    @model_validator(mode="after")
    def _says_what_and_where(self) -> PlanStep:
        if not self.services and not self.service_groups:
            raise ValueError("a plan step names at least one service or service group "
                             f"(ids, or one of {', '.join(PLAN_SELECTORS)})")
        if self.regions and self.icss:
            raise ValueError("give either icss or regions, not both")
        return self

    def lines(self, lines: dict[str, Service | ServiceGroup]) -> list[str]:
        """The ids of the services and groups this step covers (selectors resolved). `all`
        with a delegated arrangement leaves out lines that may not be delegated, as
        `default` does; a line named by id is taken as named (checks refuse a bad one)."""
        out: list[str] = []
        for name in [*self.services, *self.service_groups]:
            if name in lines:
                picked = [name]
            elif name == "all":
                picked = [sid for sid, line in lines.items()
                          if line.delegable or not ARRANGEMENTS[self.arrangement].delegated]
            elif name in ("delegable", "not_delegable"):
                picked = [sid for sid, line in lines.items()
                          if line.delegable == (name == "delegable")]
            elif name == "highly_specialised":
                picked = [sid for sid, line in lines.items() if line.highly_specialised]
            else:
                picked = []
            out += [sid for sid in sorted(picked) if sid not in out]
        return out


class Transition(Strict):
    """What happens at each dated change of commissioner (`commissioning.plan`)."""

    contract_relet: bool = True  # the new commissioner lets contracts: a late-contract draw
    disruption_days: NonNegative = 0.0  # extra delay before a moved referral reaches its unit
    disruption_months: NonNegative = 0.0  # ... for this long after the change


class Commissioning(Strict):
    """Who pays for each service's specialised stage, and each arrangement's rules."""

    default: Arrangement = "national"
    services: dict[str, Arrangement] = Field(default_factory=dict)
    national: Rules = Rules()
    regional: Rules = Rules()
    ics: Rules = Rules()
    collaborative: Rules = Rules()
    collaboratives: dict[str, list[str]] = Field(default_factory=dict)
    plan: list[PlanStep] = Field(default_factory=list)  # dated changes (delegation waves)
    transition: Transition = Transition()

    def rules_for(self, arrangement: str) -> Rules:
        """The rules block of an arrangement (`commissioning.national`, `.ics`, ...)."""
        return getattr(self, arrangement)

    def arrangement_for(self, service_id: str, delegable: bool) -> Arrangement:
        """The arrangement of a service: its own entry, else the default, except that the
        default never delegates a service that may not be delegated (it stays national)."""
        if service_id in self.services:
            return self.services[service_id]
        if not delegable and ARRANGEMENTS[self.default].delegated:
            return "national"
        return self.default


class Pathway(Strict):
    """Parameters shared by every service's pathway."""

    handover_delay_days: NonNegative = 0.0
    road_factor: Annotated[float, Field(ge=1.0)] = 1.3
    travel_cost_per_km_gbp: NonNegative = 0.0
    fte_cost_gbp: NonNegative = 0.0
    prefill: bool = True
    capacity: Literal["explicit", "sized"] = "explicit"  # sized: every unit from demand
    capacity_planning_days: NonNegative = 1095.0  # the date `sized` units meet demand at


class RunSettings(Strict):
    """Default run length and replications; the CLI may override them."""

    years: Positive = 2.0
    warmup_days: NonNegative = 365.0
    replications: Annotated[int, Field(ge=1)] = 5
    seed: Annotated[int, Field(ge=0)] = 20261122
    start_date: datetime.date = datetime.date(2026, 1, 31)  # day 0: the RTT snapshot date

    def with_overrides(self, *, years: float | None = None, warmup_days: float | None = None,
                       replications: int | None = None, seed: int | None = None) -> RunSettings:
        """These settings with the command line's (or API caller's) values where given: the
        one place a run's seed, length, warm-up and replications are resolved."""
        given = {"years": years, "warmup_days": warmup_days, "replications": replications,
                 "seed": seed}
        merged = {**self.model_dump(), **{k: v for k, v in given.items() if v is not None}}
        return type(self).model_validate(merged)  # an override is checked like the file


class Scenario(Strict):
    """A fully resolved scenario: what one `specsim run` simulates."""

    name: str
    description: str = ""
    geography: Geography = Geography()
    services: Annotated[dict[str, Service], Field(min_length=1)]
    service_groups: dict[str, ServiceGroup] = Field(default_factory=dict)
    commissioning: Commissioning = Commissioning()
    pathway: Pathway = Pathway()
    run: RunSettings = RunSettings()
    finance: Finance = Finance()
    mechanisms: Mechanisms = Mechanisms()  # claim mechanisms (issue 17), all off by default
