"""`specsim advise`: which services to delegate, and to what footprint (docs/advise.md).

Registered on the main parser by `register(subparsers)`. Everything is checked before the
first run (scenario, footprints, objective file, budget, output folder); the runs go to
`DIR/runs/` as they finish, so `--resume` continues an interrupted advice.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sim.analysis.advice import Advice, AdviseSpec, advise
from sim.analysis.objective import load_objective
from sim.config import load_scenario
from sim.config.checks import check_scenario
from sim.config.limits import MAX_RUNS
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
from sim.presentation.arguments import (
    UsageError,
    add_executor_options,
    int_between,
    out_folder,
    replications,
    run_settings,
    seed,
    warmup_days,
    years,
)
from sim.presentation.boundary import check_run_size, output
from sim.presentation.commands import open_executor
from sim.presentation.progress import progress_bar

FOOTPRINTS = {"ics": "ics", "collaborative": "collaborative", "joint_committee": "collaborative",
              "regional": "regional", "region": "regional", "national": "national"}
"""What --footprints accepts, and the arrangement each names."""
DEFAULT_FOOTPRINTS = "ics,collaborative,regional"


def footprints(text: str) -> list[str]:
    """argparse type for --footprints: comma-separated footprint names, each once."""
    names = [t.strip() for t in text.split(",") if t.strip()]
    bad = [n for n in names if n not in FOOTPRINTS]
    if not names or bad:
        raise argparse.ArgumentTypeError(
            f"must be a comma-separated list of {', '.join(FOOTPRINTS)} (got "
            f"{(bad[0] if bad else text)[:30]!r})")
    return list(dict.fromkeys(FOOTPRINTS[n] for n in names))


def register(sub: argparse._SubParsersAction) -> None:
    """Add `advise` to the main parser's subcommands."""
    p = sub.add_parser("advise", help="delegation scorecard, search and selection with a "
                                      "guarantee (resumable; local pool or Dask)")
    p.add_argument("scenario", metavar="SCENARIO")
    p.add_argument("--footprints", type=footprints, default=footprints(DEFAULT_FOOTPRINTS),
                   help=f"arrangements to try for each service (default {DEFAULT_FOOTPRINTS})")
    p.add_argument("--weights", metavar="FILE", help="objective YAML: weights, constraints, "
                   "delta, alpha (default: weight 1 on each headline KPI)")
    p.add_argument("--groups", action="store_true",
                   help="also try each delegable service group (their budgets and admin)")
    p.add_argument("--replications", type=replications,
                   help="per plan in the scorecard and search (default: the scenario's)")
    p.add_argument("--budget", type=int_between(1, MAX_RUNS), metavar="RUNS",
                   help="runs in total (default: twice the scorecard's)")
    p.add_argument("--finalists", type=int_between(2, 20), default=4,
                   help="plans in the selection, the scenario as it is among them (default 4)")
    p.add_argument("--seed", type=seed, help="master seed (default: the scenario's run.seed)")
    p.add_argument("--years", type=years, help="simulated years after the warm-up")
    p.add_argument("--warmup-days", type=warmup_days, help="warm-up discarded, days")
    add_executor_options(p)
    p.add_argument("--out", type=out_folder, help="output folder (default outputs/advise-<name>)")
    p.add_argument("--resume", action="store_true",
                   help="finish an interrupted advice in --out; runs on disk are kept")
    p.set_defaults(func=_advise)


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


def _advise(args: argparse.Namespace) -> int:
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
            advice = advise(runs, spec, say=bar.console.print)
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
