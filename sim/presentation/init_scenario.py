"""`specsim init NAME [--from centralised]`: a commented scenario file to start from.

The file extends a shipped scenario by name, so it stays small and keeps up with the shipped
data; it lists, commented out, the keys planners change most with the value they have now
(read from the resolved parent, so every number shown is the one that will be simulated) and
where that value came from. It never overwrites a file.
"""

from __future__ import annotations

import json
from pathlib import Path

from sim.config.geography import shipped_scenarios
from sim.config.limits import name_problem
from sim.config.loader import resolve
from sim.presentation.arguments import UsageError
from sim.presentation.show import shown_values

COMMON_KEYS = (
    "commissioning.default",
    "commissioning.ics.out_of_area_weight",
    "commissioning.ics.approval_delay_days",
    "commissioning.ics.access_rate",
    "commissioning.ics.localise.enabled",
    "commissioning.ics.localise.threshold_share_of_min_volume",
    "pathway.handover_delay_days",
    "services.cardiac_surgery.incidence_per_100k",
    "services.cardiac_surgery.min_unit_volume",
    "run.years",
    "run.warmup_days",
    "run.replications",
)
"""The keys `init` offers, commented out, with the parent's value (grouped by top-level key,
so uncommenting them all gives valid YAML)."""


def _block(key: str, value: object, depth: int, note: str) -> list[str]:
    parts = key.split(".")
    lines = [f"#{'  ' * i} {part}:" for i, part in enumerate(parts[:-1]) if i >= depth]
    lines.append(f"#{'  ' * (len(parts) - 1)} {parts[-1]}: {json.dumps(value)}  # {note}")
    return lines


def scenario_text(name: str, parent: str) -> str:
    """The commented scenario file `init` writes for `name`, extending shipped `parent`."""
    resolved = resolve(parent)
    values = {v.key: v for v in shown_values(resolved)}
    lines = [f"# {name}: a scenario extending the shipped '{parent}' scenario",
             f"# ({resolved.scenario.description.strip()})",
             "#",
             "# Only what you write here changes; everything else comes from the parent.",
             "# Mappings merge key by key; lists and single values replace the parent's.",
             f"# See every resolved value and where it was set:  specsim show {parent} [KEY]",
             f"# Check this file:  specsim validate {name}.yaml",
             f"# Run it against its parent:  specsim compare {parent} {name}.yaml "
             f"--baseline {parent}",
             "",
             f"extends: {parent}",
             f"name: {name}",
             "description: >-",
             f"  What {name} changes and why (one or two sentences for the report).",
             "",
             "# Keys planners change most, with the parent's value today. Uncomment to change.",
             "# After each: [file that set it] cited/derived/illustrative: source"]
    previous: list[str] = []
    for key in COMMON_KEYS:
        row = values.get(key)
        if row is None:
            continue
        parts = key.split(".")
        depth = next((i for i, (a, b) in enumerate(zip(parts, previous, strict=False)) if a != b),
                     min(len(parts), len(previous)))
        note = f"[{Path(row.set_in).name}] {row.provenance}".strip()
        lines.extend(_block(key, row.value, depth, note[:80]))
        previous = parts[:-1]
    return "\n".join(lines) + "\n"


def init_scenario(name: str, parent: str = "centralised", folder: Path = Path(".")) -> Path:
    """Write `folder/name.yaml` extending shipped `parent`; refuse to overwrite a file."""
    problem = name_problem(name)
    if problem:
        raise UsageError(f"init: NAME {problem}")
    shipped = shipped_scenarios()
    if parent not in shipped:
        raise UsageError(f"init --from: {parent!r} is not a shipped scenario; allowed: "
                         f"{', '.join(shipped)}")
    path = Path(folder) / f"{name}.yaml"
    text = scenario_text(name, parent)
    try:
        with open(path, "x", encoding="utf-8") as handle:  # "x": never overwrite
            handle.write(text)
    except FileExistsError:
        raise UsageError(f"init: {path} already exists; choose another NAME or remove "
                         "the file") from None
    return path
