"""Checks of a dated commissioning plan (`commissioning.plan`): what each step names exists,
may be commissioned that way, and falls inside the run.

Kept apart from `checks.py` because the dates are checked against the run as it will be run
(the command line may shorten it), while names are checked against the scenario alone.
"""

from __future__ import annotations

import datetime

from sim.config.arrangements import ARRANGEMENTS, not_delegated_names
from sim.config.errors import ConfigIssue, Origins, file_for, suggest
from sim.config.schema import ICS, PLAN_SELECTORS, RunSettings, Scenario


def run_end(start: datetime.date, run: RunSettings) -> datetime.date:
    """The last day a run simulates (day offsets run from `start` to warm-up + years); a run
    too long for the calendar (refused by the run limits) ends at the last date there is."""
    try:
        return start + datetime.timedelta(days=run.warmup_days + 365.0 * run.years)
    except (OverflowError, ValueError):
        return datetime.date.max


def plan_issues(scenario: Scenario, icss: list[ICS], origins: Origins,
                label: str) -> list[ConfigIssue]:
    """Every step's services, service groups, ICSs, regions and arrangement."""
    commissioning = scenario.commissioning
    lines = {**scenario.services, **scenario.service_groups}
    codes = {ics.code for ics in icss}
    regions = {ics.region_code for ics in icss} | {ics.region_name for ics in icss}
    issues: list[ConfigIssue] = []

    def add(path: tuple[str, ...], message: str) -> None:
        issues.append(ConfigIssue(file_for(path, origins, label), ".".join(path), message))

    for k, step in enumerate(commissioning.plan):
        at = ("commissioning", "plan", str(k))
        for key, allowed in (("services", [*lines, *PLAN_SELECTORS]),
                             ("service_groups", list(scenario.service_groups))):
            for j, name in enumerate(getattr(step, key)):
                if name not in allowed:
                    add((*at, key, str(j)),
                        f"unknown {key.replace('_', ' ')[:-1]} {name!r}{suggest(name, allowed)}; "
                        f"allowed: {', '.join(sorted(allowed))}")
                elif (name in lines and not lines[name].delegable
                      and ARRANGEMENTS[step.arrangement].delegated):
                    add((*at, key, str(j)),
                        f"{name!r} is not delegable (delegable: false) and cannot be "
                        f"commissioned as {step.arrangement!r}; allowed: "
                        f"{', '.join(not_delegated_names())}")
                elif name in PLAN_SELECTORS and not step.lines(lines):
                    add((*at, key, str(j)), f"{name!r} selects no service for "
                                            f"{step.arrangement!r}")
        for j, code in enumerate(step.icss):
            if code not in codes:
                add((*at, "icss", str(j)),
                    f"unknown ICS code {code!r}{suggest(code, codes)}; allowed: ICS codes "
                    "of the geography, or icss: all")
        for j, region in enumerate(step.regions):
            if region not in regions:
                add((*at, "regions", str(j)),
                    f"unknown region {region!r}{suggest(region, regions)}; allowed: "
                    f"{', '.join(sorted(regions))}")
    return issues


def plan_date_issues(scenario: Scenario, run: RunSettings, origins: Origins,
                     label: str) -> list[ConfigIssue]:
    """Every step's date inside the run: from `run.start_date` to the run's last day."""
    if not scenario.commissioning.plan:
        return []
    start = run.start_date
    end = run_end(start, run)
    issues = []
    for k, step in enumerate(scenario.commissioning.plan):
        if not start <= step.from_ <= end:
            path = ("commissioning", "plan", str(k), "from")
            issues.append(ConfigIssue(
                file_for(path, origins, label), ".".join(path),
                f"date {step.from_} is outside the run; allowed: {start} (run.start_date) to "
                f"{end} (after run.warmup_days and run.years)"))
    return issues
