"""Every KPI a run reports, as one table of properties, and the one way to write a KPI's number.

`sim.model.kpis` computes the KPIs; everything that *reads* them (the group tuples, invariant
checks, confidence-interval bounds, tables, figure labels and scales, the report) takes what it
needs to know about a KPI from a row here, never from its name. A new KPI is therefore one line
in `kpis.py` (compute it) and one row here; a test checks that the two agree, scope by scope.

Rows are in the order of MODEL_SPEC section 5 (patient, cost, system), which is the order of the
comparison table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Group = Literal["patient", "waiting", "cost", "system"]
Direction = Literal["higher_is_better", "higher_is_worse", "neutral"]
Scope = Literal["overall", "service", "ics", "commissioner", "unit"]

INF = math.inf
# the bounds of a value that cannot be negative
NON_NEGATIVE = (0.0, INF)
# where a KPI appears (`replication_kpis`): patient KPIs are also broken down by home ICS
PATIENT_SCOPES: tuple[Scope, ...] = ("overall", "service", "ics")
SYSTEM_SCOPES: tuple[Scope, ...] = ("overall", "service")
WAITING_SCOPES: tuple[Scope, ...] = ("overall", "service", "ics", "commissioner")
_MONEY_STEPS = ((1e9, "bn"), (1e6, "m"), (1e3, "k"))


@dataclass(frozen=True)
class Kpi:
    """What a reader must know about one KPI to show, bound and compare its values."""

    id: str  # the `kpi` column of the tidy tables
    group: Group  # MODEL_SPEC section 5 block
    label: str  # what a planner reads, without the unit
    unit: str  # unit of the stored value: "days", "%", "GBP", "patients", "km", ...
    direction: Direction  # which way is better, for comparisons and calibration objectives
    scopes: tuple[Scope, ...]  # the scopes `replication_kpis` reports it at
    bounds: tuple[float, float] = NON_NEGATIVE  # the values it can take; CIs are clipped to them
    display_unit: str = ""  # unit shown on an axis, after multiplying by `scale` ("" for none)
    scale: float = 1.0  # stored value -> shown value (GBP -> £ million: 1e-6)
    headline: int = 0  # position among the headline KPIs (panel (a), run table); 0: not one
    cost_part: bool = False  # one of the parts that add up to cost_total_gbp
    indicator: bool = False  # 0/1 per replication: the mean is a probability (Wilson CI)
    calibration_rank: int = 0  # preference when fitting a capacity scale to it; 0: never
    mechanism: str = ""  # a claim mechanism (`scenario.mechanisms.<name>`): emitted only if on

    @property
    def axis_label(self) -> str:
        """The label with the unit the figure shows, e.g. 'Total cost (£m)'."""
        return f"{self.label} ({self.display_unit})" if self.display_unit else self.label

    @property
    def table_label(self) -> str:
        """The label of a table row, whose cells carry their own £: 'Mean wait (days)',
        'Total cost'."""
        return self.label if self.money else self.axis_label

    @property
    def money(self) -> bool:
        return self.unit == "GBP"

    def format(self, value: float | None, magnitude: float | None = None) -> str:
        """`format_value` for this KPI."""
        return format_value(self, value, magnitude)


def _patient(id: str, label: str, unit: str, direction: Direction, *,
             display_unit: str | None = None, bounds: tuple[float, float] = NON_NEGATIVE,
             headline: int = 0) -> Kpi:
    """A patient KPI: reported overall, per service and per home ICS; shown in its own unit."""
    return Kpi(id, "patient", label, unit, direction, PATIENT_SCOPES, bounds=bounds,
               display_unit=unit if display_unit is None else display_unit, headline=headline)


def _cost(id: str, label: str, *, part: bool = True, headline: int = 0,
          scopes: tuple[Scope, ...] = SYSTEM_SCOPES) -> Kpi:
    """A cost over the window, shown in £ million."""
    return Kpi(id, "cost", label, "GBP", "higher_is_worse", scopes, display_unit="£m",
               scale=1e-6, cost_part=part, headline=headline)


def _waiting(id: str, label: str, unit: str, direction: Direction, *,
             bounds: tuple[float, float] = NON_NEGATIVE, headline: int = 0,
             calibration_rank: int = 0) -> Kpi:
    """A waiting-list snapshot KPI: overall, per service, per home ICS, per commissioner."""
    return Kpi(id, "waiting", label, unit, direction, WAITING_SCOPES, bounds=bounds,
               display_unit=unit, headline=headline, calibration_rank=calibration_rank)


PERCENT = (0.0, 100.0)
CATALOGUE: tuple[Kpi, ...] = (
    # patient: counts follow the cohort referred after the warm-up (kpis.py docstring)
    _patient("referrals", "Referrals", "patients", "neutral"),
    Kpi("treated", "patient", "Treated", "patients", "higher_is_better",
        (*PATIENT_SCOPES, "unit"), display_unit="patients"),
    _patient("waiting_at_end", "Waiting at end", "patients", "higher_is_worse"),
    _patient("unmet_need", "Unmet need", "patients", "higher_is_worse"),
    _patient("managed_locally", "Managed locally", "patients", "neutral"),
    _patient("wait_mean_days", "Mean wait", "days", "higher_is_worse", headline=1),
    _patient("wait_p50_days", "Median wait", "days", "higher_is_worse"),
    _patient("wait_p92_days", "92nd percentile wait", "days", "higher_is_worse", headline=2),
    _patient("pct_within_18_weeks", "Treated within 18 weeks", "%", "higher_is_better",
             bounds=PERCENT),
    _patient("pathway_days_mean", "Mean pathway length", "days", "higher_is_worse"),
    _patient("pct_treated_below_min_volume", "Treated below min. volume", "%",
             "higher_is_worse", bounds=PERCENT, headline=5),
    _patient("adverse_per_1000", "Adverse outcomes", "per 1,000 treatments", "higher_is_worse",
             display_unit="per 1,000", headline=6),
    _patient("boundary_crossings_per_patient", "Boundary crossings", "per patient",
             "higher_is_worse", headline=7),
    _patient("handover_delay_days_mean", "Mean hand-over delay", "days", "higher_is_worse"),
    _patient("travel_km_mean", "Mean travel", "km", "higher_is_worse", headline=8),
    _patient("pct_displaced", "Not at nearest unit", "%", "higher_is_worse", bounds=PERCENT),
    _patient("time_to_bed_mean_days", "Mean time to a bed (emergency)", "days",
             "higher_is_worse"),
    _patient("emergency_transfers_per_patient", "Transfers out (emergency)", "per patient",
             "higher_is_worse"),
    _patient("emergency_no_bed_pct", "No free bed in any suitable unit (emergency)", "%",
             "higher_is_worse", bounds=PERCENT),
    _patient("emergency_extra_km_mean", "Extra km beyond the nearest unit (emergency)", "km",
             "higher_is_worse"),
    # the waiting list at the end of the window (incomplete pathways, as NHS England publishes
    # RTT); monthly in `timeseries`
    _waiting("waiting_list_end", "Waiting list", "patients", "higher_is_worse",
             calibration_rank=1),
    _waiting("incomplete_median_wait_days", "Median wait so far (waiting list)", "days",
             "higher_is_worse", calibration_rank=3),
    _waiting("incomplete_p92_wait_days", "92nd percentile wait so far", "days",
             "higher_is_worse", calibration_rank=4),
    _waiting("incomplete_pct_within_standard", "Waiting list within standard", "%",
             "higher_is_better", bounds=PERCENT, headline=3, calibration_rank=2),
    _waiting("waiting_over_52_weeks", "Waiting over 52 weeks", "patients", "higher_is_worse"),
    # cost: GBP over the whole window after the warm-up
    _cost("cost_activity_gbp", "Activity cost"),
    _cost("cost_provider_gbp", "Provider fixed cost"),
    _cost("cost_admin_gbp", "Commissioning admin", scopes=(*SYSTEM_SCOPES, "commissioner")),
    _cost("cost_travel_gbp", "Travel cost"),
    _cost("cost_adverse_gbp", "Adverse-outcome cost"),
    _cost("cost_service_groups_gbp", "Service groups (cohorts)", scopes=("overall",)),
    _cost("cost_total_gbp", "Total cost", part=False, headline=9),
    Kpi("cost_per_treated_gbp", "cost", "Cost per treated patient", "GBP", "higher_is_worse",
        SYSTEM_SCOPES, display_unit="£"),
    Kpi("cost_per_year_gbp", "cost", "Cost per year", "GBP", "higher_is_worse",
        SYSTEM_SCOPES, display_unit="£bn", scale=1e-9),
    # system
    Kpi("units_active", "system", "Active units", "units", "neutral", SYSTEM_SCOPES,
        display_unit="count", headline=4),
    Kpi("unit_volume_median", "system", "Median unit volume", "patients per year",
        "higher_is_better", (*SYSTEM_SCOPES, "unit"), display_unit="per year"),
    Kpi("utilisation", "system", "Utilisation", "share", "neutral", (*SYSTEM_SCOPES, "unit"),
        bounds=(0.0, 1.0), display_unit="share of slots"),
    Kpi("wait_p92_cv_between_ics", "system", "CV of p92 wait between ICSs", "ratio",
        "higher_is_worse", SYSTEM_SCOPES, headline=10),
    Kpi("access_rate_cv_between_ics", "system", "CV of access rate between ICSs", "ratio",
        "higher_is_worse", SYSTEM_SCOPES),
    Kpi("budget_variance_gbp", "system", "Budget variance", "GBP", "higher_is_worse",
        ("overall", "commissioner"), bounds=(-INF, INF), display_unit="£m", scale=1e-6),
    Kpi("p_overspend", "system", "P(overspend)", "probability", "higher_is_worse",
        ("overall", "commissioner"), bounds=(0.0, 1.0), indicator=True),
    # the claim mechanisms (issue 17; sim/model/mechanism_kpis.py): only when switched on
    Kpi("incidence_change_pct", "system", "Change in specialised referrals (prevention)", "%",
        "higher_is_worse", SYSTEM_SCOPES, bounds=(-100.0, 0.0), display_unit="%",
        mechanism="prevention"),
    Kpi("patients_in_research_active_units_pct", "system",
        "Treated in research-active units", "%", "higher_is_better", SYSTEM_SCOPES,
        bounds=PERCENT, display_unit="%", mechanism="research"),
    Kpi("trial_recruits", "system", "Trial recruits", "patients", "higher_is_better",
        SYSTEM_SCOPES, display_unit="patients", mechanism="research"),
    Kpi("trial_recruits_tertiary_pct", "system", "Trial recruits at tertiary trusts", "%",
        "neutral", ("overall",), bounds=PERCENT, display_unit="%", mechanism="research"),
    Kpi("access_rate_range_between_ics", "system", "Range of access rate between ICSs",
        "share", "higher_is_worse", SYSTEM_SCOPES, bounds=(0.0, 1.0), mechanism="standards"),
    Kpi("icss_delegated", "system", "ICSs commissioning delegated services", "ICSs",
        "neutral", ("overall",), display_unit="count", mechanism="readiness"),
)
KPIS: dict[str, Kpi] = {k.id: k for k in CATALOGUE}
if len(KPIS) != len(CATALOGUE):  # pragma: no cover - a programming error
    raise RuntimeError("two catalogue rows share a KPI id")


def ids(group: Group | None = None) -> tuple[str, ...]:
    """KPI ids in catalogue order, optionally of one group."""
    return tuple(k.id for k in CATALOGUE if group is None or k.group == group)


HEADLINE_KPIS: tuple[str, ...] = tuple(
    k.id for k in sorted((k for k in CATALOGUE if k.headline), key=lambda k: k.headline))
COST_PARTS: tuple[str, ...] = tuple(k.id for k in CATALOGUE if k.cost_part)
CALIBRATION_KPIS: tuple[str, ...] = tuple(
    k.id for k in sorted((k for k in CATALOGUE if k.calibration_rank),
                         key=lambda k: k.calibration_rank))
COST_TOTAL = "cost_total_gbp"  # the KPI the cost parts add up to (an invariant checks it)


def format_number(x: float | None) -> str:
    """A number at 3 significant figures; whole numbers of 1,000 or more in full, with
    thousands separators (rounding 12,345 to 12,300 would hide digits a reader may check)."""
    if x is None or math.isnan(x):
        return "-"
    if x == 0:
        return "0"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if abs(float(f"{x:.3g}")) >= 1000:  # also 999.7, which 3 figures round up to 1,000
        return f"{x:,.0f}"
    return f"{x:.3g}"


def format_value(kpi: Kpi | str, value: float | None, magnitude: float | None = None) -> str:
    """A KPI's value as a planner reads it: 3 significant figures; money in £ with k, m or bn
    chosen by `magnitude` (default: the value itself; pass the largest number of a row so that
    a mean and its CI share one suffix). Unknown KPIs are plain numbers.

    Examples: 17 -> '17', 0.1234 -> '0.123', 12345.6 -> '12,346', 1_234_567 GBP -> '£1.23m',
    98_765 GBP -> '£98.8k', 78.4 GBP -> '£78', -2.5e6 GBP -> '-£2.5m', NaN -> '-'.
    """
    row = KPIS.get(kpi) if isinstance(kpi, str) else kpi
    if value is None or math.isnan(value):
        return "-"
    if row is None or not row.money:
        return format_number(value)
    size = float(f"{abs(value if magnitude is None else magnitude):.3g}")  # £999,999: £1m
    divisor, suffix = next(((d, s) for d, s in _MONEY_STEPS if size >= d), (1.0, ""))
    # whole pounds below £1,000: pence are noise at any scale a planner reads
    number = format_number(abs(value) / divisor) if suffix else f"{abs(value):,.0f}"
    if number == "0":
        return "£0"
    return f"{'-' if value < 0 else ''}£{number}{suffix}"


def format_interval(kpi: Kpi | str, mean: float, low: float, high: float) -> str:
    """'mean [low, high]', one money suffix for all three; the mean alone without a CI."""
    if low is None or math.isnan(low):
        return format_value(kpi, mean)
    size = max(abs(v) for v in (mean, low, high) if not math.isnan(v))
    return (f"{format_value(kpi, mean, size)} [{format_value(kpi, low, size)}, "
            f"{format_value(kpi, high, size)}]")
