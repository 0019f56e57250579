"""Load scenario YAML: `extends` chains, deep-merged overrides, validation, clear errors.

A scenario file may extend another (`extends: centralised.yaml`, relative to the file) or the
embedded England default (`extends: england`). Mappings merge key by key; lists and scalars
replace. We remember which file set each key, so an error names the file a planner must edit.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import types
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.config.arrangements import ARRANGEMENTS, not_delegated_names
from sim.config.errors import ConfigError, ConfigIssue
from sim.config.geography import builtin_dir, load_geography
from sim.config.schema import Scenario, Service

BUILTIN_BASES = ("england",)
_SOURCE_PREFIXES = ("cited:", "derived:", "illustrative:")

Origins = dict[tuple[str, ...], str]


def read_yaml(path: Path, label: str | None = None) -> dict[str, Any]:
    """Read one YAML mapping with `yaml.safe_load`; any failure is a one-line ConfigError."""
    label = label or str(path)
    if not path.exists():
        raise ConfigError.single(label, "", "file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError.single(label, "", f"not valid YAML at {where}: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError.single(
            label, "", f"must be a mapping of keys to values (got a {type(data).__name__})"
        )
    return data


def _record_origins(data: Any, file: str, origins: Origins, prefix: tuple[str, ...] = ()) -> None:
    origins[prefix] = file
    if isinstance(data, dict):
        for key, value in data.items():
            _record_origins(value, file, origins, (*prefix, str(key)))


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge `override` into a copy of `base`: mappings recursively, anything else replaced."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _builtin_england() -> tuple[dict[str, Any], Origins]:
    """The embedded England default: shared defaults, the service catalogue and its network."""
    folder = builtin_dir()
    origins: Origins = {}
    defaults = read_yaml(folder / "defaults.yaml", "england:defaults.yaml")
    _record_origins(defaults, "england:defaults.yaml", origins)
    services = read_yaml(folder / "services.yaml", "england:services.yaml")
    network = read_yaml(folder / "network.yaml", "england:network.yaml")
    for sid, units in network.items():
        services.setdefault(sid, {})["units"] = units
    data = deep_merge(defaults, {"services": services})
    _record_origins(services, "england:services.yaml", origins, ("services",))
    for sid in network:
        _record_origins(network[sid], "england:network.yaml", origins, ("services", sid, "units"))
    return data, origins


def _load_raw(
    ref: str, relative_to: Path | None, chain: tuple[str, ...]
) -> tuple[dict[str, Any], Origins]:
    """Resolve `ref` (a path or a builtin name) and its `extends` chain into one raw mapping."""
    if ref in BUILTIN_BASES:
        return _builtin_england()
    path = Path(ref)
    if relative_to is not None and not path.is_absolute():
        path = relative_to / path
    path = path.resolve()
    label = str(path)
    if label in chain:
        cycle = " -> ".join([*chain[chain.index(label) :], label])
        raise ConfigError.single(label, "extends", f"extends cycle: {cycle}")
    own = read_yaml(path, label)
    parent_ref = own.pop("extends", None)
    data = own
    origins: Origins = {}
    if parent_ref is not None:
        if not isinstance(parent_ref, str) or not parent_ref:
            raise ConfigError.single(
                label,
                "extends",
                f"must be a file path or one of {list(BUILTIN_BASES)} (got {parent_ref!r})",
            )
        base, origins = _load_raw(parent_ref, path.parent, (*chain, label))
        data = deep_merge(base, own)
    _record_origins(own, label, origins)
    data.setdefault("name", path.stem)
    origins.setdefault(("name",), label)
    return data, origins


def _file_for(path: tuple[str, ...], origins: Origins, fallback: str) -> str:
    for n in range(len(path), -1, -1):
        if path[:n] in origins:
            return origins[path[:n]]
    return fallback


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Optional/Annotated/list/dict, for suggesting field names."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for a in typing.get_args(annotation) for t in _unwrap(a)]
    if origin in (list, dict):
        return [("container", typing.get_args(annotation)[-1])]
    return [annotation]


def model_at(loc: Iterable[Any]) -> type[BaseModel] | None:
    """The pydantic model that owns the keys at `loc` (None when loc is inside a plain dict)."""
    current: Any = Scenario
    for part in loc:
        if isinstance(current, tuple):  # a container: the next loc part is its key/index
            current = current[1]
            if isinstance(current, type) and issubclass(current, BaseModel):
                continue
            return None
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        candidates = [
            t
            for t in _unwrap(field.annotation)
            if isinstance(t, tuple) or (isinstance(t, type) and issubclass(t, BaseModel))
        ]
        if not candidates:
            return None
        current = candidates[0]
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current
    return None


def suggest(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' when a close match exists, else ''."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def issue_from_pydantic(err: dict[str, Any], origins: Origins, fallback: str) -> ConfigIssue:
    loc = tuple(str(p) for p in err["loc"])
    # pydantic appends the tag of a union member or a validator name; keep only real keys
    loc = tuple(p for p in loc if not p.startswith("function-") and p not in ("int", "float"))
    file = _file_for(loc, origins, fallback)
    path = ".".join(loc)
    value = err.get("input")
    if err["type"] == "extra_forbidden":
        owner = model_at(loc[:-1])
        allowed = sorted(owner.model_fields) if owner else []
        hint = suggest(loc[-1], allowed)
        return ConfigIssue(
            file, path, f"unknown key '{loc[-1]}'{hint}; allowed keys: {', '.join(allowed)}"
        )
    if err["type"] == "missing":
        return ConfigIssue(file, path, "required key is missing")
    message = err["msg"].removeprefix("Value error, ")
    shown = value if not isinstance(value, dict | list) else type(value).__name__
    return ConfigIssue(file, path, f"{message} (got {shown!r})")


def _validate(data: dict[str, Any], origins: Origins, label: str) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        issues = [issue_from_pydantic(e, origins, label) for e in exc.errors()]
        raise ConfigError(issues) from None


SOURCE_KEYS = frozenset(
    [f for f in Service.model_fields if f not in ("name", "units", "sources", "outcome")]
    + [f"outcome.{f}" for f in ("p_floor", "p_ceiling", "v_half", "k", "extra_days",
                                "extra_cost_gbp", "escalation_share")]
)


def check_references(scenario: Scenario, origins: Origins, label: str) -> None:
    """Cross-reference checks pydantic cannot do alone: codes that must exist elsewhere."""
    icss, providers = load_geography(scenario.geography)
    icb_codes = {i.code for i in icss}
    provider_codes = {p.code for p in providers}
    issues: list[ConfigIssue] = []

    def add(path: tuple[str, ...], message: str) -> None:
        issues.append(ConfigIssue(_file_for(path, origins, label), ".".join(path), message))

    for i, provider in enumerate(providers):
        if provider.icb_code not in icb_codes:
            add(("geography", "providers", str(i), "icb_code"),
                f"unknown ICS code {provider.icb_code!r}{suggest(provider.icb_code, icb_codes)}")
    for sid, service in scenario.services.items():
        seen: set[str] = set()
        for j, unit in enumerate(service.units):
            path = ("services", sid, "units", str(j), "provider")
            if unit.provider not in provider_codes:
                add(path, f"unknown provider code {unit.provider!r}"
                          f"{suggest(unit.provider, provider_codes)}")
            elif unit.provider in seen:
                add(path, f"provider {unit.provider!r} has two units for this service")
            seen.add(unit.provider)
        for key, text in service.sources.items():
            if key not in SOURCE_KEYS:
                add(("services", sid, "sources", key),
                    f"unknown parameter {key!r}{suggest(key, SOURCE_KEYS)}")
            elif not text.startswith(_SOURCE_PREFIXES):
                add(("services", sid, "sources", key),
                    f"must start with one of {list(_SOURCE_PREFIXES)} (got {text!r})")
    commissioning = scenario.commissioning
    for sid, arrangement in commissioning.services.items():
        path = ("commissioning", "services", sid)
        if sid not in scenario.services:
            add(path, f"unknown service {sid!r}{suggest(sid, scenario.services)}; "
                      f"services: {', '.join(sorted(scenario.services))}")
        elif not scenario.services[sid].delegable and ARRANGEMENTS[arrangement].delegated:
            add(path, f"service {sid!r} is not delegable (delegable: false) and cannot be "
                      f"commissioned as {arrangement!r}; allowed: "
                      f"{', '.join(not_delegated_names())}")
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
    uses_collaborative = any(
        ARRANGEMENTS[arrangement_of(scenario, sid)].footprint == "joint_committee"
        for sid in scenario.services
    )
    if uses_collaborative:
        missing = sorted(icb_codes - set(member_of))
        if missing:
            add(("commissioning", "collaboratives"),
                f"every ICS must belong to a collaborative when a service is commissioned "
                f"collaboratively; missing: {', '.join(missing[:5])}"
                + (f" and {len(missing) - 5} more" if len(missing) > 5 else ""))
    if issues:
        raise ConfigError(issues)


def arrangement_of(scenario: Scenario, service_id: str) -> str:
    """The commissioning arrangement of a service (see `Commissioning.arrangement_for`)."""
    return scenario.commissioning.arrangement_for(service_id,
                                                  scenario.services[service_id].delegable)


def load_scenario(ref: str | Path) -> Scenario:
    """Load, merge and validate one scenario file (or the builtin name `england`)."""
    ref = str(ref)
    label = ref if ref in BUILTIN_BASES else str(Path(ref).resolve())
    data, origins = _load_raw(ref, None, ())
    if ref in BUILTIN_BASES:
        data.setdefault("name", ref)
    scenario = _validate(data, origins, label)
    check_references(scenario, origins, label)
    return scenario


def config_hash(scenario: Scenario) -> str:
    """A stable hash of the resolved configuration, stored with every result."""
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
