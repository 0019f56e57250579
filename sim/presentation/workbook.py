"""`specsim workbook SCENARIO --out FILE.xlsx`: a scenario's parameters as a workbook to fill.

Typing YAML lists of 42 ICSs and 201 providers is no way to bring local data: the workbook has
the resolved values of a scenario in the sheets a planner works in (services, units and their
capacities, ICS groupings, the commissioning plan and each arrangement's rules, the shared
settings, service groups and the source notes), names beside the codes, and reads back as a
scenario (`sim/config/workbook.py` has the layout and the reader). Unchanged, it resolves to
exactly the values of the scenario it was written from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.config.geography import load_geography
from sim.config.loader import resolve
from sim.config.workbook import (
    ARRANGEMENT_COLUMNS,
    DEFAULT_ROW,
    GROUPINGS,
    GROUPS,
    INFO,
    PLAN,
    README,
    RULES,
    SCENARIO,
    SERVICES,
    SOURCES,
    UNIT_COLUMNS,
    UNITS,
)
from sim.experiment.store import write_atomic
from sim.presentation.arguments import UsageError
from sim.presentation.excel import workbook_bytes
from sim.presentation.names import Names

README_TEXT = (
    "This workbook is a specsim scenario. Change values, then run it like a scenario file: "
    "specsim validate FILE.xlsx, specsim show FILE.xlsx [KEY], specsim run FILE.xlsx, "
    "specsim compare centralised FILE.xlsx.",
    "Row 1 of every sheet is the header. Columns marked (info) are for reading only and are "
    "ignored. Empty rows are skipped.",
    "Each sheet holds its part whole: a row you delete is gone (a service, a unit, an ICS of "
    "a collaborative), and an empty cell takes the model's default (specsim show prints it).",
    "scenario: what the workbook builds on (extends: england, a shipped scenario or a file), "
    "its name and description, the shared pathway and run settings.",
    "services: one row per service (days, GBP at 2023-24 prices, episodes per year); "
    "durations are a kind (exponential, lognormal, gamma, fixed), a mean and a cv.",
    "units: one row per unit: the service, the provider (trust code), slots (treatment "
    "places), national_centre (TRUE/FALSE), designation (cited: a real designated centre; "
    "illustrative: placed by a rule) and the unit's own name where a trust runs more than one.",
    "ICS groupings: the ICSs of each collaborative (joint committee), one row per member.",
    "commissioning: the default arrangement (national, regional, ics, collaborative) and any "
    "service with an arrangement of its own; rules: each arrangement's rules.",
    "sources: where each service parameter comes from (cited / derived / illustrative). "
    "Update the note when you change a value.",
    "An error names the sheet, row and column of the cell to fix.",
)


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}{key}."))
        return out
    return {prefix[:-1]: value}


def _table(items: dict[str, dict[str, Any]], skip: tuple[str, ...]) -> pd.DataFrame:
    """One row per item, one column per dotted parameter; a parameter that is a mapping in
    some rows and empty in others keeps only its dotted columns."""
    rows = [{"id": key, **_flatten({k: v for k, v in item.items() if k not in skip})}
            for key, item in items.items()]
    columns = list(dict.fromkeys(["id", *(c for row in rows for c in row)]))
    columns = [c for c in columns if not any(o.startswith(f"{c}.") for o in columns)]
    return pd.DataFrame([[row.get(c) for c in columns] for row in rows], columns=columns,
                        dtype=object)


def _frame(rows: list[list[Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns, dtype=object)


def workbook_sheets(ref: str) -> list[tuple[str, pd.DataFrame]]:
    """The sheets of the parameter workbook of scenario `ref`, in order."""
    resolved = resolve(ref)
    scenario = resolved.scenario
    config = scenario.model_dump(mode="json")
    icss, providers = load_geography(scenario.geography)
    names = Names.of(icss, providers, scenario)
    host = {p.code: p.icb_code for p in providers}
    extends = "england" if scenario.geography.dataset == "england" else resolved.label
    settings = [["extends", extends], ["name", config["name"]],
                ["description", config["description"]]]
    settings += [[key, value] for section in ("pathway", "run")
                 for key, value in _flatten(config[section], f"{section}.").items()]
    units = [[sid, u["provider"], u["slots"], u["national_centre"], u["designation"], u["name"],
              names.trust(u["provider"]), names.ics(host.get(u["provider"], ""))]
             for sid, service in config["services"].items() for u in service["units"]]
    groupings = [[group, code, names.ics(code), names.region(code)]
                 for group, members in config["commissioning"]["collaboratives"].items()
                 for code in members]
    plan = [[DEFAULT_ROW, config["commissioning"]["default"], ""]]
    plan += [[sid, config["commissioning"]["services"].get(sid),
              scenario.commissioning.arrangement_for(sid, service.delegable)]
             for sid, service in scenario.services.items()]
    plan += [[sid, arrangement, ""] for sid, arrangement
             in config["commissioning"]["services"].items() if sid not in scenario.services]
    rules = {a: _flatten(config["commissioning"][a]) for a in ARRANGEMENT_COLUMNS}
    sources = [[section, item, parameter, note]
               for section in ("services", "service_groups")
               for item, entry in config[section].items()
               for parameter, note in entry["sources"].items()]
    return [
        (README, _frame([[line] for line in README_TEXT], ["how to use this workbook"])),
        (SCENARIO, _frame(settings, ["key", "value"])),
        (SERVICES, _table(config["services"], ("units", "sources"))),
        (UNITS, _frame(units, [*UNIT_COLUMNS, f"trust {INFO}", f"ICS of the trust {INFO}"])),
        (GROUPINGS, _frame(groupings, ["collaborative", "ics", f"ICS name {INFO}",
                                       f"region {INFO}"])),
        (PLAN, _frame(plan, ["service", "arrangement", f"in effect {INFO}"])),
        (RULES, _frame([[p, *(rules[a][p] for a in ARRANGEMENT_COLUMNS)]
                        for p in rules["national"]], ["parameter", *ARRANGEMENT_COLUMNS])),
        (GROUPS, _table(config["service_groups"], ("sources",))),
        (SOURCES, _frame(sources, ["section", "id", "parameter", "note"])),
    ]


def write_workbook(ref: str, out: Path, force: bool = False) -> Path:
    """Write the parameter workbook of scenario `ref` to `out` (.xlsx); refuse to overwrite
    an existing file unless `force`."""
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"--out {out}: must end in .xlsx")
    if out.exists() and not force:
        raise UsageError(f"--out {out}: already exists; give another name or --force to "
                         "replace it")
    write_atomic(out, workbook_bytes(workbook_sheets(ref), formats=False))
    return out

