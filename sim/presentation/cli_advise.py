"""`specsim advise`: which services to delegate, and to what footprint (docs/advise.md).

Registered on the main parser by `register(subparsers)`. Everything is checked before the
first run (scenario, footprints, objective file, budget, output folder); the runs go to
`DIR/runs/` as they finish, so `--resume` continues an interrupted advice.
"""

from __future__ import annotations

import argparse

from sim.config.limits import MAX_RUNS
from sim.presentation.arguments import (
    add_executor_options,
    int_between,
    out_folder,
    replications,
    seed,
    warmup_days,
    years,
)

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


def _advise(args: argparse.Namespace) -> int:
    from sim.presentation.advise_command import advise_command  # heavy: only when run

    return advise_command(args)


