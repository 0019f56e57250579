"""A scenario as an Excel workbook: the sheets a planner fills, read back as a scenario.

`specsim workbook SCENARIO --out FILE.xlsx` writes one (sim/presentation/workbook.py); any
command that takes a scenario takes the .xlsx in its place. The loader reads it here into the
same raw mapping a YAML file gives, with the origin of every value being its cell, so the same
validation reports `book.xlsx [sheet 'units', row 12, column D 'slots']: ...: must be ...`.

Layout (row 1 of every sheet is the header; a column whose header ends in `(info)` is for
reading only and ignored; empty rows are skipped):

* `scenario`: `key | value` rows: `extends` (what the workbook builds on: `england`, a shipped
  name or a file), `name`, `description`, then every `pathway.*` and `run.*` value.
* `services`: one row per service: `id`, then one column per parameter (`treatment_days.mean`).
* `units`: one row per unit: `service`, `provider`, `slots`, `national_centre`, `designation`,
  `name`.
* `ICS groupings`: one row per member ICS of a collaborative: `collaborative`, `ics`.
* `commissioning`: `service | arrangement`: the `(default)` row, then services with an
  arrangement of their own (blank: the default's).
* `rules`: `parameter | national | regional | ics | collaborative`: each arrangement's rules.
* `service groups`: one row per service group, like `services`.
* `sources`: `section | id | parameter | note`: the provenance notes.

Every section in the workbook is whole: it replaces the section of what it extends, and an
empty cell (or a missing row) is the schema's default, as `specsim show` prints it.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path
from typing import Any

from sim.config.errors import ConfigError, Origins
from sim.config.reading import read_bytes

SCENARIO, SERVICES, UNITS = "scenario", "services", "units"
GROUPINGS, PLAN, RULES = "ICS groupings", "commissioning", "rules"
GROUPS, SOURCES, README = "service groups", "sources", "read me"
SHEETS = (SCENARIO, SERVICES, UNITS, GROUPINGS, PLAN, RULES, GROUPS, SOURCES)
"""The sheets a scenario workbook must have (a `read me` sheet may come first)."""
INFO = "(info)"
DEFAULT_ROW = "(default)"
ARRANGEMENT_COLUMNS = ("national", "regional", "ics", "collaborative")
UNIT_COLUMNS = ("service", "provider", "slots", "national_centre", "designation", "name")
SECTIONS = ("services", "service_groups", "commissioning", "pathway", "run")
"""Top-level sections a workbook holds whole (they replace those of what it extends)."""
MAX_ROWS = 20_000
"""Rows read per sheet at most (the England default needs about 400)."""


def _letter(column: int) -> str:
    name = ""
    while column:
        column, rest = divmod(column - 1, 26)
        name = chr(65 + rest) + name
    return name


class _Sheet:
    """One sheet's header and rows, with a label per cell for error lines."""

    def __init__(self, label: str, title: str, rows: list[tuple[Any, ...]]):
        self.label, self.title = label, title
        header = [str(h).strip() if h is not None else "" for h in (rows[0] if rows else ())]
        self.columns = {h: i for i, h in enumerate(header) if h and not h.endswith(INFO)}
        self.rows = [(n + 2, row) for n, row in enumerate(rows[1:])
                     if any(_value(v) is not None for v in row)]

    def where(self, row: int, column: str | None = None) -> str:
        if column is None:
            return f"{self.label} [sheet '{self.title}', row {row}]"
        letter = _letter(self.columns[column] + 1) if column in self.columns else "?"
        return f"{self.label} [sheet '{self.title}', row {row}, column {letter} '{column}']"

    def get(self, row: tuple[Any, ...], column: str) -> Any:
        index = self.columns.get(column)
        return _value(row[index]) if index is not None and index < len(row) else None

    def need(self, *columns: str) -> None:
        missing = [c for c in columns if c not in self.columns]
        if missing:
            raise ConfigError.single(f"{self.label} [sheet '{self.title}', row 1]", "",
                                     f"no column {missing[0]!r}; the header row needs "
                                     f"{', '.join(columns)}")


def _value(cell: Any) -> Any:
    """A cell as the scenario value: text stripped ('' is empty), dates as ISO text."""
    if isinstance(cell, str):
        cell = cell.strip()
        return cell or None
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat()
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    return cell


def _put(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value


def _open(path: Path, label: str) -> dict[str, _Sheet]:
    data = read_bytes(path, label)  # within the file-size limit, a regular file
    try:
        from openpyxl import load_workbook
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ConfigError.single(label, "", f"is not an Excel workbook (.xlsx) that can be "
                                 f"read ({type(exc).__name__}: {str(exc)[:120]})") from None
    sheets = {}
    for title in book.sheetnames:
        rows = []
        for row in book[title].iter_rows(values_only=True):
            rows.append(row)
            if len(rows) > MAX_ROWS + 1:
                raise ConfigError.single(f"{label} [sheet '{title}']", "",
                                         f"more than {MAX_ROWS:,} rows")
        sheets[title] = _Sheet(label, title, rows)
    book.close()
    missing = [t for t in SHEETS if t not in sheets]
    if missing:
        raise ConfigError.single(label, "", f"no sheet {missing[0]!r}; a scenario workbook has "
                                 f"the sheets {', '.join(SHEETS)} (write one with specsim "
                                 "workbook SCENARIO --out FILE.xlsx)")
    return sheets


class _Reader:
    """Builds the raw scenario mapping and the cell of origin of every value."""

    def __init__(self, sheets: dict[str, _Sheet]):
        self.sheets = sheets
        self.data: dict[str, Any] = {section: {} for section in SECTIONS}
        self.origins: Origins = {}

    def set(self, path: tuple[str, ...], value: Any, where: str) -> None:
        self.origins[path] = where
        if value is not None:
            _put(self.data, path, value)

    def key_values(self) -> None:
        sheet = self.sheets[SCENARIO]
        sheet.need("key", "value")
        for row_no, row in sheet.rows:
            key = sheet.get(row, "key")
            if not isinstance(key, str):
                raise ConfigError.single(sheet.where(row_no, "key"), "",
                                         f"needs a key such as pathway.handover_delay_days "
                                         f"(got {key!r})")
            path = tuple(key.split("."))
            if path in self.origins:
                raise ConfigError.single(sheet.where(row_no, "key"), key, "appears twice")
            self.set(path, sheet.get(row, "value"), sheet.where(row_no, "value"))

    def table(self, title: str, section: str) -> None:
        """One row per item (`id`), one column per (dotted) parameter."""
        sheet = self.sheets[title]
        sheet.need("id")
        for row_no, row in sheet.rows:
            item = self._id(sheet, row_no, row, "id", section)
            self.origins[(section, item)] = sheet.where(row_no, "id")
            self.data[section][item] = {}
            for column in sheet.columns:
                if column != "id":
                    self.set((section, item, *column.split(".")), sheet.get(row, column),
                             sheet.where(row_no, column))

    def _id(self, sheet: _Sheet, row_no: int, row: tuple[Any, ...], column: str,
            section: str) -> str:
        item = sheet.get(row, column)
        if item is None:
            raise ConfigError.single(sheet.where(row_no, column), "",
                                     f"every row needs its {column}")
        item = str(item)
        if item in self.data[section] and column == "id":
            raise ConfigError.single(sheet.where(row_no, column), f"{section}.{item}",
                                     f"{item!r} appears twice; one row per {section[:-1]}")
        return item

    def units(self) -> None:
        sheet = self.sheets[UNITS]
        sheet.need("service", "provider")
        counts: dict[str, int] = {}
        for row_no, row in sheet.rows:
            service = str(self._id(sheet, row_no, row, "service", "services"))
            if service not in self.data["services"]:
                raise ConfigError.single(sheet.where(row_no, "service"), "", f"{service!r} is "
                                         f"not a service of sheet '{SERVICES}' (allowed: "
                                         f"{', '.join(self.data['services'])})")
            index = counts.get(service, 0)
            counts[service] = index + 1
            units = self.data["services"][service].setdefault("units", [])
            self.origins.setdefault(("services", service, "units"), sheet.where(row_no))
            unit: dict[str, Any] = {}
            for column in sheet.columns:
                if column == "service":
                    continue
                value = sheet.get(row, column)
                self.origins[("services", service, "units", str(index), column)] = \
                    sheet.where(row_no, column)
                if value is not None:
                    unit[column] = value
            self.origins[("services", service, "units", str(index))] = sheet.where(row_no)
            units.append(unit)

    def groupings(self) -> None:
        sheet = self.sheets[GROUPINGS]
        sheet.need("collaborative", "ics")
        groups = self.data["commissioning"].setdefault("collaboratives", {})
        self.origins[("commissioning", "collaboratives")] = f"{sheet.label} [sheet " \
                                                             f"'{sheet.title}']"
        for row_no, row in sheet.rows:
            name = self._id(sheet, row_no, row, "collaborative", "commissioning")
            members = groups.setdefault(name, [])
            self.origins.setdefault(("commissioning", "collaboratives", name),
                                    sheet.where(row_no, "collaborative"))
            self.origins[("commissioning", "collaboratives", name, str(len(members)))] = \
                sheet.where(row_no, "ics")
            members.append(sheet.get(row, "ics"))

    def plan(self) -> None:
        sheet = self.sheets[PLAN]
        sheet.need("service", "arrangement")
        for row_no, row in sheet.rows:
            service = self._id(sheet, row_no, row, "service", "commissioning")
            path = (("commissioning", "default") if service == DEFAULT_ROW
                    else ("commissioning", "services", service))
            if path in self.origins:
                raise ConfigError.single(sheet.where(row_no, "service"), ".".join(path),
                                         "appears twice")
            self.set(path, sheet.get(row, "arrangement"), sheet.where(row_no, "arrangement"))
        self.data["commissioning"].setdefault("services", {})

    def rules(self) -> None:
        sheet = self.sheets[RULES]
        sheet.need("parameter", *ARRANGEMENT_COLUMNS)
        for row_no, row in sheet.rows:
            parameter = self._id(sheet, row_no, row, "parameter", "commissioning")
            for arrangement in ARRANGEMENT_COLUMNS:
                self.set(("commissioning", arrangement, *str(parameter).split(".")),
                         sheet.get(row, arrangement), sheet.where(row_no, arrangement))

    def sources(self) -> None:
        sheet = self.sheets[SOURCES]
        sheet.need("section", "id", "parameter", "note")
        for row_no, row in sheet.rows:
            section = sheet.get(row, "section")
            item = sheet.get(row, "id")
            if section not in ("services", "service_groups") or item not in self.data[section]:
                raise ConfigError.single(sheet.where(row_no, "id"), "", f"names no row of "
                                         f"sheet '{SERVICES}' or '{GROUPS}' (section "
                                         f"{section!r}, id {item!r})")
            self.set((section, str(item), "sources", str(sheet.get(row, "parameter"))),
                     sheet.get(row, "note"), sheet.where(row_no, "note"))


def read_workbook(path: Path, label: str) -> tuple[dict[str, Any], Origins]:
    """The raw scenario mapping of a workbook (with its `extends`) and each value's cell."""
    reader = _Reader(_open(path, label))
    reader.key_values()
    reader.table(SERVICES, "services")
    reader.units()
    reader.table(GROUPS, "service_groups")
    reader.plan()
    reader.groupings()
    reader.rules()
    reader.sources()
    extends = reader.data.pop("extends", None)
    if extends is None:
        raise ConfigError.single(f"{label} [sheet '{SCENARIO}']", "extends",
                                 "needs a row 'extends' naming what the workbook builds on "
                                 "(england, a shipped scenario or a file)")
    return {"extends": extends, **reader.data}, reader.origins

