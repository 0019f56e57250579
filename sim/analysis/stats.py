"""Means and t-based 95% confidence intervals across replications."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, lower, upper) of a t-based confidence interval; NaNs are ignored."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(x.mean())
    if len(x) < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return mean, mean - half, mean + half


def summarise(kpis: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Per (scenario, scope, key, kpi): n, mean, sd and CI bounds across replications."""
    rows = []
    for (scenario, scope, key, kpi), group in kpis.groupby(
        ["scenario", "scope", "key", "kpi"], sort=False
    ):
        values = group["value"].to_numpy(dtype=float)
        mean, low, high = t_interval(values, level)
        valid = values[~np.isnan(values)]
        rows.append((scenario, scope, key, kpi, len(valid), mean,
                     float(valid.std(ddof=1)) if len(valid) > 1 else float("nan"), low, high))
    return pd.DataFrame(rows, columns=["scenario", "scope", "key", "kpi", "n", "mean", "sd",
                                       "ci_low", "ci_high"])
