"""Load scenario YAML: `extends` chains, deep-merged overrides, then validation.

A scenario file may extend another (`extends: centralised.yaml`, relative to the file) or the
embedded England default (`extends: england`). Mappings merge key by key; lists and scalars
replace. A distribution (`treatment_days`, ...) that names its `kind` replaces the parent's
distribution whole (a new kind never inherits the old one's `cv`); without `kind` it merges
(`{mean: 6}` changes only the mean). We remember which file set each key, so an error names the
file a planner must edit (`errors.py` turns pydantic's errors into such lines; `checks.py` adds
the cross-references and the limits). Files are read within bounds by `reading.py`.

A reference that is not an existing file but the bare name of a shipped scenario
(`centralised`, ...: `sim/data/scenarios`, installed with the package) loads the shipped one,
so `specsim run centralised` and `extends: centralised` work from any folder. Every error met
while following `extends` names the chain of files (`a.yaml -> b.yaml -> c.yaml`).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.config.checks import check_scenario, check_values
from sim.config.errors import ConfigError, ConfigIssue, Origins, issues_from, model_at
from sim.config.geography import builtin_dir, shipped_scenarios
from sim.config.limits import MAX_EXTENDS
from sim.config.reading import FileReadError, read_yaml, real_path
from sim.config.schema import Distribution, Scenario
from sim.config.workbook import SECTIONS, read_workbook

BUILTIN_BASES = ("england",)


def _record_origins(data: Any, file: str, origins: Origins, prefix: tuple[str, ...] = ()) -> None:
    origins[prefix] = file
    if isinstance(data, dict):
        for key, value in data.items():
            _record_origins(value, file, origins, (*prefix, str(key)))


def deep_merge(base: dict[str, Any], override: dict[str, Any],
               replaces: Callable[[tuple[str, ...], dict[str, Any]], bool] | None = None,
               path: tuple[str, ...] = ()) -> dict[str, Any]:
    """Merge `override` into a copy of `base`: mappings recursively, anything else replaced;
    a mapping for which `replaces(path, mapping)` is true replaces too."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        here = (*path, str(key))
        if (isinstance(value, dict) and isinstance(merged.get(key), dict)
                and not (replaces and replaces(here, value))):
            merged[key] = deep_merge(merged[key], value, replaces, here)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def replaces_distribution(path: tuple[str, ...], override: dict[str, Any]) -> bool:
    """A distribution override naming its `kind` is a new distribution, not a patch."""
    return "kind" in override and model_at(path) is Distribution


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


def resolve_ref(ref: str, relative_to: Path | None = None) -> Path:
    """The file a scenario reference names: a path (relative to the extending file's folder),
    or, when no such file exists, the shipped scenario of that bare name (`centralised`)."""
    path = Path(ref)
    if relative_to is not None and not path.is_absolute():
        path = relative_to / path
    shipped = shipped_scenarios()
    if ref in shipped and not path.exists():
        return shipped[ref]
    return path


def chain_text(files: tuple[str, ...]) -> str:
    """`a.yaml -> b.yaml -> c.yaml`: the extends chain as a planner reads it."""
    return " -> ".join(Path(f).name if f not in BUILTIN_BASES else f for f in files)


def _load_raw(
    ref: str, relative_to: Path | None, chain: tuple[str, ...],
    chains: dict[str, tuple[str, ...]] | None = None,
) -> tuple[dict[str, Any], Origins]:
    """Resolve `ref` (a path, a shipped name or a builtin name) and its `extends` chain into
    one raw mapping; `chains` records how each file was reached (for error lines)."""
    if ref in BUILTIN_BASES:
        return _builtin_england()
    path = real_path(resolve_ref(ref, relative_to))
    label = str(path)
    if label in chain:
        cycle = " -> ".join([*chain[chain.index(label) :], label])
        raise ConfigError.single(label, "extends", f"extends cycle: {cycle}")
    if len(chain) >= MAX_EXTENDS:
        raise ConfigError.single(chain[-1], "extends", f"an extends chain may be at most "
                                 f"{MAX_EXTENDS} files long (got more, ending at {label}; "
                                 f"chain: {chain_text((*chain, label))})")
    if chains is not None:
        chains[label] = (*chain, label)
    cells: Origins | None = None
    if path.suffix.lower() == ".xlsx":  # a parameter workbook: each value's origin is its cell
        own, cells = read_workbook(path, label)
    else:
        own = read_yaml(path, label)
    parent_ref = own.pop("extends", None)
    data = own
    origins: Origins = {}
    if parent_ref is not None:
        here = (*chain, label)
        if not isinstance(parent_ref, str) or not parent_ref:
            raise ConfigError.single(
                label,
                "extends",
                f"must be a file path, a shipped scenario ({', '.join(shipped_scenarios())}) "
                f"or one of {list(BUILTIN_BASES)} (got {parent_ref!r}; chain: "
                f"{chain_text(here)})",
            )
        try:
            base, origins = _load_raw(parent_ref, path.parent, here, chains)
        except FileReadError as exc:  # the reference is wrong, not the file it points at
            problem = exc.issues[0]
            target = "" if problem.file == parent_ref else f" ({problem.file})"
            raise ConfigError.single(label, "extends", f"{parent_ref!r}{target} "
                                     f"{problem.message} (chain: "
                                     f"{chain_text((*here, parent_ref))})") from None
        except ConfigError as exc:  # inside a parent: say how the parent was reached
            raise ConfigError([_via(issue, here) for issue in exc.issues]) from None
        if cells is None:
            data = deep_merge(base, own, replaces_distribution)
        else:  # a workbook holds its sections whole
            data = deep_merge(base, own, lambda at, _: len(at) == 1 and at[0] in SECTIONS)
            origins = {k: v for k, v in origins.items() if not (k and k[0] in SECTIONS)}
    _record_origins(own, label, origins)
    origins.update(cells or {})
    data.setdefault("name", path.stem)
    origins.setdefault(("name",), label)
    return data, origins


def _via(issue: ConfigIssue, chain: tuple[str, ...]) -> ConfigIssue:
    """An issue in a file reached through `extends`, with the chain that reached it."""
    if issue.file in chain[:1] or "chain:" in issue.message or "extends cycle" in issue.message:
        return issue
    return ConfigIssue(issue.file, issue.path,
                       f"{issue.message} (chain: {chain_text((*chain, issue.file))})")


def _validate(data: dict[str, Any], origins: Origins, label: str) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(issues_from(exc, origins, label)) from None


@dataclass(frozen=True)
class Resolved:
    """A validated scenario and where each key was set (`origins`: key path -> file label;
    a key path absent from it holds the schema default), for `specsim show`."""

    scenario: Scenario
    origins: Origins
    label: str


def load_scenario(ref: str | Path) -> Scenario:
    """Load, merge and validate one scenario file (or the builtin name `england`)."""
    return resolve(ref).scenario


def resolve(ref: str | Path) -> Resolved:
    """`load_scenario` keeping the origin of every key."""
    ref = str(ref)
    label = ref if ref in BUILTIN_BASES else str(real_path(resolve_ref(ref)))
    chains: dict[str, tuple[str, ...]] = {}
    data, origins = _load_raw(ref, None, (), chains)
    if ref in BUILTIN_BASES:
        data.setdefault("name", ref)
    try:
        check_values(data, origins, label)
        scenario = _validate(data, origins, label)
        check_scenario(scenario, origins, label)
    except ConfigError as exc:  # a value set in a parent file: name the chain to it
        raise ConfigError([_via(i, chains[i.file][:-1]) if len(chains.get(i.file, ())) > 1
                           else i for i in exc.issues]) from None
    return Resolved(scenario, origins, label)


def config_hash(scenario: Scenario) -> str:
    """A stable hash of the resolved configuration, stored with every result."""
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def value_at(config: dict[str, Any], path: str) -> Any:
    """The value at a dotted path ('pathway.handover_delay_days') of a resolved config as
    stored in run.json, or None where the path does not exist."""
    node: Any = config
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
