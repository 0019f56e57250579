"""Waiting lists as the NHS publishes them: incomplete pathways at a month end.

A patient's clock runs from referral until it stops: at the start of specialised treatment,
or at a decision that ends the pathway (managed locally, or refused by the commissioner). At a
month end the waiting list is every patient whose clock is running; their waits so far give
the median, the 92nd percentile, the share within the service's standard (RTT 18 weeks,
cancer 62 days, emergency: time to a bed) and the number over 52 weeks. Computed from the
patient columns after the run: no per-patient history is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model import kpi_catalogue
from sim.model.calendar import month_ends
from sim.model.records import MANAGED_LOCALLY, TREATED, UNMET, RunResult
from sim.model.transition import commissioning_rows

OVER_52_WEEKS_DAYS = 364.0
# waiting_list_end, incomplete median and p92, within standard, over 52 weeks (that order)
INCOMPLETE_KPIS = kpi_catalogue.ids("waiting")


def clock_stops(res: RunResult) -> np.ndarray:
    """When each patient's clock stopped (inf: still running at the horizon)."""
    r = res.records
    stop = np.full(len(r.status), np.inf)
    treated = r.status == TREATED
    stop[treated] = r.start[treated]
    ended = (r.status == MANAGED_LOCALLY) | (r.status == UNMET)
    stop[ended] = r.decision[ended]
    return stop


class WaitingList:
    """Month-end snapshots of one replication's incomplete pathways.

    Elective patients wait from referral (RTT). Emergency admissions are not RTT pathways: they
    are on the list only of an emergency service (every referral on the emergency pathway:
    major trauma, PICU), waiting from the decision to admit to a bed (time to a bed)."""

    def __init__(self, res: RunResult):
        net = res.network
        p = res.patients
        self.res = res
        emergency_service = np.array([sn.spec.emergency_share >= 1.0 for sn in net.services])
        on_list = ~p.emergency | emergency_service[p.service]
        clock = np.where(p.emergency, res.records.decision, p.referral)
        # not on the list: a clock that never starts
        self.clock_start = np.where(on_list & ~np.isnan(clock), clock, np.inf)
        self.stop = clock_stops(res)
        self.service = p.service
        self.ics = p.ics
        self.standard = np.array([sn.spec.wait_standard_days for sn in net.services])[p.service]
        by_service = np.array([sn.commissioner for sn in net.services])  # (services, ICSs)
        # who accepted the patient (a dated plan may have changed it since day 0); before the
        # access decision, the commissioner at day 0
        assigned = res.records.commissioner
        self.commissioner = np.where(assigned >= 0, assigned, by_service[p.service, p.ics])

    def snapshot(self, day: float) -> Snapshot:
        """Everyone waiting at `day`, with their wait so far."""
        waiting = (self.clock_start <= day) & (self.stop > day)
        age = day - self.clock_start[waiting]
        return Snapshot(
            codes={"service": self.service[waiting], "ics": self.ics[waiting],
                   "commissioner": self.commissioner[waiting]},
            age=age, within=age <= self.standard[waiting], over52=age > OVER_52_WEEKS_DAYS)

    def kpis(self, day: float) -> list[tuple[str, str, str, float]]:
        """(scope, key, kpi, value) rows of the snapshot at `day`, for every scope.

        Each scope's groups are cut from one stable sort of the snapshot by key (numpy, not a
        pandas group-by: the monthly snapshots of a long run were most of its KPI time); each
        group holds its patients in the snapshot's order, as a group-by gives them."""
        net = self.res.network
        snap = self.snapshot(day)
        rows = _rows("overall", {"all": snap.everyone()})
        names = {
            "service": [sn.id for sn in net.services],
            "ics": [ics.code for ics in net.icss],
            "commissioner": [c.key for c in net.commissioners],
        }
        for scope, keys in names.items():
            codes = snap.codes[scope]
            order = np.argsort(codes, kind="stable")
            ends = np.cumsum(np.bincount(codes, minlength=len(keys)))
            starts = ends - np.bincount(codes, minlength=len(keys))
            present = ({k for k, c in enumerate(net.commissioners) if c.services}
                       if scope == "commissioner" else range(len(keys)))
            rows += _rows(scope, {keys[k]: snap.take(order[starts[k]:ends[k]])
                                  for k in present})
        return rows

    def monthly(self) -> pd.DataFrame:
        """The snapshot at every calendar month end from the end of the warm-up to the
        horizon: month (1, 2, ... after day 0), date, scope, key, kpi, value."""
        res = self.res
        net = res.network
        lines = net.lines()
        days, dates = month_ends(res.scenario.run.start_date, res.horizon)
        parts = []
        for month, (day, date) in enumerate(zip(days, dates, strict=True), start=1):
            if day < res.warmup:
                continue
            found = self.kpis(float(day))
            if net.plan.dated:  # who commissions what, month by month
                found += commissioning_rows(lines, net.commissioners, float(day))
            rows = pd.DataFrame(found, columns=["scope", "key", "kpi", "value"])
            rows.insert(0, "date", date.isoformat())
            rows.insert(0, "month", month)
            parts.append(rows)
        columns = ["month", "date", "scope", "key", "kpi", "value"]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


@dataclass(frozen=True)
class Snapshot:
    """The incomplete pathways at one day: each patient's keys (service, ICS, commissioner),
    wait so far, within the standard, over 52 weeks."""

    codes: dict[str, np.ndarray]
    age: np.ndarray
    within: np.ndarray
    over52: np.ndarray

    def everyone(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.age, self.within, self.over52

    def take(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.age[index], self.within[index], self.over52[index]


def _rows(scope: str, groups: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
          ) -> list[tuple[str, str, str, float]]:
    out = []
    for key, (age, within, over52) in groups.items():
        n = len(age)
        values = (n, float(np.median(age)) if n else float("nan"),
                  float(np.quantile(age, 0.92)) if n else float("nan"),
                  100.0 * (np.count_nonzero(within) / n) if n else float("nan"),
                  np.count_nonzero(over52))
        out += [(scope, key, kpi, float(v)) for kpi, v in zip(INCOMPLETE_KPIS, values,
                                                               strict=True)]
    return out
