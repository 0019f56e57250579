"""Outputs a planner uses straight away (issue 14): the report leads with headline sentences,
comparison.xlsx holds the expected sheets with '£' intact, CSVs carry a BOM for Excel, and
people read names instead of codes."""

from __future__ import annotations

import math

import pandas as pd
from openpyxl import load_workbook
from report_small import compare_folder

from sim.model.kpi_catalogue import HEADLINE_KPIS, KPIS
from sim.presentation.headline import glossary, sentence, verdict
from sim.presentation.names import short_ics, short_trust

SHEETS = ["headline", "comparison", "per-ICS", "per-unit", "finance", "assumptions", "glossary"]


def test_report_first_screen_holds_headline_sentences() -> None:
    text = (compare_folder() / "report.html").read_text(encoding="utf-8")
    findings = text.index("Key findings")
    assert findings < text.index("id='table'") < text.index("id='figures'")
    first_screen = text[findings:text.index("id='scenarios'")]
    assert first_screen.count("<li>") == 2 * len(HEADLINE_KPIS)  # 2 scenarios vs baseline
    assert "Compared with small national" in first_screen
    assert "95% CI" in first_screen
    assert "What this answer depends on" in text and "Glossary" in text


def test_workbook_has_the_sheets_and_pounds_intact() -> None:
    path = compare_folder() / "comparison.xlsx"
    wb = load_workbook(path, read_only=True)
    assert [s for s in wb.sheetnames if s != "validation"] == SHEETS
    sheets = pd.read_excel(path, sheet_name=None)
    comparison = sheets["comparison"]
    cost = comparison[comparison["column id"] == "cost_total_gbp"]
    assert cost.estimate.str.startswith("£").all()
    assert not comparison.estimate.str.contains("Â").any()
    assert pd.api.types.is_float_dtype(comparison["mean"])
    assert set(sheets["per-ICS"].ICS) == {"Alpha", "Beta", "Gamma"}
    assert set(sheets["per-unit"].trust) <= {"One", "Two", "Three"}
    assert len(sheets["headline"]) == 2 * len(HEADLINE_KPIS)


def test_csvs_have_a_bom_and_read_back() -> None:
    for name in ("comparison.csv", "kpis.csv", "summary.csv"):
        raw = (compare_folder() / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), name
        assert "£" in raw.decode("utf-8-sig") or name != "comparison.csv"
    table = pd.read_csv(compare_folder() / "comparison.csv")
    assert table.columns[0] == "kpi"


def test_sentence_direction_and_significance() -> None:
    wait = KPIS["wait_mean_days"]
    row = {"baseline_mean": 50.0, "mean": 45.0, "diff_mean": -5.0, "diff_low": -6.0,
           "diff_high": -4.0, "significant": True}
    text = sentence(wait, "ics_delegation", "centralised", row)
    assert text.startswith("Delegation to the ICSs shortens mean wait from 50 days to 45 days")
    assert text.endswith("(better).")
    assert verdict(wait, -5.0, True) == "better" and verdict(wait, 5.0, True) == "worse"
    assert verdict(wait, -5.0, False) == "no clear difference"
    assert verdict(KPIS["units_active"], 5.0, True) == "changed"
    row.update(significant=False, diff_low=-9.0, diff_high=math.nan)
    assert sentence(wait, "x", "y", row).startswith("No clear difference in mean wait")


def test_glossary_is_the_catalogue() -> None:
    table = glossary()
    assert list(table["column id"]) == list(KPIS)
    assert table.measure.notna().all()


def test_short_names() -> None:
    assert short_ics("NHS Cheshire and Merseyside Integrated Care Board") == \
        "Cheshire and Merseyside"
    assert short_trust("Manchester University NHS Foundation Trust") == \
        "Manchester University NHS FT"
