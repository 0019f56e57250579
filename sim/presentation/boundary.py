"""The input boundary every `specsim` command goes through before it does any work.

read -> parse -> validate (`sim.config`: bounded reading, schema, cross-references, limits)
-> resolve (run settings from the scenario and the options, the number of runs, the patients a
replication would generate, the output folder's default name) -> check the output location
(`sim.experiment.outputs`: a folder or one that can be made, writable, not locked by another
command). A command that passes the boundary runs; one that does not has read nothing more
than its inputs, written nothing, and exits with code 2 and a line naming file, key and value.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.config import ConfigError, Scenario, load_scenario
from sim.config.bounds import referral_issues
from sim.config.limits import MAX_RUNS, MAX_SCENARIOS
from sim.config.schema import RunSettings
from sim.experiment.outputs import OutputFolder, check_output
from sim.presentation.arguments import UsageError, run_settings

MAX_DEFAULT_NAME = 100
"""A default output folder name longer than this (many scenarios) becomes `<command>-<time>`."""


def load_scenarios(refs: Sequence[str]) -> list[Scenario]:
    """Read, parse and validate scenario files (or 'england'); their names must differ."""
    if len(refs) > MAX_SCENARIOS:
        raise UsageError(f"at most {MAX_SCENARIOS} scenarios in one command (got {len(refs)})")
    scenarios = [load_scenario(ref) for ref in refs]
    scenario_names(scenarios)
    return scenarios


def scenario_names(scenarios: Sequence[Scenario]) -> list[str]:
    """The scenarios' names, which label every table row and so must differ."""
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise UsageError(f"scenario names must differ (got {names})")
    return names


def check_run_size(scenarios: Sequence[Scenario], replications: int, years: float,
                   warmup_days: float, label: str = "replications") -> None:
    """Runs in total, and patients per replication of every scenario, within the limits."""
    runs = len(scenarios) * replications
    if runs > MAX_RUNS:
        raise UsageError(f"--{label}: {len(scenarios)} scenario(s) x {replications:,} = "
                         f"{runs:,} runs; the limit is {MAX_RUNS:,}")
    issues = [issue for s in scenarios for issue in referral_issues(
        s, years, warmup_days, {}, f"scenario {s.name!r} run for {years:g} years")]
    if issues:
        raise ConfigError(issues)


def default_out(command: str, names: Sequence[str]) -> Path:
    """outputs/<names>-<time>, or outputs/<command>-<time> if the names make it too long."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    joined = "_vs_".join(names)
    return Path("outputs") / (f"{joined}-{stamp}" if len(joined) <= MAX_DEFAULT_NAME
                              else f"{command}-{stamp}")


def output(out: Path, command: str, create: bool = True, option: str = "--out") -> OutputFolder:
    """The output location checked now (nothing is created); open it with `with` just before
    the runs start, which creates and locks it."""
    check_output(out, option)
    return OutputFolder(out, command, create, option)


@dataclass
class RunInputs:
    """What `run` and `compare` run, resolved and checked: open `output` with `with`."""

    scenarios: list[Scenario]
    settings: RunSettings
    output: OutputFolder

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.scenarios]


def run_inputs(args: argparse.Namespace, command: str) -> RunInputs:
    """The boundary of `run` and `compare`: scenarios, settings (the first scenario's `run`
    with `--years`, `--warmup-days`, `--replications`, `--seed`), the number of runs (up to
    `--max-replications` with `--precision`), and the output location."""
    scenarios = load_scenarios(args.scenarios)
    settings = run_settings(args, scenarios[0].run)
    precision = getattr(args, "precision", None) is not None
    replications = args.max_replications if precision else settings.replications
    check_run_size(scenarios, replications, settings.years, settings.warmup_days,
                   "max-replications" if precision else "replications")
    out = args.out or default_out(command, [s.name for s in scenarios])
    return RunInputs(scenarios, settings, output(out, command))
