"""The parameter workbook: show -> workbook -> scenario gives identical resolved values; a
planner's edit takes effect; bad cells are named by sheet, row and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from sim.config import ConfigError, config_hash, load_scenario
from sim.config.loader import resolve
from sim.config.workbook import SHEETS
from sim.presentation.cli import main
from sim.presentation.show import shown_values

TINY = Path(__file__).parent / "tiny.yaml"


def _values(ref) -> dict[str, object]:
    return {row.key: row.value for row in shown_values(resolve(ref))
            if row.key not in ("name", "description")}


@pytest.mark.parametrize("ref", ["ics_delegation", str(TINY)])
def test_show_workbook_scenario_gives_identical_resolved_values(tmp_path, ref, capsys):
    book = tmp_path / "plan.xlsx"
    assert main(["workbook", ref, "--out", str(book)]) == 0
    assert set(SHEETS) <= set(load_workbook(book, read_only=True).sheetnames)
    assert _values(book) == _values(ref)
    assert config_hash(load_scenario(book)) == config_hash(load_scenario(ref))
    assert main(["show", str(book), "services"]) == 0
    assert "[sheet 'services', row" in capsys.readouterr().out


def _edit(book: Path, sheet: str, match: dict[str, object], column: str, value: object,
          out: Path) -> str:
    """Set `column` of the first row of `sheet` whose cells equal `match`; the cell's name."""
    wb = load_workbook(book)
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if all(row[header.index(k)].value == v for k, v in match.items()):
            row[header.index(column)].value = value
            wb.save(out)
            return f"[sheet '{sheet}', row {row[0].row}, column "
    raise AssertionError(f"no row {match} in {sheet}")


@pytest.fixture(scope="module")
def england_book(tmp_path_factory) -> Path:
    book = tmp_path_factory.mktemp("book") / "collaborative.xlsx"
    assert main(["workbook", "collaborative", "--out", str(book)]) == 0
    return book


def test_edits_take_effect(england_book, tmp_path):
    out = tmp_path / "edited.xlsx"
    _edit(england_book, "units", {"service": "picu", "provider": "RQ3"}, "slots", 99, out)
    _edit(out, "rules", {"parameter": "approval_delay_days"}, "collaborative", 21, out)
    _edit(out, "commissioning", {"service": "hiv"}, "arrangement", "national", out)
    _edit(out, "scenario", {"key": "name"}, "value", "my_plan", out)
    edited, before = load_scenario(out), load_scenario("collaborative")
    picu = {u.provider: u.slots for u in edited.services["picu"].units}
    assert picu["RQ3"] == 99
    assert {u.provider: u.slots for u in before.services["picu"].units}["RQ3"] != 99
    assert edited.commissioning.collaborative.approval_delay_days == 21
    assert edited.commissioning.arrangement_for("hiv", True) == "national"
    assert before.commissioning.arrangement_for("hiv", True) == "collaborative"
    assert edited.name == "my_plan"


@pytest.mark.parametrize("sheet, match, column, value, expected", [
    ("units", {"service": "picu", "provider": "RQ3"}, "slots", -3,
     "column C 'slots']: services.picu.units."),
    ("services", {"id": "hiv"}, "urgent_share", "lots", "services.hiv.urgent_share"),
    ("rules", {"parameter": "access_rate"}, "ics", 1.7, "column D 'ics']: "
                                                        "commissioning.ics.access_rate"),
    ("ICS groupings", {"ics": "E54000050"}, "ics", "E99999999", "column B 'ics']"),
    ("units", {"service": "picu", "provider": "RQ3"}, "provider", "ZZZ", "column B 'provider']"),
    ("units", {"service": "picu", "provider": "RQ3"}, "service", "nope", "'nope' is not a "
                                                                         "service"),
])
def test_bad_cells_are_named_by_sheet_row_and_column(england_book, tmp_path, capsys, sheet,
                                                      match, column, value, expected):
    out = tmp_path / "bad.xlsx"
    where = _edit(england_book, sheet, match, column, value, out)
    with pytest.raises(ConfigError) as info:
        load_scenario(out)
    text = str(info.value)
    assert f"bad.xlsx {where}" in text and expected in text
    assert main(["validate", str(out)]) == 2
    assert where in capsys.readouterr().err


def test_a_broken_or_incomplete_workbook_is_one_clear_line(england_book, tmp_path):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ConfigError, match="is not an Excel workbook"):
        load_scenario(junk)
    wb = load_workbook(england_book)
    del wb["rules"]
    wb.save(tmp_path / "norules.xlsx")
    with pytest.raises(ConfigError, match="no sheet 'rules'"):
        load_scenario(tmp_path / "norules.xlsx")


def test_workbook_refuses_to_overwrite(tmp_path, capsys):
    book = tmp_path / "x.xlsx"
    book.write_bytes(b"mine")
    assert main(["workbook", str(TINY), "--out", str(book)]) == 2
    assert "already exists" in capsys.readouterr().err and book.read_bytes() == b"mine"
    assert main(["workbook", str(TINY), "--out", str(book), "--force"]) == 0
    assert load_scenario(book).name == load_scenario(TINY).name
