"""`specsim compare` (run scenarios, then report) and `specsim report` (redraw from stored results).

`compare` runs through `commands.run_scenarios`, like `specsim run`. Both commands end in
`build_report`, which reads only the files in the results folder, so a report made after a run
and one regenerated later from the same folder are the same tables and figures. A folder is
reported on only when its manifest shows every file comes from one complete run
(`sim.experiment.outputs.verify_results`), and while it is locked. Commands import what they
run when they run (start-up of `specsim --help` loads no pandas, scipy or matplotlib).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sim.presentation import arguments
from sim.presentation.arguments import EXIT_USAGE

if TYPE_CHECKING:
    from sim.experiment.outputs import OutputFolder

RUN_RESULTS = ("kpis.parquet", "waits.parquet", "run.json")
"""What a report of a run or compare folder reads."""
RUN_WHAT = "the output folder of 'specsim run' or 'specsim compare'"
SWEEP_RESULTS = ("sweep.parquet", "sweep.json")
SWEEP_WHAT = "the output folder of 'specsim sweep'"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `compare` and `report` to the specsim command line."""
    compare = subparsers.add_parser(
        "compare", help="run scenarios and write a comparison table, figures and report.html")
    compare.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                         help="scenario YAML files or shipped names; omit with --from")
    compare.add_argument("--baseline", help="scenario name to compare against (default: first)")
    compare.add_argument("--replications", type=arguments.replications,
                         help="default: the scenario's run.replications")
    compare.add_argument("--seed", type=arguments.seed, help="master seed")
    compare.add_argument("--years", type=arguments.years, help="simulated years after warm-up")
    compare.add_argument("--warmup-days", type=arguments.warmup_days, help="warm-up, days")
    arguments.add_executor_options(compare)
    compare.add_argument("--out", type=arguments.out_folder,
                         help="output folder (default outputs/compare-<time>)")
    compare.add_argument("--from", dest="source", type=arguments.out_folder, metavar="DIR",
                         help="report on a finished 'specsim run' folder instead of running")
    compare.add_argument("--force", action="store_true",
                         help="replace the results already in --out (refused without it)")
    compare.set_defaults(func=compare_command)

    report = subparsers.add_parser(
        "report", help="regenerate tables, figures and report.html from a results folder")
    report.add_argument("folder", type=arguments.out_folder, metavar="DIR",
                        help="a run/compare folder (kpis, waits, run.json) or a sweep folder")
    report.add_argument("--baseline", help="scenario name to compare against")
    report.set_defaults(func=report_command)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def compare_command(args: argparse.Namespace) -> int:
    """Run the scenarios into `--out` (or take a finished run `--from`), then report."""
    from sim.presentation.boundary import run_inputs
    from sim.presentation.commands import open_executor, print_run, run_scenarios

    if args.source is not None:
        if args.scenarios:
            return _fail("give either SCENARIO files or --from DIR, not both")
        return _compare_from(args.source, args.out, args.baseline, args.force)
    if not args.scenarios:
        return _fail("compare needs at least one SCENARIO file (or --from DIR)")
    inputs = run_inputs(args, "compare")  # everything checked, nothing written yet
    if args.baseline is not None and args.baseline not in inputs.names:
        return _fail(f"--baseline: {args.baseline!r} is not a scenario name; allowed: "
                     f"{', '.join(inputs.names)}")
    with inputs.output as out, open_executor(args.workers, args.scheduler) as executor:
        refuse_replacing(out.path, args.force)  # checked under the lock, before any run
        finished = run_scenarios(inputs.scenarios, inputs.settings, executor, out,
                                 metadata={"baseline": args.baseline or inputs.names[0]})
        print_run(finished)
        return _report(out.path, args.baseline)


def refuse_replacing(out: Path, force: bool) -> None:
    """`compare` replaces the results of an earlier command only when asked (`--force`), as
    `sweep` refuses a folder that holds a sweep unless asked (`--resume`)."""
    from sim.experiment.outputs import DERIVED, INCOMPLETE, MANIFEST
    from sim.presentation.arguments import UsageError
    from sim.presentation.commands import RUN_FILES

    found = [name for name in (MANIFEST, INCOMPLETE, *RUN_FILES, *DERIVED)
             if (out / name).exists()]
    if found and not force:
        raise UsageError(f"--out {out}: already holds results ({', '.join(found[:3])}"
                         f"{', ...' if len(found) > 3 else ''}); add --force to replace them, "
                         "or choose another --out")


def _compare_from(source: Path, out: Path | None, baseline: str | None,
                  force: bool = False) -> int:
    """Report on a finished run folder, in place or on a copy of its results in `out`."""
    from sim.experiment.outputs import verify_results
    from sim.presentation.boundary import output

    manifest = verify_results(source, RUN_RESULTS, RUN_WHAT)
    out = out or source
    option = "--out" if out != source else "--from"
    with output(out, "compare", create=out != source, option=option) as folder:
        if folder.path.resolve() != source.resolve():
            refuse_replacing(folder.path, force)
            _copy_results(source, manifest, folder)
        return _report(folder.path, baseline)


def _copy_results(source: Path, manifest: dict, folder: OutputFolder) -> None:
    from sim.experiment.outputs import verify_results

    for name in manifest["files"]:
        shutil.copy2(source / name, folder.staging / name)
    folder.commit("run", {"copied_from": str(source.resolve()),
                          "source_run_id": manifest.get("run_id")})
    verify_results(folder.path, RUN_RESULTS, RUN_WHAT)  # the source did not change meanwhile


def _report(folder: Path, baseline: str | None) -> int:
    """Report on a results folder the caller holds locked."""
    from sim.experiment.outputs import verify_results
    from sim.presentation.report import ResultsError, build_report

    verify_results(folder, RUN_RESULTS, RUN_WHAT)
    (folder / "report.html").unlink(missing_ok=True)  # never a stale report beside new tables
    try:
        written = build_report(folder, baseline)
    except ResultsError as exc:
        return _fail(str(exc))
    print(f"comparison table: {written['comparison_xlsx']}, {written['comparison_csv']}, "
          f"{written['comparison_md']}")
    print(f"figures: {folder / 'figures'}/ (PNG 200 dpi + SVG); report: {written['report']}")
    return 0


def report_command(args: argparse.Namespace) -> int:
    from sim.experiment.outputs import verify_results
    from sim.presentation.boundary import output
    from sim.presentation.sweep_report import build_sweep_report

    folder: Path = args.folder
    with output(folder, "report", create=False, option="report"):
        if (folder / "sweep.json").is_file():
            verify_results(folder, SWEEP_RESULTS, SWEEP_WHAT)
            (folder / "report.html").unlink(missing_ok=True)
            written = build_sweep_report(folder)
            print(f"sweep figures: {folder / 'figures'}/; report: {written['report']}")
            return 0
        return _report(folder, args.baseline)
