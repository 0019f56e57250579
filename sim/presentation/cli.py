"""The `specsim` command line: validate and run scenario files.

Bad input exits with code 2 and one line per problem naming the file, the key, the bad value
and what is allowed; nothing a user runs ends in a traceback from deep inside.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sim import __version__
from sim.analysis.stats import summarise
from sim.config import ConfigError, load_scenario
from sim.experiment.runner import default_workers, make_tasks, run_metadata, run_tasks
from sim.experiment.store import write_json, write_table
from sim.presentation.arguments import non_negative_float, positive_float, positive_int, seed
from sim.presentation.cli_experiments import add_precision_option, register, run_with_precision
from sim.presentation.cli_report import register as register_report
from sim.presentation.progress import progress_bar
from sim.presentation.tables import headline_table, print_table

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every other input error
        self.exit(EXIT_USAGE, f"specsim: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="specsim", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"specsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    validate = sub.add_parser("validate", help="check scenario files; exit 2 on any error")
    validate.add_argument("files", nargs="+", metavar="FILE")

    run = sub.add_parser("run", help="run scenarios and write tidy KPI tables")
    run.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                     help="scenario YAML files (or 'england' for the embedded default)")
    run.add_argument("--replications", type=positive_int,
                     help="default: the scenario's run.replications")
    run.add_argument("--seed", type=seed, help="master seed (default: the scenario's run.seed)")
    run.add_argument("--years", type=positive_float, help="simulated years after the warm-up")
    run.add_argument("--warmup-days", type=non_negative_float, help="warm-up discarded, days")
    run.add_argument("--workers", type=positive_int, default=None,
                     help="parallel processes (default: number of cores)")
    run.add_argument("--out", type=Path, help="output folder (default outputs/<scenario>-<time>)")
    add_precision_option(run)
    register(sub)
    register_report(sub)
    return parser


def _validate(files: Sequence[str]) -> int:
    failed = False
    for file in files:
        try:
            load_scenario(file)
        except ConfigError as exc:
            failed = True
            for issue in exc.issues:
                print(f"error: {issue}", file=sys.stderr)
        else:
            print(f"OK {file}")
    return EXIT_USAGE if failed else 0


def run_command(args: argparse.Namespace) -> int:
    """`specsim run`: replications of scenarios, tables written atomically, headline table
    printed. `specsim compare` runs through here too, then adds its report."""
    scenarios = [load_scenario(ref) for ref in args.scenarios]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        print(f"error: scenario names must differ (got {names})", file=sys.stderr)
        return EXIT_USAGE
    first = scenarios[0].run
    replications = args.replications or first.replications
    seed = first.seed if args.seed is None else args.seed
    years = args.years or first.years
    warmup = first.warmup_days if args.warmup_days is None else args.warmup_days
    workers = args.workers or default_workers()
    out = args.out or Path("outputs") / f"{'_vs_'.join(names)}-{time.strftime('%Y%m%d-%H%M%S')}"

    start = time.perf_counter()
    if args.precision:
        output, replications = run_with_precision(args, scenarios, seed, years, warmup, workers)
    else:
        tasks = make_tasks(scenarios, replications, seed, years, warmup)
        bar, update = progress_bar(
            len(tasks), f"{len(scenarios)} scenario(s) x {replications} replications")
        with bar:
            output = run_tasks(tasks, workers=workers, progress=update)
    runs = len(scenarios) * replications
    wall = time.perf_counter() - start

    kpis = output.kpis
    write_table(out, "kpis", kpis)
    write_table(out, "waits", output.waits)
    summary = summarise(kpis)
    write_table(out, "summary", summary)
    write_json(out / "run.json",
               run_metadata(scenarios, replications, seed, years, warmup, wall, workers))
    print_table(headline_table(summary, replications))
    print(f"{runs} runs in {wall:.1f} s; results in {out}/ (kpis.csv, kpis.parquet, "
          f"waits.csv, summary.csv, run.json)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "validate":
            return _validate(args.files)
        if hasattr(args, "func"):
            return args.func(args)
        return run_command(args)
    except ConfigError as exc:
        for issue in exc.issues:
            print(f"error: {issue}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted: nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
