"""The work of `specsim advise` (registered in `sim.presentation.cli_advise`): imported only
when the command runs, so the command line starts without plotting or statistics."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sim.analysis.advice import Advice, AdviseSpec, advise
from sim.analysis.objective import load_objective
from sim.config import load_scenario
from sim.config.checks import check_scenario
from sim.experiment.advise import (
    AdviseRuns,
    BudgetExhausted,
    candidate_lines,
    check_state,
    fingerprint,
    plan_scenario,
)
from sim.experiment.advise import Plan as DelegationPlan
from sim.experiment.runner import versions
from sim.experiment.store import write_atomic, write_json, write_table
from sim.presentation.advise_report import render_advise, scorecard_figure
from sim.presentation.arguments import UsageError, run_settings
from sim.presentation.boundary import check_run_size, output
from sim.presentation.commands import open_executor
from sim.presentation.progress import messages, progress_bar


def _spec(args: argparse.Namespace):  # noqa: ANN202 - (scenario, settings, spec, budget)
    scenario = load_scenario(args.scenario)
    settings = run_settings(args, scenario.run)
    objective = load_objective(args.weights)
    lines = candidate_lines(scenario, args.groups)
    spec = AdviseSpec(lines, args.footprints, settings.replications, objective, args.finalists)
    if not spec.moves:
        raise UsageError(f"{args.scenario}: no delegable service whose arrangement differs from "
                         f"{', '.join(args.footprints)}; nothing to advise on")
    for move in spec.moves:  # a footprint the scenario cannot take (e.g. no collaboratives)
        check_scenario(plan_scenario(scenario, DelegationPlan.of([move])), {}, args.scenario,
                       settings)
    budget = args.budget or 2 * spec.scorecard_runs()
    if budget < spec.scorecard_runs():
        raise UsageError(f"--budget {budget}: the scorecard alone needs {spec.scorecard_runs()} "
                         f"runs ({len(spec.moves) + 1} plans x {spec.replications} "
                         "replications)")
    check_run_size([scenario], budget, settings.years, settings.warmup_days, "budget")
    return scenario, settings, spec, budget


def advise_command(args: argparse.Namespace) -> int:
    scenario, settings, spec, budget = _spec(args)  # the boundary: nothing written yet
    held = output(args.out or Path("outputs") / f"advise-{scenario.name}", "advise")
    stamp = fingerprint(scenario, {"seed": settings.seed, "years": settings.years,
                                   "warmup_days": settings.warmup_days,
                                   "replications": spec.replications},
                        {"footprints": list(args.footprints), "groups": args.groups,
                         "objective": spec.objective.model_dump(mode="json"),
                         "finalists": spec.finalists, "budget": budget})
    bar, update = progress_bar(budget, f"advise {scenario.name}")
    start = time.perf_counter()
    try:
        with held, open_executor(args.workers, args.scheduler) as executor, bar:
            check_state(held.path, stamp, args.resume)
            held.mark_incomplete()
            runs = AdviseRuns(scenario, settings.seed, settings.years, settings.warmup_days,
                              held.path, executor, budget, update)
            advice = advise(runs, spec, say=messages(bar))
            wall = time.perf_counter() - start
            meta = {"scenario": scenario.name, "fingerprint": stamp, "budget": budget,
                    "seed": settings.seed, "years": settings.years,
                    "warmup_days": settings.warmup_days, "replications": spec.replications,
                    "objective": spec.objective.model_dump(mode="json"),
                    "footprints": list(args.footprints), "wall_seconds": round(wall, 3),
                    "workers": executor.workers, "versions": versions(),
                    **_summary(advice)}
            _write(advice, meta, held.staging)
            held.commit("advise", {"scenario": scenario.name})
    except BudgetExhausted as exc:
        raise UsageError(f"--budget: {exc}") from None
    except KeyboardInterrupt:
        print(f"interrupted: finished runs are kept in {held.path}/runs (the folder is marked "
              "INCOMPLETE); rerun with --resume", file=sys.stderr)
        return 130
    print(f"chosen plan: {advice.chosen.label}\n{advice.statement}\n{advice.runs_used} runs "
          f"({advice.runs_ran} run now) in {wall:.1f} s; scorecard, figure and report in "
          f"{held.path}/ (scorecard.csv, scorecard.png, advise.html)")
    return 0


def _summary(advice: Advice) -> dict:
    stage = advice.stage
    return {"chosen": {"plan_id": advice.chosen.id, "plan": advice.chosen.label,
                       "moves": [list(m) for m in advice.chosen.moves]},
            "guarantee": advice.statement, "runs_used": advice.runs_used,
            "runs_ran": advice.runs_ran, "search_stopped_by_budget":
            advice.search_stopped_by_budget,
            "finalists": [p.label for p in advice.finalists],
            "selection": None if stage is None else {
                "procedure": "Nelson-Matejcik (1995) NM, common random numbers",
                "k": stage.k, "n0": stage.n0, "alpha": stage.alpha, "delta": stage.delta,
                "s2": stage.s2, "g": stage.g, "n_needed": stage.n,
                "n_run": advice.selection_replications,
                "delta_guaranteed": stage.delta if advice.selection_replications >= stage.n
                else stage.delta_for(advice.selection_replications)}}


def _write(advice: Advice, meta: dict, staging: Path) -> None:
    write_table(staging, "scorecard", advice.scorecard)
    write_table(staging, "candidates", advice.candidates)
    if len(advice.final_scores):
        write_table(staging, "selection", advice.final_scores)
    note = (f"specsim advise on {meta['scenario']}: {meta['replications']} replications per "
            f"move, seed {meta['seed']}.")
    paths = scorecard_figure(advice.scorecard, staging, note)
    png = next(p for p in paths if p.suffix == ".png")
    write_atomic(staging / "advise.html", render_advise(advice, meta, png).encode())
    write_json(staging / "advise.json", meta)
