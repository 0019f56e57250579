"""Paired comparisons between scenarios under common random numbers.

Replication r of every scenario sees the same patients, so the difference between two
scenarios is estimated replication by replication: the variance of a paired difference
excludes the noise both scenarios share, which makes its confidence interval much narrower
than the one from two independent samples.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.stats import t_interval
from sim.model.kpi_catalogue import KPIS

KEYS = ["scope", "key", "kpi"]


def _difference_bounds(kpi: str, low: float, high: float) -> tuple[float, float]:
    """A difference of two values within the KPI's bounds [a, b] lies within [a - b, b - a]
    (a proportion's within [-1, 1]); a t-interval of few replications may not."""
    row = KPIS.get(kpi)
    if row is None or np.isnan(low) or not all(np.isfinite(row.bounds)):
        return low, high
    width = row.bounds[1] - row.bounds[0]
    return max(-width, low), min(width, high)


def paired_differences(kpis: pd.DataFrame, baseline: str, level: float = 0.95) -> pd.DataFrame:
    """For every other scenario and KPI: mean difference to `baseline` with its CI.

    Columns: scenario, scope, key, kpi, n, baseline_mean, scenario_mean, diff_mean, diff_low,
    diff_high, rel_diff (diff_mean / baseline_mean), significant (CI excludes zero).
    """
    if baseline not in set(kpis.scenario):
        raise ValueError(f"baseline {baseline!r} is not among the scenarios "
                         f"{sorted(set(kpis.scenario))}")
    base = kpis[kpis.scenario == baseline].set_index([*KEYS, "replication"]).value
    rows = []
    for scenario in dict.fromkeys(kpis.scenario):
        if scenario == baseline:
            continue
        other = kpis[kpis.scenario == scenario].set_index([*KEYS, "replication"]).value
        joined = pd.concat({"base": base, "other": other}, axis=1, join="inner")
        joined["diff"] = joined.other - joined.base
        for (scope, key, kpi), group in joined.groupby(level=[0, 1, 2], sort=False):
            diff = group["diff"].to_numpy(dtype=float)
            mean, low, high = t_interval(diff, level)
            low, high = _difference_bounds(kpi, low, high)
            base_mean = float(np.nanmean(group.base)) if group.base.notna().any() else np.nan
            rows.append({
                "scenario": scenario, "scope": scope, "key": key, "kpi": kpi,
                "n": int(np.sum(~np.isnan(diff))),
                "baseline_mean": base_mean,
                "scenario_mean": float(np.nanmean(group.other)) if group.other.notna().any()
                else np.nan,
                "diff_mean": mean, "diff_low": low, "diff_high": high,
                "rel_diff": mean / base_mean if base_mean not in (0.0,) and not np.isnan(
                    base_mean) else np.nan,
                "significant": bool(low > 0 or high < 0) if not np.isnan(low) else False,
            })
    return pd.DataFrame(rows)
