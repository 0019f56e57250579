"""Limits on values the schema accepts but a run cannot survive, checked before any run.

The schema checks each field's range; these checks add what needs the limits of `limits.py`:
booleans where numbers belong (YAML reads `yes` as true, pydantic would read true as 1), numbers
that are infinite or absurdly large, names that become file names, run lengths, and how many
patients a replication would generate. Each problem is a one-line ConfigIssue naming the file
that set the key, the key, the value and what is allowed.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from sim.config.errors import ConfigIssue, Origins, concrete_types, file_for, model_at
from sim.config.geography import load_geography
from sim.config.limits import (
    ID_PATTERN,
    ID_RULE,
    MAX_GROUP_EPISODES,
    MAX_NUMBER,
    MAX_REFERRALS,
    MAX_REPLICATIONS,
    MAX_SERVICES,
    MAX_WARMUP_DAYS,
    MAX_YEARS,
    name_problem,
    shown,
)
from sim.config.schema import RunSettings, Scenario

FIRST_DATE = datetime.date(1900, 1, 1)
LAST_DATE = datetime.date(2200, 12, 31)
MAX_OUTCOME_K = 20.0  # a steeper volume-outcome curve is a step; (v / v_half) ** k overflows
MIN_OUTCOME_V_HALF = 0.001


def _leaves(data: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*path, str(key)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _leaves(value, (*path, str(i)))
    else:
        yield path, data


def boolean_issues(data: dict[str, Any], origins: Origins, label: str,
                   root: type[BaseModel] = Scenario) -> list[ConfigIssue]:
    """A boolean where the schema wants a number: pydantic would take true as 1."""
    issues = []
    for path, value in _leaves(data):
        if not isinstance(value, bool) or not path:
            continue
        owner = model_at(path[:-1], root)
        field = owner.model_fields.get(path[-1]) if owner else None
        kinds = concrete_types(field.annotation) if field else []
        if bool not in kinds and (int in kinds or float in kinds):
            issues.append(ConfigIssue(
                file_for(path, origins, label), ".".join(path),
                f"must be a number, not a boolean (got {str(value).lower()}; YAML reads "
                "unquoted yes, no, on, off, true and false as booleans)"))
    return issues


def number_issues(model: BaseModel, origins: Origins, label: str) -> list[ConfigIssue]:
    """Every number of a validated model finite and at most MAX_NUMBER in size (a quoted
    '1e400' or '.inf' passes the YAML reader as text and pydantic as a number)."""
    issues = []
    for path, value in _leaves(model.model_dump()):
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if not math.isfinite(value) or abs(value) > MAX_NUMBER:
            issues.append(ConfigIssue(
                file_for(path, origins, label), ".".join(path),
                f"must be a finite number of at most {MAX_NUMBER:g} in size "
                f"(got {shown(value, 30)})"))
    return issues


def run_issues(run: RunSettings, origins: Origins, label: str,
               prefix: tuple[str, ...] = ("run",)) -> list[ConfigIssue]:
    """Run length, warm-up, replications and start date within the limits."""
    issues = []

    def add(key: str, message: str) -> None:
        path = (*prefix, key)
        issues.append(ConfigIssue(file_for(path, origins, label), ".".join(path), message))

    checks = ((run.years, MAX_YEARS, "years", "simulated years after the warm-up"),
              (run.warmup_days, MAX_WARMUP_DAYS, "warmup_days", "days of warm-up"),
              (run.replications, MAX_REPLICATIONS, "replications", "replications"))
    for value, limit, key, what in checks:
        if not math.isfinite(value) or value > limit:
            add(key, f"at most {limit:,g} {what} (got {shown(value, 30)})")
    if not FIRST_DATE <= run.start_date <= LAST_DATE:
        add("start_date", f"must be between {FIRST_DATE} and {LAST_DATE} (got {run.start_date})")
    return issues


def _growth(rate: float, years: float) -> float:
    """(1 + rate) ** years for growth, at least 1, without overflowing."""
    if rate <= 0:
        return 1.0
    return math.exp(min(700.0, years * math.log1p(rate)))


def referral_issues(scenario: Scenario, years: float, warmup_days: float, origins: Origins,
                    label: str) -> list[ConfigIssue]:
    """Patients one replication would generate (referrals drawn over warm-up and run, and
    waiting lists at the start), and service-group episodes, within the limits."""
    icss, _ = load_geography(scenario.geography)
    population = float(sum(i.population for i in icss))
    horizon = warmup_days / 365.0 + years
    drawn = 0.0
    for service in scenario.services.values():
        peak = _growth(service.annual_growth, horizon)
        rate = service.incidence_per_100k * population / 1e5
        drawn += rate * peak * (1.0 + service.seasonality_amplitude) * horizon
        if service.initial_waiting_list is not None:
            drawn += service.initial_waiting_list.size
    issues = []

    def add(path: tuple[str, ...], message: str) -> None:
        issues.append(ConfigIssue(file_for(path, origins, label), ".".join(path), message))

    if drawn > MAX_REFERRALS:
        add(("services",), (
            f"one replication would generate about {drawn:,.3g} patients over "
            f"{horizon:g} years (incidence x population x growth, plus waiting lists at the "
            f"start); the limit is {MAX_REFERRALS:,}: shorten the run or check "
            "incidence_per_100k, population and annual_growth"))
    for gid, group in scenario.service_groups.items():
        peak = group.annual_episodes * _growth(group.annual_growth, horizon)
        if peak > MAX_GROUP_EPISODES:
            add(("service_groups", gid, "annual_episodes"),
                f"would reach {peak:.3g} episodes a year over {horizon:g} years; the limit is "
                f"{MAX_GROUP_EPISODES:g}")
    if scenario.service_groups and population <= 0:
        add(("geography", "icss"), "service groups share episodes by population, but every "
                                   "ICS has population 0")
    return issues


def bound_issues(scenario: Scenario, origins: Origins, label: str,
                 run: RunSettings | None = None) -> list[ConfigIssue]:
    """Everything above for one validated scenario, run with `run` (default: its own)."""
    issues = number_issues(scenario, origins, label)

    def add(path: tuple[str, ...], message: str) -> None:
        issues.append(ConfigIssue(file_for(path, origins, label), ".".join(path), message))

    problem = name_problem(scenario.name)
    if problem:
        add(("name",), f"a scenario name names output files, so it {problem}")
    lines = len(scenario.services) + len(scenario.service_groups)
    if lines > MAX_SERVICES:
        add(("services",), f"at most {MAX_SERVICES} services and service groups together "
                           f"(got {lines:,})")
    for section in ("services", "service_groups"):
        for sid in getattr(scenario, section):
            problem = name_problem(sid, ID_PATTERN, ID_RULE)
            if problem:
                add((section, sid), f"an id {problem}")
    geography = scenario.geography
    for section in ("icss", "providers"):
        for i, item in enumerate(getattr(geography, section) or []):
            problem = name_problem(item.code, ID_PATTERN, ID_RULE)
            if problem:
                add(("geography", section, str(i), "code"), f"a code {problem}")
    for sid, service in scenario.services.items():
        outcome = service.outcome
        if outcome.k > MAX_OUTCOME_K:
            add(("services", sid, "outcome", "k"), f"at most {MAX_OUTCOME_K:g} (a steeper "
                                                   f"curve is a step) (got {outcome.k:g})")
        if outcome.v_half < MIN_OUTCOME_V_HALF:
            add(("services", sid, "outcome", "v_half"),
                f"at least {MIN_OUTCOME_V_HALF:g} patients a year (got {outcome.v_half:g})")
    if scenario.pathway.capacity_planning_days > MAX_WARMUP_DAYS:
        add(("pathway", "capacity_planning_days"),
            f"at most {MAX_WARMUP_DAYS:,g} days (got {scenario.pathway.capacity_planning_days:g})")
    issues += run_issues(scenario.run, origins, label)
    if not issues:
        run = run or scenario.run
        issues += referral_issues(scenario, run.years, run.warmup_days, origins, label)
    return issues
