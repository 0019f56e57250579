"""`specsim advise`: a delegation scorecard, a greedy search, and a selection with a guarantee.

1. Scorecard: every single move (one delegable service or service group to one arrangement)
   against the scenario, paired over the same replications (`paired_differences`, as
   `compare` computes it), on every headline KPI and P(overspend); each move gets a score.
2. Search: greedy forward selection seeded from the scorecard (best single first, then each
   next-best move for another line, kept if the combined plan scores higher and stays within
   the constraints), then a pass that drops a move when that scores higher; every plan on the
   same replications (common random numbers). The search may use half of the runs left after
   the scorecard; the rest is kept for the selection.
3. Selection: the scenario as it is and the best plans found go through procedure NM
   (`sim.analysis.selection`) on fresh replications (the finalists were picked on the
   search's, so reusing them would favour plans that were lucky there): a first stage, then
   as many more as the guarantee needs (or the budget allows), and the best mean is chosen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.compare import paired_differences
from sim.analysis.objective import (
    Objective,
    overall,
    replication_scores,
    scales,
    score_interval,
    violations,
)
from sim.analysis.selection import FirstStage, first_stage, guarantee, select_best
from sim.experiment.advise import (
    AdviseRuns,
    BudgetExhausted,
    Line,
    Plan,
    candidate_moves,
)
from sim.model.kpi_catalogue import HEADLINE_KPIS, KPIS

SCORECARD_KPIS: tuple[str, ...] = tuple(dict.fromkeys([*HEADLINE_KPIS, "p_overspend"]))
"""The KPIs of the scorecard: the headline KPIs and the chance of an overspend."""


@dataclass(frozen=True)
class AdviseSpec:
    """What to advise on: the lines and arrangements, replications per plan, the objective."""

    lines: Sequence[Line]
    arrangements: Sequence[str]
    replications: int  # per plan in the scorecard and the search (the selection's stage 1)
    objective: Objective
    finalists: int = 4  # plans in the selection, the scenario as it is among them

    @property
    def moves(self) -> list[tuple[str, str]]:
        return candidate_moves(self.lines, self.arrangements)

    def scorecard_runs(self) -> int:
        """Runs the scorecard needs: the scenario and every single move."""
        return (1 + len(self.moves)) * self.replications


@dataclass(frozen=True)
class Judged:
    """A plan's score against the scenario (mean and paired 95% CI) and broken constraints."""

    plan: Plan
    phase: str  # scorecard, search, selection
    n: int
    score: float
    low: float
    high: float
    broken: tuple[str, ...]

    @property
    def feasible(self) -> bool:
        return not self.broken


@dataclass
class Advice:
    """Everything `advise` found: tables for the report and the selection's numbers."""

    scorecard: pd.DataFrame
    candidates: pd.DataFrame
    chosen: Plan
    finalists: list[Plan]
    stage: FirstStage | None
    selection_replications: int
    final_scores: pd.DataFrame
    statement: str
    runs_used: int
    runs_ran: int
    search_stopped_by_budget: bool


def advise(runs: AdviseRuns, spec: AdviseSpec,
           say: Callable[[str], None] = lambda text: None) -> Advice:
    """Scorecard, search and selection within `runs.budget` (see the module docstring)."""
    reps = range(spec.replications)
    base = Plan()
    singles = [Plan.of([m]) for m in spec.moves]
    if spec.scorecard_runs() > runs.budget:
        raise BudgetExhausted(f"the scorecard alone needs {spec.scorecard_runs()} runs "
                              f"({1 + len(singles)} plans x {spec.replications} replications); "
                              f"the budget is {runs.budget}")
    say(f"scorecard: {len(singles)} moves x {spec.replications} replications")
    runs.ensure([base, *singles], reps)
    base_rows = overall(runs.kpis(base, reps))
    scale = scales(base_rows, spec.objective)
    judged: dict[Plan, Judged] = {}

    def judge(plan: Plan, phase: str, replications: Sequence[int] = reps) -> Judged:
        rows = overall(runs.kpis(plan, replications))
        base_here = overall(runs.kpis(base, replications))
        scores = replication_scores(rows, base_here, spec.objective, scale)
        mean, low, high = score_interval(scores)
        found = Judged(plan, phase, len(scores), mean, low, high,
                       tuple(violations(rows, base_here, spec.objective)))
        judged.setdefault(plan, found)
        return found

    judge(base, "scorecard")
    single_judged = [judge(p, "scorecard") for p in singles]
    scorecard = _scorecard(runs, base, singles, spec, single_judged)

    # -- search --------------------------------------------------------------------------
    limit = runs.used + (runs.budget - runs.used) // 2
    ranked = sorted((j for j in single_judged if j.feasible and j.score > 0),
                    key=lambda j: -j.score)
    current = ranked[0] if ranked else judged[base]
    stopped = False
    say(f"search: from {current.plan.label} (score {current.score:.3g})")
    for move in [j.plan.moves[0] for j in ranked[1:]]:  # add, best single first
        if move[0] in current.plan.lines:
            continue
        step = _try(runs, current, current.plan.plus(move), judged, judge, limit, reps)
        if step is None:
            stopped = True
            break
        current = step
    for line in sorted(current.plan.lines) if len(current.plan.moves) > 1 else []:  # drop
        step = _try(runs, current, current.plan.minus(line), judged, judge, limit, reps)
        if step is None:
            stopped = True
            break
        current = step
    say(f"search: best plan {current.plan.label} (score {current.score:.3g})")
    # -- selection -----------------------------------------------------------------------
    feasible = sorted((j for j in judged.values() if j.feasible and j.plan != base),
                      key=lambda j: -j.score)
    n0 = spec.replications
    k = min(spec.finalists, 1 + len(feasible), max(runs.remaining, 0) // max(n0, 1))
    finalists = [base, *[j.plan for j in feasible[:max(k - 1, 0)]]]
    stage, n_final, final = None, 0, pd.DataFrame()
    if len(finalists) < 2 or n0 < 2:
        chosen = current.plan
        statement = ("No plan beat the scenario within the constraints; nothing to select."
                     if not feasible else "No selection: the budget left cannot pay for the "
                     "first stage of two plans, or fewer than 2 replications per plan; the "
                     "plan shown is the search's best, without a guarantee.")
    else:
        # fresh replications: the finalists were picked on the search's, which would bias them
        chosen, stage, n_final, final = _select(runs, finalists, base, spec, scale, say)
        statement = guarantee(stage, n_final)
        for p in finalists:
            judged[p] = judge(p, "selection", range(n0, n0 + n_final))
    candidates = pd.DataFrame([
        {"plan_id": j.plan.id, "plan": j.plan.label, "moves": len(j.plan.moves),
         "phase": j.phase, "n": j.n, "score_mean": j.score, "score_low": j.low,
         "score_high": j.high, "feasible": j.feasible, "violations": "; ".join(j.broken),
         "finalist": j.plan in finalists, "chosen": j.plan == chosen}
        for j in judged.values()])
    return Advice(scorecard, candidates, chosen, finalists, stage, n_final, final, statement,
                  runs.used, runs.ran, stopped)


def _select(runs: AdviseRuns, finalists: Sequence[Plan], base: Plan, spec: AdviseSpec,
            scale: dict[str, float], say: Callable[[str], None]
            ) -> tuple[Plan, FirstStage, int, pd.DataFrame]:
    """Procedure NM on replications n0 .. n0 + N - 1 (after the search's 0 .. n0 - 1): stage 1
    on n0 of them, stage 2 up to N, or as many as the budget pays for."""
    n0 = spec.replications
    runs.ensure(finalists, range(n0, 2 * n0))
    x1 = _score_matrix(runs, finalists, base, range(n0, 2 * n0), spec.objective, scale)
    stage = first_stage(x1, spec.objective.alpha, spec.objective.delta)
    n_final = min(stage.n, n0 + max(runs.remaining, 0) // len(finalists))
    say(f"selection: {len(finalists)} plans, {n_final} replications each (NM needs {stage.n})")
    reps = range(n0, n0 + n_final)
    runs.ensure(finalists, reps)
    x = _score_matrix(runs, finalists, base, reps, spec.objective, scale)
    chosen = finalists[select_best(x)]
    final = pd.DataFrame([
        {"plan_id": p.id, "plan": p.label, "n": n_final, "score_mean": float(x[i].mean()),
         "score_sd": float(x[i].std(ddof=1)), "chosen": p == chosen}
        for i, p in enumerate(finalists)])
    return chosen, stage, n_final, final


def _try(runs: AdviseRuns, current: Judged, plan: Plan, judged: dict[Plan, Judged],
         judge: Callable[[Plan, str], Judged], limit: int, reps: range) -> Judged | None:
    """The better of `current` and `plan` (run if new); None when the search budget is out."""
    if plan not in judged:
        if runs.used + runs.cost([plan], reps) > limit:
            return None
        runs.ensure([plan], reps)
    found = judged[plan] if plan in judged else judge(plan, "search")
    return found if found.feasible and found.score > current.score else current


def _score_matrix(runs: AdviseRuns, plans: Sequence[Plan], base: Plan, reps: range,
                  objective: Objective, scale: dict[str, float]) -> np.ndarray:
    """Scores, plans x replications, each replication against the scenario's same one."""
    base_rows = overall(runs.kpis(base, reps))
    return np.vstack([
        replication_scores(overall(runs.kpis(p, reps)), base_rows, objective, scale)
        .reindex(list(reps)).to_numpy(dtype=float) for p in plans])


def _scorecard(runs: AdviseRuns, base: Plan, singles: Sequence[Plan], spec: AdviseSpec,
               judged: Sequence[Judged]) -> pd.DataFrame:
    """One row per (move, KPI): the paired difference against the scenario, as `compare`."""
    reps = range(spec.replications)
    lines = {line.id: line for line in spec.lines}
    base_kpis = overall(runs.kpis(base, reps))
    frames = []
    for plan, j in zip(singles, judged, strict=True):
        rows = overall(runs.kpis(plan, reps))
        diff = paired_differences(pd.concat([base_kpis, rows], ignore_index=True), base.id)
        diff = diff[diff.kpi.isin(SCORECARD_KPIS)].copy()
        sid, arrangement = plan.moves[0]
        line = lines[sid]
        diff.insert(0, "line", sid)
        diff.insert(1, "line_name", line.name)
        diff.insert(2, "line_kind", line.kind)
        diff.insert(3, "from_arrangement", line.arrangement)
        diff.insert(4, "arrangement", arrangement)
        diff["plan_id"] = plan.id
        diff["verdict"] = [_verdict(k, m, s) for k, m, s in
                           zip(diff.kpi, diff.diff_mean, diff.significant, strict=True)]
        diff["plan_score"] = j.score
        diff["plan_feasible"] = j.feasible
        frames.append(diff.drop(columns=["scenario", "scope", "key"]))
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if len(table):
        order = {k: n for n, k in enumerate(SCORECARD_KPIS)}
        table = table.sort_values(["line", "arrangement", "kpi"], key=lambda c: c.map(order)
                                  if c.name == "kpi" else c, kind="stable", ignore_index=True)
    return table


def _verdict(kpi: str, diff: float, significant: bool) -> str:
    """better / worse (CI excludes zero, by the KPI's direction), no clear change, or
    changed (a KPI with no better direction)."""
    if not significant or np.isnan(diff):
        return "no clear change"
    direction = KPIS[kpi].direction
    if direction == "neutral":
        return "changed"
    return "better" if (diff > 0) == (direction == "higher_is_better") else "worse"
