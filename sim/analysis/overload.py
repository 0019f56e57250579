"""Overloaded units: where demand exceeds capacity, so the queue grows without bound.

A run with such a unit succeeds (it is a finding, not an error), but its waits depend on the
run length rather than converging, so a planner must be told. A unit counts as overloaded when
its slots are busy nearly all the time (mean utilisation over replications at least
`BUSY`) and its service's waiting list keeps growing through the second half of the run.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

BUSY = 0.98
GROWTH = 1.2  # end of run / middle of the measured window
MIN_GROWTH = 10.0  # patients: growth of a handful is noise


@dataclass(frozen=True)
class Overload:
    scenario: str
    service: str
    provider: str
    provider_name: str
    utilisation: float
    waiting_mid: float
    waiting_end: float

    def __str__(self) -> str:
        return (f"unit {self.service}/{self.provider} ({self.provider_name}) in scenario "
                f"{self.scenario!r} is overloaded: utilisation {self.utilisation:.0%}, and the "
                f"{self.service} waiting list grew from {self.waiting_mid:,.0f} to "
                f"{self.waiting_end:,.0f} over the second half of the run; its queue grows "
                "without bound (add slots or reduce demand)")


def _waiting(timeseries: pd.DataFrame, warmup_days: float) -> pd.DataFrame:
    """Per (scenario, service): the mean waiting list at the middle and end of the window."""
    series = timeseries[(timeseries.scope == "service") & (timeseries.kpi == "waiting_list_end")]
    if series.empty:
        return pd.DataFrame(columns=["scenario", "service", "mid", "end"])
    first = int(warmup_days // 30.4375)  # month-ends after the warm-up
    mean = (series[series.month > first].groupby(["scenario", "key", "month"], sort=True)
            .value.mean().reset_index())
    rows = []
    for (scenario, service), part in mean.groupby(["scenario", "key"], sort=False):
        values = part.value.to_numpy()
        if len(values) >= 2:
            rows.append({"scenario": scenario, "service": service,
                         "mid": float(values[(len(values) - 1) // 2]), "end": float(values[-1])})
    return pd.DataFrame(rows, columns=["scenario", "service", "mid", "end"])


def overloaded_units(units: pd.DataFrame, timeseries: pd.DataFrame,
                     warmup_days: float) -> list[Overload]:
    """Every overloaded unit of a run (one entry per unit, whatever the replications)."""
    if units.empty or timeseries.empty:
        return []
    busy = (units.groupby(["scenario", "service", "provider", "provider_name"], sort=False)
            .utilisation.mean().reset_index())
    busy = busy[busy.utilisation >= BUSY]
    if busy.empty:
        return []
    growing = _waiting(timeseries, warmup_days)
    growing = growing[(growing.end >= GROWTH * growing.mid)
                      & (growing.end - growing.mid >= MIN_GROWTH)]
    found = busy.merge(growing, on=["scenario", "service"])
    return [Overload(r.scenario, r.service, r.provider, r.provider_name, r.utilisation, r.mid,
                     r.end) for r in found.itertuples()]
