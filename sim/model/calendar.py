"""Calendar months of a run: day 0 is `run.start_date`; results carry real dates, because
who commissions what can change at a date and the NHS publishes waiting lists at month ends."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd


def month_ends(start: datetime.date, horizon: float) -> tuple[np.ndarray, list[datetime.date]]:
    """Day offsets (from `start`) and dates of every calendar month end in (0, horizon]."""
    last = start + datetime.timedelta(days=int(np.floor(horizon)))
    dates = [d.date() for d in pd.date_range(start, last, freq="ME") if d.date() > start]
    days = np.array([(d - start).days for d in dates], dtype=float)
    return days, dates


def periods(start: datetime.date, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """[begin, end) day offsets of the calendar months a run covers, the first and last ones
    cut at day 0 and at the horizon."""
    ends, _ = month_ends(start, horizon)
    ends = ends[ends < horizon]
    begins = np.concatenate([[0.0], ends])
    return begins, np.concatenate([ends, [horizon]])
