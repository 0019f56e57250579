"""`specsim show`, `specsim init` and `specsim workbook`: see and start scenarios before running.

Registered on the main parser by `register(subparsers)`; each subcommand sets `func`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.presentation.arguments import out_folder


def register(sub: argparse._SubParsersAction) -> None:
    """Add `show`, `init` and `workbook` to the specsim command line."""
    show = sub.add_parser("show", help="print a scenario's resolved values and where each "
                                       "was set")
    show.add_argument("scenario", metavar="SCENARIO",
                      help="a scenario file (YAML or .xlsx workbook), shipped name or 'england'")
    show.add_argument("key", metavar="KEY", nargs="?",
                      help="a dotted key or prefix, e.g. services.cardiac_surgery")
    show.set_defaults(func=_show)

    init = sub.add_parser("init", help="write a commented scenario extending a shipped one")
    init.add_argument("name", metavar="NAME", help="the new scenario's name (NAME.yaml)")
    init.add_argument("--from", dest="parent", default="centralised", metavar="SCENARIO",
                      help="the shipped scenario to extend (default: centralised)")
    init.add_argument("--dir", type=Path, default=Path("."), help="folder to write into")
    init.set_defaults(func=_init)

    book = sub.add_parser("workbook", help="write a scenario's parameters as an Excel "
                                           "workbook that reads back as a scenario")
    book.add_argument("scenario", metavar="SCENARIO",
                      help="a scenario file, shipped name or 'england'")
    book.add_argument("--out", type=out_folder, required=True, metavar="FILE.xlsx")
    book.add_argument("--force", action="store_true", help="replace an existing FILE.xlsx")
    book.set_defaults(func=_workbook)


def _show(args: argparse.Namespace) -> int:
    from sim.presentation.show import show_lines  # each command imports what it runs

    print("\n".join(show_lines(args.scenario, args.key)))
    return 0


def _init(args: argparse.Namespace) -> int:
    from sim.presentation.init_scenario import init_scenario

    path = init_scenario(args.name, args.parent, args.dir)
    print(f"wrote {path} (extends {args.parent}); edit it, then: specsim validate {path}")
    return 0


def _workbook(args: argparse.Namespace) -> int:
    from sim.presentation.workbook import write_workbook

    path = write_workbook(args.scenario, args.out, args.force)
    print(f"wrote {path}: fill it in, then specsim validate {path}; specsim run {path}")
    return 0
