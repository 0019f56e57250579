"""`specsim sweep` and `specsim warmup`, and the `--precision` options of `specsim run`.

Registered on the main parser by `register(subparsers)`; each subcommand sets `func`, so
`cli.main` dispatches without knowing them. Commands import what they run when they run
(start-up of `specsim --help` loads no pandas, scipy or matplotlib).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sim.presentation.arguments import (
    add_executor_options,
    float_between,
    int_between,
    out_folder,
    replications,
    seed,
    years,
)

if TYPE_CHECKING:
    from sim.presentation.commands import PrecisionGoal

MAX_WINDOW_WEEKS = 520


def precision(text: str) -> float:
    """argparse type for --precision: a relative half-width strictly between 0 and 1."""
    try:
        value = float_between(0.0, 1.0, low_open=True)(text)
    except argparse.ArgumentTypeError:
        value = 1.0
    if value >= 1:
        raise argparse.ArgumentTypeError(f"must be a fraction below 1, e.g. 0.05 "
                                         f"(got {text[:30]!r})")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    """Add `sweep` and `warmup` to the main parser's subcommands."""
    sweep = sub.add_parser("sweep", help="run a parameter sweep (resumable; local pool or Dask)")
    sweep.add_argument("file", metavar="SWEEP.yaml")
    add_executor_options(sweep)
    sweep.add_argument("--out", type=out_folder,
                       help="output folder (default outputs/sweep-<name>)")
    sweep.add_argument("--resume", action="store_true",
                       help="finish an interrupted sweep in --out; runs on disk are kept")
    sweep.set_defaults(func=_sweep)

    warm = sub.add_parser("warmup", help="Welch plot and MSER-5 warm-up suggestion")
    warm.add_argument("scenario", metavar="SCENARIO")
    warm.add_argument("--replications", type=replications, default=5)
    warm.add_argument("--years", type=years,
                      help="simulated years from t=0 (default: warm-up + run years)")
    warm.add_argument("--seed", type=seed, help="master seed (default: the scenario's)")
    warm.add_argument("--window", type=int_between(1, MAX_WINDOW_WEEKS), default=5,
                      help="Welch moving-average half-window, weeks")
    add_executor_options(warm)
    warm.add_argument("--out", type=out_folder,
                      help="output folder (default outputs/warmup-<name>)")
    warm.set_defaults(func=_warmup)


def add_precision_option(run: argparse.ArgumentParser) -> None:
    run.add_argument("--precision", type=precision, metavar="P",
                     help="add replications until each headline KPI's 95%% CI half-width is "
                          "within P of its mean (e.g. 0.05)")
    run.add_argument("--max-replications", type=replications, default=50,
                     help="cap for --precision (default 50)")


def precision_goal(args: argparse.Namespace) -> PrecisionGoal | None:
    """The `--precision` goal, starting from `--replications` (default 5), if one was asked."""
    if args.precision is None:
        return None
    from sim.presentation.commands import PrecisionGoal

    return PrecisionGoal(args.precision, start=args.replications or 5,
                         cap=args.max_replications)


def _sweep(args: argparse.Namespace) -> int:
    from sim.config.sweep import load_sweep
    from sim.experiment.sweep import run_sweep
    from sim.presentation.boundary import output
    from sim.presentation.commands import open_executor
    from sim.presentation.progress import progress_bar

    sweep = load_sweep(args.file)  # the boundary: read, validate, size; ConfigError -> exit 2
    held = output(args.out or Path("outputs") / f"sweep-{sweep.spec.name}", "sweep")
    out = held.path
    total = len(sweep.points) * len(sweep.scenarios) * sweep.spec.replications
    bar, update = progress_bar(total, f"sweep {sweep.spec.name}")
    try:
        with held, open_executor(args.workers, args.scheduler) as executor, bar:
            report = run_sweep(sweep, held, executor, resume=args.resume, progress=update)
    except KeyboardInterrupt:
        print(f"interrupted: finished runs are kept in {out}/runs (the folder is marked "
              "INCOMPLETE); rerun with --resume", file=sys.stderr)
        return 130
    print(f"{report.total} runs: {report.skipped} already done, {report.ran} run now in "
          f"{report.wall_seconds:.1f} s, {len(report.failed)} failed; table in {out}/sweep.parquet"
          f" and sweep.csv")
    if report.failed:
        print(f"failed runs: errors in {out}/runs/*.error.json, e.g. {report.failed[0].name}",
              file=sys.stderr)
        return 1
    return 0


def _warmup(args: argparse.Namespace) -> int:
    from sim.analysis.warmup import default_years, warmup_analysis
    from sim.config import load_scenario
    from sim.experiment.store import write_json, write_table
    from sim.presentation.boundary import check_run_size, output
    from sim.presentation.commands import open_executor
    from sim.presentation.warmup_plot import welch_plot

    scenario = load_scenario(args.scenario)
    settings = scenario.run.with_overrides(seed=args.seed)
    run_years = args.years or default_years(settings)
    check_run_size([scenario], args.replications, run_years, 0.0)
    held = output(args.out or Path("outputs") / f"warmup-{scenario.name}", "warmup")
    with held, open_executor(args.workers, args.scheduler) as executor:
        analysis = warmup_analysis(scenario, args.replications, settings.seed, run_years,
                                   executor, args.window)
        staging = held.staging
        write_table(staging, "warmup_series", analysis.series)
        welch_plot(analysis, staging / "warmup.png",
                   f"{scenario.name}: {args.replications} replications from t=0")
        write_json(staging / "warmup.json", {
            "scenario": scenario.name, "replications": args.replications, "years": run_years,
            "seed": settings.seed, "window_weeks": args.window,
            "method": "MSER-5 on weekly series", "suggested_weeks": analysis.suggested_weeks,
            "suggested_warmup_days": analysis.suggested_days,
            "configured_warmup_days": scenario.run.warmup_days,
        })
        held.commit("warmup")
    out = held.path
    print(f"suggested warm-up: {analysis.suggested_days:g} days (MSER-5 weeks per series: "
          f"{analysis.suggested_weeks}); scenario has {scenario.run.warmup_days:g}. "
          f"Figure and numbers in {out}/ (warmup.png, warmup.json, warmup_series.csv)")
    print(warmup_advice(analysis.suggested_days, scenario.run.warmup_days, args.scenario))
    return 0


def warmup_advice(suggested: float, configured: float, scenario: str) -> str:
    """What to do with the suggestion, naming the option and the scenario key to set."""
    if suggested <= configured:
        return (f"the scenario's warm-up ({configured:g} days, run.warmup_days) is at least the "
                "suggestion: nothing to change")
    days = math.ceil(suggested)
    where = (f"in {scenario}" if Path(scenario).suffix.lower() in (".yaml", ".yml", ".xlsx")
             else f"in your own scenario (specsim init NAME --from {scenario})")
    return (f"to use it: add --warmup-days {days} to specsim run/compare, or set "
            f"run.warmup_days: {days} {where} (YAML: run: {{warmup_days: {days}}}; workbook: "
            f"sheet 'scenario', key run.warmup_days)")
