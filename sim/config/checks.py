"""Cross-reference checks: what pydantic cannot check field by field.

Each check needs two parts of a scenario at once (a unit's provider and the geography, a
service's arrangement and its `delegable` flag, a collaborative and the ICS list), so it runs
after the schema has validated every field. `check_scenario` adds the limits of `bounds.py`;
sweeps run the same checks on every design point.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from sim.config.arrangements import ARRANGEMENTS, not_delegated_names
from sim.config.bounds import boolean_issues, bound_issues
from sim.config.errors import ConfigError, ConfigIssue, Origins, file_for, suggest
from sim.config.geography import load_geography
from sim.config.plan_checks import plan_date_issues, plan_issues
from sim.config.schema import RunSettings, Scenario, Service

_SOURCE_PREFIXES = ("cited:", "derived:", "illustrative:")

SOURCE_KEYS = frozenset(
    [f for f in Service.model_fields
     if f not in ("name", "units", "sources", "outcome", "highly_specialised")]
    + [f"outcome.{f}" for f in ("p_floor", "p_ceiling", "v_half", "k", "extra_days",
                                "extra_cost_gbp", "escalation_share")]
)
"""The service parameters a `sources` entry may cite."""


def check_values(data: dict[str, Any], origins: Origins, label: str,
                 root: type[BaseModel] = Scenario) -> None:
    """Before validation: no boolean where `root`'s schema wants a number."""
    issues = boolean_issues(data, origins, label, root)
    if issues:
        raise ConfigError(issues)


def check_scenario(scenario: Scenario, origins: Origins, label: str,
                   run: RunSettings | None = None) -> None:
    """After validation: cross-references, then the limits (names, numbers, and the run's size
    with `run`, by default the scenario's own settings)."""
    issues = reference_issues(scenario, origins, label)
    issues += plan_date_issues(scenario, run or scenario.run, origins, label)
    for issue in bound_issues(scenario, origins, label, run):
        if all(issue.path != other.path for other in issues):  # one line per key
            issues.append(issue)
    if issues:
        raise ConfigError(issues)


def check_references(scenario: Scenario, origins: Origins, label: str) -> None:
    """Cross-reference checks pydantic cannot do alone: codes that must exist elsewhere."""
    issues = reference_issues(scenario, origins, label)
    if issues:
        raise ConfigError(issues)


def reference_issues(scenario: Scenario, origins: Origins, label: str) -> list[ConfigIssue]:
    """Every cross-reference problem of a validated scenario."""
    icss, providers = load_geography(scenario.geography)
    icb_codes = {i.code for i in icss}
    provider_codes = {p.code for p in providers}
    issues: list[ConfigIssue] = []

    def add(path: tuple[str, ...], message: str) -> None:
        issues.append(ConfigIssue(file_for(path, origins, label), ".".join(path), message))

    for i, provider in enumerate(providers):
        if provider.icb_code not in icb_codes:
            add(("geography", "providers", str(i), "icb_code"),
                f"unknown ICS code {provider.icb_code!r}{suggest(provider.icb_code, icb_codes)}")
    for sid, service in scenario.services.items():
        seen: set[tuple[str, str | None]] = set()
        for j, unit in enumerate(service.units):
            path = ("services", sid, "units", str(j), "provider")
            if unit.provider not in provider_codes:
                add(path, f"unknown provider code {unit.provider!r}"
                          f"{suggest(unit.provider, provider_codes)}")
            elif (unit.provider, unit.name) in seen:
                add(path, f"provider {unit.provider!r} has two units for this service with the "
                          f"same name ({unit.name!r}); a trust's units need distinct `name`s")
            seen.add((unit.provider, unit.name))
        for key, text in service.sources.items():
            if key not in SOURCE_KEYS:
                add(("services", sid, "sources", key),
                    f"unknown parameter {key!r}{suggest(key, SOURCE_KEYS)}")
            elif not text.startswith(_SOURCE_PREFIXES):
                add(("services", sid, "sources", key),
                    f"must start with one of {list(_SOURCE_PREFIXES)} (got {text!r})")
    commissioning = scenario.commissioning
    lines = {**scenario.services, **scenario.service_groups}  # what can be commissioned
    for sid, arrangement in commissioning.services.items():
        path = ("commissioning", "services", sid)
        if sid not in lines:
            add(path, f"unknown service or service group {sid!r}{suggest(sid, lines)}; "
                      f"known: {', '.join(sorted(lines))}")
        elif not lines[sid].delegable and ARRANGEMENTS[arrangement].delegated:
            add(path, f"service {sid!r} is not delegable (delegable: false) and cannot be "
                      f"commissioned as {arrangement!r}; allowed: "
                      f"{', '.join(not_delegated_names())}")
    issues += plan_issues(scenario, icss, origins, label)
    member_of: dict[str, str] = {}
    for name, members in commissioning.collaboratives.items():
        if not members:
            add(("commissioning", "collaboratives", name), "a collaborative needs at least one ICS")
        for k, code in enumerate(members):
            path = ("commissioning", "collaboratives", name, str(k))
            if code not in icb_codes:
                add(path, f"unknown ICS code {code!r}{suggest(code, icb_codes)}")
            elif code in member_of:
                add(path, f"ICS {code!r} is already in collaborative {member_of[code]!r}")
            else:
                member_of[code] = name
    _check_finance(scenario, icb_codes, provider_codes, lines, add)
    uses_collaborative = any(
        ARRANGEMENTS[commissioning.arrangement_for(sid, line.delegable)].footprint
        == "joint_committee" for sid, line in lines.items()
    ) or any(ARRANGEMENTS[step.arrangement].footprint == "joint_committee"
             for step in commissioning.plan)
    if uses_collaborative:
        missing = sorted(icb_codes - set(member_of))
        if missing:
            add(("commissioning", "collaboratives"),
                f"every ICS must belong to a collaborative when a service is commissioned "
                f"collaboratively; missing: {', '.join(missing[:5])}"
                + (f" and {len(missing) - 5} more" if len(missing) > 5 else ""))
    readiness = scenario.mechanisms.readiness
    for table in ("financial_position_gbp_m", "capability_score"):
        for code in getattr(readiness, table):
            if code not in icb_codes:
                add(("mechanisms", "readiness", table, code),
                    f"unknown ICS code {code!r}{suggest(code, icb_codes)}")
    return issues


def _check_finance(scenario: Scenario, icb_codes: set[str], provider_codes: set[str],
                   lines: dict[str, Any], add: Callable[[tuple[str, ...], str], None]) -> None:
    """Codes in the `finance:` block must name a trust, an ICS, a service or group."""
    finance = scenario.finance
    allocation = finance.allocation
    for code in finance.provider_price:
        if code not in provider_codes:
            add(("finance", "provider_price", code),
                f"unknown provider code {code!r}{suggest(code, provider_codes)}")
    for code in allocation.need_index:
        if code not in icb_codes:
            add(("finance", "allocation", "need_index", code),
                f"unknown ICS code {code!r}{suggest(code, icb_codes)}")
    for line in allocation.base_spend_gbp:
        if line not in lines:
            add(("finance", "allocation", "base_spend_gbp", line),
                f"unknown service or service group {line!r}{suggest(line, lines)}")
    payer = finance.shocks.payer
    if payer is not None and payer not in lines:
        add(("finance", "shocks", "payer"),
            f"unknown service or service group {payer!r}{suggest(payer, lines)}; "
            "omit it for NHS England national")
