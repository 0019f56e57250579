"""`specsim compare` (run scenarios, then report) and `specsim report` (redraw from stored results).

`compare` runs through `commands.run_scenarios`, like `specsim run`. Both commands end in
`build_report`, which reads only the files in the results folder, so a report made after a run
and one regenerated later from the same folder are the same tables and figures.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from sim.config import load_scenario
from sim.presentation import arguments
from sim.presentation.arguments import EXIT_USAGE, run_settings
from sim.presentation.commands import RUN_FILES, open_executor, print_run, run_scenarios
from sim.presentation.report import ResultsError, build_report, build_sweep_report


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `compare` and `report` to the specsim command line."""
    compare = subparsers.add_parser(
        "compare", help="run scenarios and write a comparison table, figures and report.html")
    compare.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                         help="scenario YAML files (or 'england'); omit with --from")
    compare.add_argument("--baseline", help="scenario name to compare against (default: first)")
    compare.add_argument("--replications", type=arguments.positive_int,
                         help="default: the scenario's run.replications")
    compare.add_argument("--seed", type=arguments.seed, help="master seed")
    compare.add_argument("--years", type=arguments.positive_float,
                         help="simulated years after warm-up")
    compare.add_argument("--warmup-days", type=arguments.non_negative_float, help="warm-up, days")
    arguments.add_executor_options(compare)
    compare.add_argument("--out", type=Path, help="output folder (default outputs/compare-<time>)")
    compare.add_argument("--from", dest="source", type=Path, metavar="DIR",
                         help="report on a finished 'specsim run' folder instead of running")
    compare.set_defaults(func=compare_command)

    report = subparsers.add_parser(
        "report", help="regenerate tables, figures and report.html from a results folder")
    report.add_argument("folder", type=Path, metavar="DIR",
                        help="a run/compare folder (kpis, waits, run.json) or a sweep folder")
    report.add_argument("--baseline", help="scenario name to compare against")
    report.set_defaults(func=report_command)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def compare_command(args: argparse.Namespace) -> int:
    """Run the scenarios into `--out` (or take a finished run `--from`), then report."""
    if args.source is not None:
        if args.scenarios:
            return _fail("give either SCENARIO files or --from DIR, not both")
        if not args.source.is_dir():
            return _fail(f"--from {args.source}: not a folder")
        out = args.out or args.source
        if out.resolve() != args.source.resolve():
            out.mkdir(parents=True, exist_ok=True)
            for name in RUN_FILES:
                if (args.source / name).is_file():
                    shutil.copy2(args.source / name, out / name)
        return _report(out, args.baseline)
    if not args.scenarios:
        return _fail("compare needs at least one SCENARIO file (or --from DIR)")
    scenarios = [load_scenario(ref) for ref in args.scenarios]
    names = [s.name for s in scenarios]
    if args.baseline is not None and args.baseline not in names:
        return _fail(f"--baseline: {args.baseline!r} is not a scenario name; allowed: "
                     f"{', '.join(names)}")
    out = args.out or Path("outputs") / f"compare-{time.strftime('%Y%m%d-%H%M%S')}"
    with open_executor(args.workers, args.scheduler) as executor:
        finished = run_scenarios(scenarios, run_settings(args, scenarios[0].run), executor, out,
                                 metadata={"baseline": args.baseline or names[0]})
    print_run(finished)
    return _report(out, args.baseline)


def _report(folder: Path, baseline: str | None) -> int:
    try:
        written = build_report(folder, baseline)
    except ResultsError as exc:
        return _fail(str(exc))
    print(f"comparison table: {written['comparison_xlsx']}, {written['comparison_csv']}, "
          f"{written['comparison_md']}")
    print(f"figures: {folder / 'figures'}/ (PNG 200 dpi + SVG); report: {written['report']}")
    return 0


def report_command(args: argparse.Namespace) -> int:
    folder: Path = args.folder
    if not folder.is_dir():
        return _fail(f"report {folder}: not a folder")
    if (folder / "sweep.json").is_file():
        try:
            written = build_sweep_report(folder)
        except ResultsError as exc:
            return _fail(str(exc))
        print(f"sweep figures: {folder / 'figures'}/; report: {written['report']}")
        return 0
    return _report(folder, args.baseline)
