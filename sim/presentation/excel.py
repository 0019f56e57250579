"""`comparison.xlsx`: the report's tables as one Excel workbook a planner can paste from.

Sheets: headline (one sentence per headline KPI and scenario), comparison (every KPI, numbers
and the formatted 'mean [CI]'), per-ICS and per-unit (names, region, codes kept in their own
columns), validation (the baseline against real figures) and assumptions. Numbers stay numbers
(with a number format), so a planner can sort, filter and chart them; names come first.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from sim.experiment.store import write_atomic
from sim.model.kpi_catalogue import KPIS
from sim.presentation.names import Names

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
WIDEST = 60  # characters: longer text wraps


def comparison_sheet(table: pd.DataFrame) -> pd.DataFrame:
    """The long comparison table with the KPI's name and unit first."""
    out = table.copy()
    out.insert(0, "unit", [KPIS[k].display_unit or KPIS[k].unit if k in KPIS else ""
                           for k in out.kpi])
    out.insert(0, "measure", [KPIS[k].label if k in KPIS else k for k in out.kpi])
    out["rel_diff_pct"] = 100 * out.pop("rel_diff")
    return out.rename(columns={"kpi": "column id"})


def _scope_means(kpis: pd.DataFrame, scope: str) -> pd.DataFrame:
    rows = kpis[kpis.scope == scope]
    return rows.groupby(["scenario", "key", "kpi"], sort=False).value.mean().unstack("kpi")


def per_ics(kpis: pd.DataFrame, names: Names) -> pd.DataFrame:
    """One row per scenario and ICS (by region, then name): every ICS-scope KPI's mean over
    replications, columns named by the catalogue."""
    means = _scope_means(kpis, "ics").reset_index()
    if means.empty:
        return means
    order = {code: i for i, code in enumerate(names.ics_order(list(dict.fromkeys(means.key))))}
    means["_order"] = means.key.map(order)
    means = means.sort_values(["scenario", "_order"], kind="stable").drop(columns="_order")
    front = pd.DataFrame({"scenario": means.scenario, "region": means.key.map(names.region),
                          "ICS": means.key.map(names.ics), "ICS code": means.key})
    kpi_cols = [c for c in means.columns if c not in ("scenario", "key")]
    values = means[kpi_cols].rename(columns=lambda k: KPIS[k].axis_label if k in KPIS else k)
    return pd.concat([front, values], axis=1)


def per_unit(units: pd.DataFrame | None, kpis: pd.DataFrame, names: Names) -> pd.DataFrame:
    """One row per scenario and unit: from `units.parquet` (names, capacity, volume) averaged
    over replications, else from the unit-scope KPIs."""
    if units is not None and len(units):
        keys = ["scenario", "service", "provider", "ics"]
        agg = units.groupby(keys, sort=False).agg(
            treated=("treated", "mean"), annual_volume=("annual_volume", "mean"),
            utilisation=("utilisation", "mean"), slots=("slots", "first"),
            share_below_min_volume=("below_min_volume", "mean")).reset_index()
        return pd.DataFrame({
            "scenario": agg.scenario, "service": agg.service.map(names.service),
            "trust": agg.provider.map(names.trust), "ICS": agg.ics.map(names.ics),
            "region": agg.ics.map(names.region), "slots": agg.slots,
            "treated (mean)": agg.treated, "annual volume": agg.annual_volume,
            "utilisation": agg.utilisation,
            "share of replications below min. volume": agg.share_below_min_volume,
            "service id": agg.service, "trust code": agg.provider, "ICS code": agg.ics})
    means = _scope_means(kpis, "unit").reset_index()
    means.insert(1, "unit", means.key.map(names.unit))
    return means.rename(columns={"key": "unit key"})


def _number_format(column: str) -> str | None:
    lowered = column.lower()
    if "£" in column or "gbp" in lowered:
        return "#,##0"
    if "share" in lowered or "utilisation" in lowered:
        return "0.000"
    return "#,##0.00" if lowered not in ("n", "replications", "slots") else "0"


def _write_sheet(wb: Workbook, title: str, frame: pd.DataFrame, formats: bool = True) -> None:
    ws = wb.create_sheet(title)
    columns = [str(c) for c in frame.columns]
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in frame.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and v != v) else
                   (v.item() if hasattr(v, "item") else v) for v in row])
    for j, column in enumerate(columns, start=1):
        values = frame.iloc[:, j - 1]
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(
            values)
        width = max([len(column) * 0.8, *(len(str(v)) for v in values.head(200))], default=8)
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = min(max(width + 2, 8), WIDEST)
        fmt = _number_format(column) if numeric and formats else None
        for cell in ws[letter][1:]:
            if fmt:
                cell.number_format = fmt
            elif width > WIDEST:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def workbook_bytes(sheets: Sequence[tuple[str, pd.DataFrame]], formats: bool = True) -> bytes:
    """An .xlsx of one sheet per table: bold header, frozen first row, filters; number formats
    unless `formats` is false (a parameter workbook shows every digit it will read back)."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, frame in sheets:
        _write_sheet(wb, title[:31], frame, formats)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_comparison_workbook(path: Path, sheets: Sequence[tuple[str, pd.DataFrame]]) -> Path:
    write_atomic(path, workbook_bytes(sheets))
    return path


def assumptions_sheet(assumptions: Sequence[str], meta: dict, extra: Sequence[str] = ()
                      ) -> pd.DataFrame:
    rows = [("run", f"{meta.get('replications')} replications of {meta.get('years')} "
                    f"simulated years after a {meta.get('warmup_days')}-day warm-up; seed "
                    f"{meta.get('seed')}; money is the total over the simulated years")]
    rows += [("depends on", text) for text in extra]
    rows += [("assumption", text) for text in assumptions]
    return pd.DataFrame(rows, columns=["topic", "text"])
