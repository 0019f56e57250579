"""One figure style for every plot: colour-blind-safe colours, journal sizes, units, a source note.

A reader who learns in figure (a) that orange is `ics_delegation` must find it orange in every
other figure, so colours are assigned from the scenario *name*, not from its position in a plot.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import ParamSpec, TypeVar

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

# Okabe & Ito (2008), "Color universal design": distinguishable with all common colour deficits.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
             "#000000")
# The shipped scenarios keep the same colour whatever else is compared with them.
FIXED = {"centralised": "#0072B2", "ics_delegation": "#E69F00", "collaborative": "#009E73",
         "selective_delegation": "#CC79A7", "england": "#000000"}
NEUTRAL = "#7F7F7F"
P = ParamSpec("P")
R = TypeVar("R")

SINGLE_COLUMN_IN = 3.5  # width of one journal column, inches
DOUBLE_COLUMN_IN = 7.2  # full page width
DPI = 200

RC = {
    "font.size": 7.5, "axes.titlesize": 8, "axes.labelsize": 7.5, "xtick.labelsize": 7,
    "ytick.labelsize": 7, "legend.fontsize": 7, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "grid.color": "#E5E5E5",
    "grid.linewidth": 0.5, "axes.axisbelow": True, "savefig.dpi": DPI,
    "svg.fonttype": "none", "figure.dpi": 100, "font.family": "DejaVu Sans",
}

# KPI -> axis label with its unit (MODEL_SPEC section 5: days, GBP, percentages 0-100).
LABELS = {
    "referrals": "Referrals (patients)", "treated": "Treated (patients)",
    "waiting_at_end": "Waiting at end (patients)", "unmet_need": "Unmet need (patients)",
    "managed_locally": "Managed locally (patients)",
    "wait_mean_days": "Mean wait (days)", "wait_p50_days": "Median wait (days)",
    "wait_p92_days": "92nd percentile wait (days)",
    "pct_within_18_weeks": "Treated within 18 weeks (%)",
    "pathway_days_mean": "Mean pathway length (days)",
    "units_active": "Active units (count)", "unit_volume_median": "Median unit volume (per year)",
    "utilisation": "Utilisation (share of slots)",
    "pct_treated_below_min_volume": "Treated below min. volume (%)",
    "adverse_per_1000": "Adverse outcomes (per 1,000)",
    "boundary_crossings_per_patient": "Boundary crossings (per patient)",
    "handover_delay_days_mean": "Mean hand-over delay (days)",
    "travel_km_mean": "Mean travel (km)", "pct_displaced": "Not at nearest unit (%)",
    "cost_activity_gbp": "Activity cost (£m)", "cost_provider_gbp": "Provider fixed cost (£m)",
    "cost_admin_gbp": "Commissioning admin (£m)", "cost_travel_gbp": "Travel cost (£m)",
    "cost_adverse_gbp": "Adverse-outcome cost (£m)", "cost_total_gbp": "Total cost (£m)",
    "cost_per_treated_gbp": "Cost per treated patient (£)",
    "wait_p92_cv_between_ics": "CV of p92 wait between ICSs",
    "access_rate_cv_between_ics": "CV of access rate between ICSs",
    "budget_variance_gbp": "Budget variance (£m)", "p_overspend": "P(overspend)",
}

# KPIs stored in GBP over the window but read in £ millions.
MILLIONS = frozenset(k for k, v in LABELS.items() if "(£m)" in v)


def label(kpi: str) -> str:
    """The axis label of a KPI, with its unit; unknown KPIs keep their name."""
    return LABELS.get(kpi, kpi)


def scale(kpi: str) -> float:
    """Factor from stored value to plotted value (GBP -> £m where the label says £m)."""
    return 1e-6 if kpi in MILLIONS else 1.0


def scenario_colours(names: Sequence[str]) -> dict[str, str]:
    """A colour per scenario: fixed for shipped names, then free palette colours in order."""
    colours: dict[str, str] = {}
    taken = {FIXED[n] for n in names if n in FIXED}
    free = [c for c in OKABE_ITO if c not in taken]
    for name in names:
        if name in FIXED:
            colours[name] = FIXED[name]
        else:
            colours[name] = free.pop(0) if free else NEUTRAL
    return colours


def styled(func: Callable[P, R]) -> Callable[P, R]:
    """Run a figure-drawing function under the house rcParams (text is styled when created)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with plt.rc_context(RC):
            return func(*args, **kwargs)

    return wrapper


def source_note(fig: Figure, note: str) -> None:
    """A small grey line at the bottom left: where the numbers come from."""
    fig.text(0.005, 0.003, note, fontsize=5.5, color="#555555", ha="left", va="bottom")
