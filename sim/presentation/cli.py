"""The `specsim` command line: validate and run scenario files.

Bad input exits with code 2 and one line per problem naming the file, the key, the bad value
and what is allowed; nothing a user runs ends in a traceback from deep inside.

Start-up: this module and the `register` functions it calls import only argparse-level code
and `sim.config`, so `specsim --help` and `specsim validate` never load pandas, scipy or
matplotlib; each command imports what it runs when it runs (tests/test_startup.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from sim import __version__
from sim.config import ConfigError, load_scenario
from sim.presentation.arguments import (
    EXIT_USAGE,
    UsageError,
    add_executor_options,
    out_folder,
    replications,
    seed,
    warmup_days,
    years,
)
from sim.presentation.cli_advise import register as register_advise
from sim.presentation.cli_calibrate import register as register_calibrate
from sim.presentation.cli_experiments import add_precision_option, precision_goal, register
from sim.presentation.cli_report import register as register_report
from sim.presentation.cli_scenario import register as register_scenario


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
                     help="scenario YAML files, shipped names (centralised, ...) or 'england'")
    run.add_argument("--replications", type=replications,
                     help="default: the scenario's run.replications")
    run.add_argument("--seed", type=seed, help="master seed (default: the scenario's run.seed)")
    run.add_argument("--years", type=years, help="simulated years after the warm-up")
    run.add_argument("--warmup-days", type=warmup_days, help="warm-up discarded, days")
    add_executor_options(run)
    run.add_argument("--out", type=out_folder,
                     help="output folder (default outputs/<scenario>-<time>)")
    add_precision_option(run)
    run.set_defaults(func=run_command)
    register(sub)
    register_report(sub)
    register_calibrate(sub)
    register_scenario(sub)
    register_advise(sub)
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
    """`specsim run`: replications of scenarios, tables committed whole, headline table
    printed. `specsim compare` calls the same `run_scenarios`, then adds its report."""
    from sim.presentation.boundary import run_inputs
    from sim.presentation.commands import open_executor, print_run, run_scenarios

    inputs = run_inputs(args, "run")  # everything checked, nothing written yet
    with inputs.output as out, open_executor(args.workers, args.scheduler) as executor:
        finished = run_scenarios(inputs.scenarios, inputs.settings, executor, out,
                                 precision_goal(args))
    print_run(finished)
    return 0


def _input_errors() -> tuple[type[Exception], ...]:
    """Errors that mean bad input (exit 2) besides ConfigError. Imported only when an error is
    being handled: their modules load pandas and matplotlib, which start-up must not."""
    from sim.experiment.outputs import OutputError
    from sim.experiment.sweep import SweepStateError
    from sim.presentation.report import ResultsError

    return UsageError, OutputError, ResultsError, SweepStateError


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every failure is one line on stderr: exit code 2 for bad input (a
    file, a value, an option, an output folder), 1 for a failure of the run itself, 130 when
    interrupted."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "validate":
            return _validate(args.files)
        return args.func(args)
    except ConfigError as exc:
        for issue in exc.issues:
            print(f"error: {issue}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted: earlier results in the output folder are unchanged (a folder "
              "being replaced is marked INCOMPLETE)", file=sys.stderr)
        return 130
    except MemoryError:  # before the next clause, which may import modules
        print("error: out of memory; use fewer --workers, fewer replications or a shorter run",
              file=sys.stderr)
        return 1
    except _input_errors() as exc:  # evaluated only once an exception is on its way
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a full disk, a folder removed under us...
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        if os.environ.get("SPECSIM_DEBUG"):
            raise
        first = (str(exc).splitlines() or [""])[0][:300]
        print(f"error: internal error {type(exc).__name__}: {first} (please report it; set "
              "SPECSIM_DEBUG=1 to see the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
