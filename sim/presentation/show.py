"""`specsim show SCENARIO [KEY]`: the resolved values of a scenario, and where each was set.

A planner should see what a scenario will simulate before changing it: every value after the
`extends` chain is merged, the file that set it (or `default`: the schema's default), and its
provenance where the data says (`cited:`, `derived:` or `illustrative:` from a service's
`sources` entry, or the comment beside it in the England `defaults.yaml`). A provenance note is
shown only when it was written in the same file as the value, so a value a scenario overrides
never borrows the note of the number it replaced.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sim.config.errors import Origins
from sim.config.geography import builtin_dir
from sim.config.loader import Resolved, resolve
from sim.presentation.arguments import UsageError

DEFAULT = "default"
"""`set_in` of a value no file sets: the schema's default."""
KINDS = ("cited", "derived", "illustrative")
# a `key: value  # note` line of a YAML mapping (keys may hold spaces: collaborative names)
_LINE = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z_][\w ]*):(?P<value>[^#]*)(#\s*(?P<note>.*))?$")


@dataclass(frozen=True)
class ShownValue:
    """One resolved leaf value: its dotted key, value, the file that set it, and provenance."""

    key: str
    value: Any
    set_in: str
    provenance: str = ""

    @property
    def kind(self) -> str:
        """cited / derived / illustrative, or '' when the data does not say."""
        head = self.provenance.split(":", 1)[0].strip()
        return head if head in KINDS else ""


def _flatten(value: Any, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    if isinstance(value, dict) and value:
        return [leaf for k, v in value.items() for leaf in _flatten(v, (*prefix, str(k)))]
    if isinstance(value, list) and value and any(isinstance(v, dict | list) for v in value):
        return [leaf for i, v in enumerate(value) for leaf in _flatten(v, (*prefix, str(i)))]
    return [(prefix, value)]


def set_in(path: tuple[str, ...], origins: Origins) -> str:
    """The file that set `path`: its own entry, or that of the list it is an item of; else
    `default`."""
    if path in origins:
        return origins[path]
    for n in range(len(path) - 1, 0, -1):
        if path[n].isdigit() and path[:n] in origins:
            return origins[path[:n]]
    return DEFAULT


def commented_lines(text: str) -> Iterator[tuple[tuple[str, ...], str, str]]:
    """(key path, value as written, comment) of every `key: value  # comment` line of a block
    YAML mapping, paths from indentation: how the provenance written beside the values of
    `defaults.yaml` is read (here and by `scripts/parameter_table.py`)."""
    stack: list[tuple[int, str]] = []
    for line in text.splitlines():
        match = _LINE.match(line)
        if not match or line.lstrip().startswith("#"):
            continue
        indent = len(match["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, match["key"].strip()))
        yield tuple(k for _, k in stack), match["value"].strip(), (match["note"] or "").strip()


@lru_cache(maxsize=1)
def default_notes() -> dict[tuple[str, ...], str]:
    """The comment beside each value of the England `defaults.yaml`, by key path."""
    text = (builtin_dir() / "defaults.yaml").read_text(encoding="utf-8")
    return {path: note for path, _, note in commented_lines(text) if note}


def _provenance(path: tuple[str, ...], where: str, config: dict[str, Any],
                origins: Origins) -> str:
    """The source note of a value, when the file that set the value also wrote the note."""
    if where == "england:defaults.yaml":
        return default_notes().get(path, "")
    if len(path) < 3 or path[0] not in ("services", "service_groups") or path[2] == "sources":
        return ""
    if path[2] == "units" and len(path) > 3:  # a unit is a real designated centre or not
        unit = config[path[0]][path[1]]["units"][int(path[3])]
        return f"{unit['designation']}: unit placement" if unit.get("designation") else ""
    sources = (config.get(path[0], {}).get(path[1]) or {}).get("sources") or {}
    rest = path[2:]
    for n in range(len(rest), 0, -1):
        name = ".".join(rest[:n])
        if name in sources and set_in((*path[:2], "sources", name), origins) == where:
            return str(sources[name])
    return ""


def shown_values(resolved: Resolved, key: str | None = None) -> list[ShownValue]:
    """Every resolved leaf value under `key` (a dotted prefix; all when None), with the file
    that set it and its provenance. `sources` notes are folded into the provenance."""
    config = resolved.scenario.model_dump(mode="json")
    prefix = tuple(key.split(".")) if key else ()
    rows = []
    folded: set[tuple[str, ...]] = set()
    for path, value in _flatten(config):
        if path[:len(prefix)] != prefix:
            continue
        if len(path) > 2 and path[2] == "sources" and len(prefix) < 3:
            continue
        if len(path) > 3 and path[2] == "units" and len(prefix) < 3:  # one line per list
            if path[:3] not in folded:
                folded.add(path[:3])
                count = len(config[path[0]][path[1]]["units"])
                rows.append(ShownValue(".".join(path[:3]), f"{count} units (show KEY "
                                       f"{'.'.join(path[:3])} lists them)",
                                       set_in(path[:3], resolved.origins)))
            continue
        where = set_in(path, resolved.origins)
        rows.append(ShownValue(".".join(path), value, where,
                               _provenance(path, where, config, resolved.origins)))
    if not rows:
        allowed = sorted({".".join(p[:2]) for p, _ in _flatten(config)})
        close = [k for k in allowed if key and k.startswith(key.split(".")[0])][:8]
        raise UsageError(f"show {resolved.scenario.name}: no key {key!r}; keys start with "
                         f"{', '.join(close or allowed[:12])}, ...")
    return rows


def _short(where: str, home: Path) -> str:
    if where in (DEFAULT,) or where.startswith("england:"):
        return where
    try:
        return str(Path(where).relative_to(home))
    except ValueError:
        return where


def show_lines(ref: str, key: str | None = None, width: int = 90) -> list[str]:
    """What `specsim show` prints: one line per value, `key = value  [file] provenance`;
    notes are cut to `width` characters unless one KEY was asked for."""
    resolved = resolve(ref)
    rows = shown_values(resolved, key)
    home = Path.cwd()
    lines = [f"# {resolved.scenario.name}: {len(rows)} values; [where set] "
             "cited/derived/illustrative: source"]
    for row in rows:
        value = json.dumps(row.value, ensure_ascii=False)
        note = row.provenance if key or len(row.provenance) <= width \
            else row.provenance[:width - 3] + "..."
        lines.append(f"{row.key} = {value}  [{_short(row.set_in, home)}]"
                     + (f"  {note}" if note else ""))
    return lines
