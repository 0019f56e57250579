"""Sweep files: which scenarios, which parameters, which design; validated before any run.

A sweep names config paths into the *resolved* scenario (`services.cardiac_surgery.annual_growth`)
and a design (grid, list, lhs, oat). Loading expands the design into numbered points and checks
every (point, scenario) against the scenario schema, so a typo or an out-of-range value stops
the sweep before the first run instead of failing run 900 of 1,000 at 3 a.m.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.config.bounds import number_issues, run_issues
from sim.config.checks import check_scenario, check_values
from sim.config.errors import ConfigError, ConfigIssue, compact, issues_from, model_at, suggest
from sim.config.limits import (
    MAX_RUNS,
    MAX_SCENARIOS,
    MAX_SWEEP_POINTS,
    name_problem,
)
from sim.config.loader import BUILTIN_BASES, load_scenario, resolve_ref
from sim.config.reading import read_yaml, real_path
from sim.config.schema import RunSettings, Scenario

Value = bool | int | float | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParameterSpec(_Strict):
    """Values for grid/list designs, or bounds for lhs/oat designs."""

    values: list[Value] | None = None
    low: float | None = None
    high: float | None = None


class Design(_Strict):
    """How parameter values are combined into design points."""

    kind: Literal["grid", "list", "lhs", "oat"]
    n: int | None = None  # lhs only: number of points
    seed: Annotated[int, Field(ge=0)] = 0  # lhs only: seed of the Latin hypercube


class SweepFile(_Strict):
    """The YAML file as written (shared contract between helpers; see README)."""

    name: str
    description: str = ""
    scenarios: Annotated[list[str], Field(min_length=1)]
    parameters: Annotated[dict[str, ParameterSpec], Field(min_length=1)]
    design: Design
    replications: Annotated[int, Field(ge=1)] = 3
    seed: Annotated[int, Field(ge=0)] = 20261122
    years: Annotated[float, Field(gt=0)] | None = None
    warmup_days: Annotated[float, Field(ge=0)] | None = None


@dataclass(frozen=True)
class Point:
    """One design point: the overridden values, and for `oat` which parameter moved where."""

    index: int
    values: dict[str, Value]  # path -> value; a path absent here keeps the scenario's value
    oat_parameter: str | None = None
    oat_level: str | None = None


@dataclass
class Sweep:
    """A validated sweep: the file, its resolved scenarios and every design point."""

    file: str
    spec: SweepFile
    scenarios: list[Scenario]
    points: list[Point]
    configs: dict[tuple[int, str], Scenario] = field(repr=False, default_factory=dict)

    @property
    def parameter_paths(self) -> list[str]:
        return list(self.spec.parameters)

    @cached_property
    def run(self) -> RunSettings:
        """What every run of the sweep uses: the first scenario's run settings, overridden by
        the sweep file's years and warm-up where given, and always by its replications and seed."""
        spec = self.spec
        return self.scenarios[0].run.with_overrides(
            years=spec.years, warmup_days=spec.warmup_days,
            replications=spec.replications, seed=spec.seed)

    @property
    def years(self) -> float:
        return self.run.years

    @property
    def warmup_days(self) -> float:
        return self.run.warmup_days


# -- paths into a scenario -----------------------------------------------------------------------
def _walk(data: Any, parts: list[str]) -> tuple[Any, str | None]:
    """(value at path, None) or (None, problem) for a dotted path into a dumped scenario."""
    current = data
    for depth, part in enumerate(parts):
        here = ".".join(parts[:depth]) or "the scenario"
        if isinstance(current, dict):
            if part not in current:
                owner = model_at(parts[:depth])
                if owner is None and depth == len(parts) - 1:
                    return None, None  # a new key in a plain mapping (e.g. commissioning.services)
                return None, (f"'{part}' is not a key of {here}{suggest(part, map(str, current))}"
                              f"; keys there: {', '.join(sorted(map(str, current)))}")
            current = current[part]
        elif isinstance(current, list):
            if not part.isdigit() or int(part) >= len(current):
                return None, f"'{part}' is not an index of {here} (0..{len(current) - 1})"
            current = current[int(part)]
        else:
            return None, f"{here} is a value ({current!r}), it has no key '{part}'"
    if isinstance(current, dict | list):
        return None, "names a whole section; a parameter must name one value"
    return current, None


def _set(data: dict[str, Any], parts: list[str], value: Value) -> None:
    current: Any = data
    for part in parts[:-1]:
        current = current[int(part)] if isinstance(current, list) else current[part]
    last = parts[-1]
    old = current[int(last)] if isinstance(current, list) else current.get(last)
    if isinstance(old, int) and not isinstance(old, bool) and isinstance(value, float):
        value = int(round(value))  # lhs/oat give floats; integer keys (slots) get whole numbers
    if isinstance(current, list):
        current[int(last)] = value
    else:
        current[last] = value


def apply(scenario: Scenario, values: dict[str, Value]) -> Scenario:
    """The scenario with `values` set at their config paths (validated by the schema)."""
    data = scenario.model_dump(mode="json")
    for path, value in values.items():
        _set(data, path.split("."), value)
    return Scenario.model_validate(data)


# -- designs --------------------------------------------------------------------------------------
def point_count(spec: SweepFile) -> int:
    """How many design points the design makes, counted without making them."""
    params = spec.parameters.values()
    kind = spec.design.kind
    if kind == "grid":
        return math.prod(len(p.values or []) for p in params)
    if kind == "list":
        return max((len(p.values or []) for p in params), default=0)
    if kind == "lhs":
        return max(spec.design.n or 0, 0)
    return 1 + 2 * len(spec.parameters)


def _size_issues(spec: SweepFile, label: str) -> list[ConfigIssue]:
    """The sweep's name, run settings and size within the limits, before anything is built."""
    issues = number_issues(spec, {}, label)
    problem = name_problem(spec.name)
    if problem:
        issues.append(ConfigIssue(label, "name", f"a sweep name names its output folder, so it "
                                                 f"{problem}"))
    points = point_count(spec)
    runs = points * len(spec.scenarios) * spec.replications
    where = "design.n" if spec.design.kind == "lhs" else "parameters"
    if points > MAX_SWEEP_POINTS:
        issues.append(ConfigIssue(label, where, f"the design makes {points:,} points; the limit "
                                                f"is {MAX_SWEEP_POINTS:,}"))
    elif runs > MAX_RUNS:
        issues.append(ConfigIssue(label, "replications", (
            f"{points:,} points x {len(spec.scenarios)} scenario(s) x {spec.replications:,} "
            f"replications = {runs:,} runs; the limit is {MAX_RUNS:,}")))
    if len(spec.scenarios) > MAX_SCENARIOS:
        issues.append(ConfigIssue(label, "scenarios", f"at most {MAX_SCENARIOS} scenarios "
                                                      f"(got {len(spec.scenarios):,})"))
    return issues


def _points(spec: SweepFile, label: str) -> list[Point]:
    kind = spec.design.kind
    params = spec.parameters
    issues: list[ConfigIssue] = []

    def bad(path: str, message: str) -> None:
        issues.append(ConfigIssue(label, path, message))

    if kind in ("grid", "list"):
        for path, p in params.items():
            if not p.values:
                bad(f"parameters.{path}.values",
                    f"design '{kind}' needs a non-empty list of values (got {p.values!r})")
            if p.low is not None or p.high is not None:
                bad(f"parameters.{path}", f"low/high are for lhs and oat designs, not '{kind}'")
        if kind == "list" and not issues:
            lengths = {path: len(p.values or []) for path, p in params.items()}
            if len(set(lengths.values())) > 1:
                bad("parameters", f"design 'list' zips values, so every list must have the same "
                                  f"length (got {lengths})")
    else:
        for path, p in params.items():
            if p.low is None or p.high is None:
                bad(f"parameters.{path}", f"design '{kind}' needs low and high "
                                          f"(got low={p.low!r}, high={p.high!r})")
            elif not (math.isfinite(p.low) and math.isfinite(p.high)) or not p.low < p.high:
                bad(f"parameters.{path}", f"low must be less than high "
                                          f"(got low={p.low!r}, high={p.high!r})")
            if p.values is not None:
                bad(f"parameters.{path}.values", f"values are for grid and list designs, "
                                                 f"not '{kind}'")
    if kind == "lhs" and (spec.design.n is None or spec.design.n <= 0):
        bad("design.n", f"design 'lhs' needs n, a whole number of points > 0 "
                        f"(got {spec.design.n!r})")
    if kind != "lhs" and spec.design.n is not None:
        bad("design.n", f"n is for the lhs design only (got n={spec.design.n} with '{kind}')")
    if issues:
        raise ConfigError(issues)

    paths = list(params)
    if kind == "grid":
        combos = itertools.product(*(params[p].values or [] for p in paths))
        return [Point(k, dict(zip(paths, c, strict=True))) for k, c in enumerate(combos)]
    if kind == "list":
        combos = zip(*(params[p].values or [] for p in paths), strict=True)
        return [Point(k, dict(zip(paths, c, strict=True))) for k, c in enumerate(combos)]
    if kind == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(paths), seed=spec.design.seed).random(spec.design.n or 0)
        lows = [params[p].low for p in paths]
        highs = [params[p].high for p in paths]
        scaled = qmc.scale(unit, lows, highs)
        return [Point(k, {p: float(v) for p, v in zip(paths, row, strict=True)})
                for k, row in enumerate(scaled)]
    points = [Point(0, {}, None, "base")]
    for p in paths:
        for level in ("low", "high"):
            points.append(Point(len(points), {p: getattr(params[p], level)}, p, level))
    return points


def load_sweep(path: str | Path) -> Sweep:
    """Read, validate and expand a sweep file; every problem is a ConfigError naming the key."""
    path = real_path(path)
    label = str(path)
    raw = read_yaml(path, label)
    check_values(raw, {}, label, root=SweepFile)
    try:
        spec = SweepFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(issues_from(exc, {}, label, root=SweepFile)) from None
    issues = _size_issues(spec, label)
    if issues:
        raise ConfigError(issues)

    scenarios = []
    for k, ref in enumerate(spec.scenarios):
        target = ref if ref in BUILTIN_BASES else str(resolve_ref(ref, path.parent))
        if ref not in BUILTIN_BASES and not Path(target).exists():
            raise ConfigError.single(label, f"scenarios.{k}",
                                     f"scenario file not found: {ref!r} (looked for {target}); "
                                     f"use a path relative to the sweep file, a shipped "
                                     f"scenario name or 'england'")
        scenarios.append(load_scenario(target))
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ConfigError.single(label, "scenarios", f"scenario names must differ (got {names})")

    dumps = [s.model_dump(mode="json") for s in scenarios]
    for p, param in spec.parameters.items():
        for scenario, dump in zip(scenarios, dumps, strict=True):
            current, problem = _walk(dump, p.split("."))
            if problem:
                issues.append(ConfigIssue(label, f"parameters.{p}",
                                          f"unknown config path in scenario "
                                          f"'{scenario.name}': {problem}"))
                break
            if any(isinstance(v, bool) for v in param.values or []) and current is not None \
                    and not isinstance(current, bool):
                issues.append(ConfigIssue(label, f"parameters.{p}.values",
                                          f"must be numbers, not booleans (got "
                                          f"{compact(param.values)}; YAML reads unquoted yes, "
                                          "no, on, off, true and false as booleans)"))
                break
    if issues:
        raise ConfigError(issues)

    points = _points(spec, label)
    sweep = Sweep(label, spec, scenarios, points)
    issues = run_issues(sweep.run, {}, label, ())
    if issues:
        raise ConfigError(issues)
    for point in points:
        for scenario in scenarios:
            try:
                resolved = apply(scenario, point.values)
                check_scenario(resolved, {}, label, sweep.run)
            except ValidationError as exc:
                issues.extend(ConfigIssue(
                    label, f"parameters.{i.path}",
                    f"design point {point.index} ({compact(point.values)}) is invalid for "
                    f"scenario '{scenario.name}': {i.message}")
                    for i in issues_from(exc, {}, label))
                continue
            except ConfigError as exc:
                issues.extend(ConfigIssue(label, i.path, f"design point {point.index}: {i.message}")
                              for i in exc.issues)
                continue
            sweep.configs[(point.index, scenario.name)] = resolved
        if len(issues) >= 10:
            break
    if issues:
        raise ConfigError(issues)
    return sweep
