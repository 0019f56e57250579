"""`specsim calibrate SCENARIO --targets FILE.csv`: fit capacity scales to observed figures,
print every target beside the model (mean and 95% CI, miss named), and write the calibrated
scenario file, which `extends` the one given."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from sim.config import load_scenario
from sim.config.targets import load_targets
from sim.presentation.arguments import (
    UsageError,
    add_executor_options,
    float_between,
    out_folder,
    replications,
    run_settings,
    warmup_days,
    years,
)

if TYPE_CHECKING:  # the run modules load scipy and pandas: imported when the command runs
    from sim.analysis.calibrate import Calibration
    from sim.experiment.outputs import OutputFolder

SCALE = float_between(0.0, 1000.0, low_open=True)


def register(sub: argparse._SubParsersAction) -> None:
    cal = sub.add_parser("calibrate", help="fit capacity scales to targets (waiting lists, "
                                           "waits); write the calibrated scenario")
    cal.add_argument("scenario", metavar="SCENARIO")
    cal.add_argument("--targets", required=True, type=Path, metavar="FILE.csv",
                     help="kpi,scope,key,observed,tolerance,unit,source "
                          "(e.g. sim/data/england/calibration_targets.csv)")
    cal.add_argument("--replications", type=replications, help="per evaluation (default 3)")
    cal.add_argument("--years", type=years, help="default: the scenario's")
    cal.add_argument("--warmup-days", type=warmup_days, help="default: the scenario's")
    cal.add_argument("--low", type=SCALE, default=0.25, help="lowest scale tried")
    cal.add_argument("--high", type=SCALE, default=4.0, help="highest scale tried")
    cal.add_argument("--fit-demand", action="store_true",
                     help="also fit each service's incidence to its second target (e.g. the "
                          "list and %% within standard together)")
    add_executor_options(cal)
    cal.add_argument("--out", type=out_folder,
                     help="output folder (default outputs/calibrate-<name>)")
    cal.set_defaults(func=calibrate_command, seed=None)


def calibrate_command(args: argparse.Namespace) -> int:
    from sim.analysis.calibrate import calibrate
    from sim.presentation.boundary import check_run_size, output
    from sim.presentation.commands import open_executor

    scenario = load_scenario(args.scenario)
    targets = load_targets(args.targets)  # ConfigError -> exit 2, before any run
    settings = run_settings(args, scenario.run.with_overrides(replications=3))
    if args.replications:
        settings = settings.with_overrides(replications=args.replications)
    if not args.low < args.high:
        raise UsageError(f"--low must be below --high (got --low {args.low:g} --high "
                         f"{args.high:g})")
    check_run_size([scenario], settings.replications, settings.years, settings.warmup_days)
    held = output(args.out or Path("outputs") / f"calibrate-{scenario.name}", "calibrate")
    with held, open_executor(args.workers, args.scheduler) as executor:
        result = calibrate(scenario, targets, settings.replications, settings.years,
                           settings.warmup_days, executor, (args.low, args.high),
                           report=lambda line: print(line, file=sys.stderr, flush=True),
                           fit_demand=args.fit_demand)
        _write(args, scenario.name, result, held)
    out = held.path
    print(result.table[["kpi", "scope", "key", "observed", "model_mean", "ci_low", "ci_high",
                        "miss", "within_tolerance"]].to_string(index=False))
    print(f"calibrated scenario: {out / 'calibrated.yaml'}; table: {out / 'calibration.csv'}")
    return 0


def _write(args: argparse.Namespace, name: str, result: Calibration, held: OutputFolder) -> None:
    """The calibration table and the calibrated scenario, committed together."""
    from sim.experiment.store import write_atomic, write_table

    out = held.staging
    write_table(out, "calibration", result.table)
    fitted = {f.service: {"capacity_scale": round(f.scale, 4)} for f in result.fits}
    for f in result.fits:
        if f.demand != 1.0:
            fitted[f.service]["incidence_per_100k"] = round(
                result.scenario.services[f.service].incidence_per_100k, 4)
    parent = args.scenario if args.scenario == "england" else str(Path(args.scenario).resolve())
    command = f"specsim calibrate {args.scenario} --targets {args.targets}".replace("\n", " ")
    text = (f"# calibrated by `{command}`\n"
            + "\n".join(f"# {f.service}: {f.kpi} {f.observed:g} -> {f.model:.4g} ({f.note})"
                        for f in result.fits) + "\n"
            + yaml.safe_dump({"extends": parent, "name": f"{name[:52]}_calibrated",
                              "services": fitted}, sort_keys=False))
    write_atomic(out / "calibrated.yaml", text.encode())
    held.commit("calibrate")
