"""Money as risk, summarised: per scenario and commissioner level, the share of
commissioner-years overspent (Wilson interval), overspend and its 95th percentile (value at
risk), and the CV of spend/allocation; per commissioner, the CV against the population it
covers (the pooling effect); per scenario, the share of provider-years below cost.

Proportions pool every commissioner-year (or provider-year) of every replication, so n is the
number of such years; the interval treats them as independent, which is honest for the 42 ICSs
of one replication (no shared random cost) and approximate where shocks are shared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.stats import wilson_interval

LEVEL_ORDER = ("national", "regional", "collaborative", "ics")


def cv(values: np.ndarray) -> float:
    """Coefficient of variation (sd / mean), NaN with fewer than two values."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) < 2 or x.mean() == 0:
        return float("nan")
    return float(x.std(ddof=1) / abs(x.mean()))


def finance_summary(finance: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """One row per (scenario, commissioner level)."""
    rows = []
    for (scenario, lvl), f in finance.groupby(["scenario", "level"], sort=False):
        n, k = len(f), int(f.overspent.sum())
        low, high = wilson_interval(k, n, level)
        overspend = f.overspend_gbp.to_numpy(dtype=float)
        rows.append({
            "scenario": scenario, "level": lvl, "commissioners": f.commissioner.nunique(),
            "commissioner_years": n, "p_overspend": k / n if n else float("nan"),
            "p_overspend_low": low, "p_overspend_high": high,
            "spend_gbp": float(f.spend_gbp.mean()),
            "allocation_gbp": float(f.allocation_gbp.mean()),
            "overspend_gbp": float(overspend.mean()),
            "overspend_pct": (100.0 * float(f.overspend_gbp.sum() / f.allocation_gbp.sum())
                              if f.allocation_gbp.sum() > 0 else float("nan")),
            "var95_overspend_gbp": float(np.quantile(overspend, 0.95)),
            "cv_spend_over_allocation": cv(f.spend_over_allocation.to_numpy()),
        })
    out = pd.DataFrame(rows)
    if len(out):
        out["_order"] = out.level.map({lv: i for i, lv in enumerate(LEVEL_ORDER)})
        out = out.sort_values(["scenario", "_order"], kind="stable").drop(columns="_order")
    return out.reset_index(drop=True)


def pooling_table(finance: pd.DataFrame) -> pd.DataFrame:
    """Per (scenario, commissioner): level, population and the CV of spend/allocation over its
    years and replications: the pooling effect is this CV falling with population."""
    rows = [{"scenario": s, "commissioner": c, "level": f.level.iloc[0],
             "population": int(f.population.iloc[0]),
             "cv_spend_over_allocation": cv(f.spend_over_allocation.to_numpy()),
             "p_overspend": float(f.overspent.mean())}
            for (s, c), f in finance.groupby(["scenario", "commissioner"], sort=False)]
    return pd.DataFrame(rows)


def provider_summary(providers: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Per scenario: provider-years with activity, the share below cost (Wilson) and the
    median margin as a share of income."""
    rows = []
    for scenario, f in providers.groupby("scenario", sort=False):
        f = f[f.episodes > 0]
        n, k = len(f), int(f.below_cost.sum())
        low, high = wilson_interval(k, n, level)
        income = f.income_gbp.to_numpy(dtype=float)
        margin = np.divide(f.margin_gbp.to_numpy(dtype=float), income,
                           out=np.full(len(f), np.nan), where=income > 0)
        rows.append({"scenario": scenario, "provider_years": n,
                     "share_below_cost": k / n if n else float("nan"),
                     "share_below_cost_low": low, "share_below_cost_high": high,
                     "median_margin_pct": 100.0 * float(np.nanmedian(margin)) if n else
                     float("nan")})
    return pd.DataFrame(rows)
