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
from sim.config import ConfigError, load_scenario
from sim.presentation.arguments import (
    EXIT_USAGE,
    add_executor_options,
    non_negative_float,
    positive_float,
    positive_int,
    run_settings,
    seed,
)
from sim.presentation.cli_calibrate import register as register_calibrate
from sim.presentation.cli_experiments import add_precision_option, precision_goal, register
from sim.presentation.cli_report import register as register_report
from sim.presentation.commands import (
    UsageError,
    open_executor,
    print_run,
    run_scenarios,
    scenario_names,
)


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
    add_executor_options(run)
    run.add_argument("--out", type=Path, help="output folder (default outputs/<scenario>-<time>)")
    add_precision_option(run)
    run.set_defaults(func=run_command)
    register(sub)
    register_report(sub)
    register_calibrate(sub)
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
    printed. `specsim compare` calls the same `run_scenarios`, then adds its report."""
    scenarios = [load_scenario(ref) for ref in args.scenarios]
    names = scenario_names(scenarios)
    settings = run_settings(args, scenarios[0].run)
    out = args.out or Path("outputs") / f"{'_vs_'.join(names)}-{time.strftime('%Y%m%d-%H%M%S')}"
    with open_executor(args.workers, args.scheduler) as executor:
        finished = run_scenarios(scenarios, settings, executor, out, precision_goal(args))
    print_run(finished)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "validate":
            return _validate(args.files)
        return args.func(args)
    except ConfigError as exc:
        for issue in exc.issues:
            print(f"error: {issue}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted: nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
