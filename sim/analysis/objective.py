"""A planner's objective for `specsim advise`: KPI weights, constraints, and one score per run.

A plan is scored on every replication against the scenario it changes (the same replication,
so common random numbers cancel the noise both share): each weighted KPI contributes its
improvement, signed by the catalogue's direction (better is positive), in percent of the
scenario's mean for that KPI, or in percentage points for a KPI that is already a share (unit
`%` or a probability). A score of +1 therefore reads "as good as a 1% (or 1-point) improvement
on one KPI of weight 1". Constraints bound a KPI's change (e.g. the below-minimum-volume share
may not rise by more than 2 points) and make a plan infeasible, whatever its score.

The objective file (YAML, read within the limits of `sim.config.reading`)::

    weights: {wait_p92_days: 2, pct_treated_below_min_volume: 1, cost_total_gbp: 1}
    constraints:
      - {kpi: pct_treated_below_min_volume, max_increase: 2}
    delta: 1.0     # indifference zone of the selection, in score units
    alpha: 0.05    # 1 - probability of correct selection
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.analysis.stats import t_interval
from sim.config.errors import ConfigError, ConfigIssue, issues_from, suggest
from sim.config.reading import read_yaml
from sim.model.kpi_catalogue import HEADLINE_KPIS, KPIS

SHARE_UNITS = {"%": 1.0, "probability": 100.0, "share": 100.0}
"""KPIs already in shares are scored in percentage points (stored value x factor)."""
SIGN = {"higher_is_better": 1.0, "higher_is_worse": -1.0}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Constraint(_Strict):
    """A bound on a KPI's change (plan minus scenario, the KPI's stored unit: points for a %)."""

    kpi: str
    max_increase: float | None = None
    max_decrease: Annotated[float, Field(ge=0.0)] | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Constraint:
        if self.max_increase is None and self.max_decrease is None:
            raise ValueError("give max_increase or max_decrease (or both)")
        return self


class Objective(_Strict):
    """Weights (KPI id -> weight >= 0), constraints, and the selection's delta and alpha."""

    weights: dict[str, Annotated[float, Field(ge=0.0, le=1e6)]] = Field(default_factory=dict)
    constraints: list[Constraint] = Field(default_factory=list, max_length=50)
    delta: Annotated[float, Field(gt=0.0, le=1e6)] = 1.0
    alpha: Annotated[float, Field(gt=0.0, le=0.5)] = 0.05

    @classmethod
    def default(cls) -> Objective:
        """Weight 1 on every headline KPI that has a better direction."""
        return cls(weights={k: 1.0 for k in HEADLINE_KPIS if KPIS[k].direction in SIGN})

    @property
    def kpis(self) -> list[str]:
        """Every KPI the objective reads (weights, then constraints)."""
        return list(dict.fromkeys([*self.weights, *(c.kpi for c in self.constraints)]))


def load_objective(path: str | Path | None) -> Objective:
    """The objective in `path` (None: `Objective.default()`), checked: a bad key or value is a
    ConfigError naming the file, the key, the value and what is allowed."""
    if path is None:
        return Objective.default()
    label = str(path)
    data = read_yaml(Path(path), label)
    try:
        objective = Objective.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(issues_from(exc, {}, label, Objective)) from None
    issues = []
    for kpi in objective.weights:
        where = f"weights.{kpi}"
        if kpi not in KPIS:
            issues.append(ConfigIssue(label, where, f"unknown KPI {kpi!r}{suggest(kpi, KPIS)}; "
                                                    f"allowed: the ids of the KPI glossary"))
        elif KPIS[kpi].direction not in SIGN:
            issues.append(ConfigIssue(label, where, f"KPI {kpi!r} has no better direction "
                                      "(neutral), so it cannot be weighted; bound it with a "
                                      "constraint instead"))
    if objective.weights and not any(objective.weights.values()):
        issues.append(ConfigIssue(label, "weights", "at least one weight must be above 0"))
    for n, constraint in enumerate(objective.constraints):
        if constraint.kpi not in KPIS:
            issues.append(ConfigIssue(label, f"constraints.{n}.kpi", f"unknown KPI "
                                      f"{constraint.kpi!r}{suggest(constraint.kpi, KPIS)}"))
    if not objective.weights and not issues:
        objective = objective.model_copy(update={"weights": Objective.default().weights})
    if issues:
        raise ConfigError(issues)
    return objective


def unit_divisor(kpi: str, scenario_mean: float) -> float:
    """The divisor that turns a KPI's change into score units: |scenario mean| / 100 (percent
    of the scenario), or 1 / factor for shares (percentage points); 1 if the mean is 0."""
    unit = KPIS[kpi].unit
    if unit in SHARE_UNITS:
        return 1.0 / SHARE_UNITS[unit]
    mean = abs(float(scenario_mean))
    return mean / 100.0 if np.isfinite(mean) and mean > 0 else 1.0


def improvement(kpi: str, change: float, scenario_mean: float) -> float:
    """A change in score units, better positive; NaN for a KPI with no better direction."""
    sign = SIGN.get(KPIS[kpi].direction)
    if sign is None:
        return float("nan")
    return sign * change / unit_divisor(kpi, scenario_mean)


def scales(baseline: pd.DataFrame, objective: Objective) -> dict[str, float]:
    """`unit_divisor` of every weighted KPI. `baseline`: overall KPI rows of the scenario's
    first replications, fixed once so that scores never change meaning during an advice."""
    means = baseline.groupby("kpi").value.mean()
    return {kpi: unit_divisor(kpi, means.get(kpi, np.nan)) for kpi in objective.weights}


def overall(kpis: pd.DataFrame) -> pd.DataFrame:
    """The England-wide rows (scope overall) of a tidy KPI table."""
    return kpis[kpis.scope == "overall"]


def replication_scores(plan: pd.DataFrame, baseline: pd.DataFrame, objective: Objective,
                       scale: dict[str, float]) -> pd.Series:
    """The score of a plan on each replication both have run (index: replication).
    `plan`, `baseline`: overall KPI rows (replication, kpi, value)."""
    wide_plan = plan.pivot_table(index="replication", columns="kpi", values="value")
    wide_base = baseline.pivot_table(index="replication", columns="kpi", values="value")
    reps = wide_plan.index.intersection(wide_base.index)
    total = pd.Series(0.0, index=reps)
    for kpi, weight in objective.weights.items():
        if weight == 0 or kpi not in wide_plan or kpi not in wide_base:
            continue
        change = (wide_plan.loc[reps, kpi] - wide_base.loc[reps, kpi]).fillna(0.0)
        total += weight * SIGN[KPIS[kpi].direction] * change / scale[kpi]
    return total.rename("score")


def violations(plan: pd.DataFrame, baseline: pd.DataFrame, objective: Objective) -> list[str]:
    """The constraints a plan breaks, on the mean paired change (one line each; [] feasible)."""
    broken = []
    for c in objective.constraints:
        a = plan[plan.kpi == c.kpi].set_index("replication").value
        b = baseline[baseline.kpi == c.kpi].set_index("replication").value
        change = (a - b).dropna()
        if change.empty:
            continue
        mean = float(change.mean())
        if c.max_increase is not None and mean > c.max_increase:
            broken.append(f"{c.kpi} rises by {mean:.3g} (at most {c.max_increase:g})")
        if c.max_decrease is not None and -mean > c.max_decrease:
            broken.append(f"{c.kpi} falls by {-mean:.3g} (at most {c.max_decrease:g})")
    return broken


def score_interval(scores: pd.Series, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): the paired t-interval of a plan's score against the scenario."""
    return t_interval(scores.to_numpy(dtype=float), level)
