"""Overloaded units: where demand exceeds capacity, so the queue grows without bound.

A run with such a unit succeeds (it is a finding, not an error), but its waits depend on the
run length rather than converging, so a planner must be told. A unit counts as overloaded when
its slots are busy nearly all the time (mean utilisation over replications at least `BUSY`) and
its service's waiting list (mean over replications, month-ends after the warm-up) rises from
each third of the run to the next and ends at least `GROWTH` times where it began: demand far
above capacity, not a queue drifting near balance. The units of one service in one scenario
are reported together, once, busiest first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

BUSY = 0.98
GROWTH = 1.5  # last third of the run / first third, of the mean waiting list
MIN_GROWTH = 10.0  # patients: growth of a handful is noise


@dataclass(frozen=True)
class Overload:
    """The overloaded units of one service in one scenario."""

    scenario: str
    service: str
    units: tuple[tuple[str, str, float], ...]  # (provider, provider name, utilisation)
    waiting_start: float
    waiting_end: float

    def __str__(self, shown: int = 3) -> str:
        first = self.units[:shown]
        names = ", ".join(f"{self.service}/{code} ({name}) at {busy:.0%}"
                          for code, name, busy in first)
        more = f" and {len(self.units) - shown} more" if len(self.units) > shown else ""
        return (f"overloaded in scenario {self.scenario!r}: unit {names}{more} busy nearly all "
                f"the time, and the {self.service} waiting list grew from "
                f"{self.waiting_start:,.0f} after the warm-up to {self.waiting_end:,.0f} at the "
                "end, rising all the way; its queue grows without bound (add slots or reduce "
                "demand)")


def _growing(timeseries: pd.DataFrame, warmup_days: float) -> pd.DataFrame:
    """(scenario, service, start, end) of every service whose mean waiting list rises from
    each third of the measured window to the next and grows by GROWTH overall."""
    columns = ["scenario", "service", "start", "end"]
    series = timeseries[(timeseries.scope == "service") & (timeseries.kpi == "waiting_list_end")]
    first = int(warmup_days // 30.4375)  # month-ends after the warm-up
    mean = (series[series.month > first].groupby(["scenario", "key", "month"], sort=True)
            .value.mean().reset_index())
    rows = []
    for (scenario, service), part in mean.groupby(["scenario", "key"], sort=False):
        values = part.value.to_numpy()
        if len(values) < 3:
            continue
        a, b, c = (float(third.mean()) for third in np.array_split(values, 3))
        if a < b < c and c >= GROWTH * a and c - a >= MIN_GROWTH:
            rows.append((scenario, service, float(values[0]), float(values[-1])))
    return pd.DataFrame(rows, columns=columns)


def overloaded_units(units: pd.DataFrame, timeseries: pd.DataFrame,
                     warmup_days: float) -> list[Overload]:
    """The overloaded units of a run: one entry per (scenario, service), whatever the
    replications."""
    if units.empty or timeseries.empty:
        return []
    busy = (units.groupby(["scenario", "service", "provider", "provider_name"], sort=False)
            .utilisation.mean().reset_index())
    busy = busy[busy.utilisation >= BUSY]
    if busy.empty:
        return []
    growing = _growing(timeseries, warmup_days)
    found = busy.merge(growing, on=["scenario", "service"]).sort_values(
        ["scenario", "service", "utilisation"], ascending=[True, True, False], kind="stable")
    return [Overload(scenario, service,
                     tuple(zip(part.provider, part.provider_name, part.utilisation, strict=True)),
                     float(part.start.iloc[0]), float(part.end.iloc[0]))
            for (scenario, service), part in found.groupby(["scenario", "service"], sort=False)]
