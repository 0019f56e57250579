"""Load scenario YAML: `extends` chains, deep-merged overrides, then validation.

A scenario file may extend another (`extends: centralised.yaml`, relative to the file) or the
embedded England default (`extends: england`). Mappings merge key by key; lists and scalars
replace. We remember which file set each key, so an error names the file a planner must edit
(`errors.py` turns pydantic's errors into such lines; `checks.py` adds the cross-references).
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.config.checks import check_references
from sim.config.errors import ConfigError, Origins, issues_from
from sim.config.geography import builtin_dir
from sim.config.schema import Scenario

BUILTIN_BASES = ("england",)


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
    groups = read_yaml(folder / "service_groups.yaml", "england:service_groups.yaml")
    data = deep_merge(defaults, {"services": services, "service_groups": groups})
    _record_origins(services, "england:services.yaml", origins, ("services",))
    _record_origins(groups, "england:service_groups.yaml", origins, ("service_groups",))
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


def _validate(data: dict[str, Any], origins: Origins, label: str) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(issues_from(exc, origins, label)) from None


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
