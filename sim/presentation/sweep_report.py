"""The report of a sweep folder: the results table first, then the sweep plots and what was
swept. No raw JSON: the resolved scenarios stay in `sweep.json` for whoever needs them.

The results table has one row per design point and scenario: the swept values, then each
headline KPI (overall) as mean [95% CI] over the replications (`stats.kpi_interval`, the same
bounded interval as the comparison table), with the number of replications that finished.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

from sim.analysis.stats import kpi_interval
from sim.experiment.store import write_atomic
from sim.model.kpi_catalogue import HEADLINE_KPIS, KPIS, format_interval
from sim.presentation.report import CSS, _img, _table
from sim.presentation.results_folder import ResultsError
from sim.presentation.sweep_figures import sweep_figures, sweep_parameters


def _label(kpi: str) -> str:
    row = KPIS.get(kpi)
    return f"{row.label} ({row.display_unit or row.unit})" if row else kpi


def results_table(sweep: pd.DataFrame, kpis: tuple[str, ...] = HEADLINE_KPIS) -> pd.DataFrame:
    """Per design point and scenario: swept values, replications, and each headline KPI's
    mean [95% CI] over replications (overall scope; every overall KPI if none is a headline
    one)."""
    overall = sweep[sweep.scope == "overall"]
    shown = [k for k in kpis if k in set(overall.kpi)] or list(dict.fromkeys(overall.kpi))
    overall = overall[overall.kpi.isin(shown)]
    params = sweep_parameters(sweep)
    extra = [c for c in ("oat_parameter", "oat_level") if c in sweep.columns]
    keys = ["point", *extra, "scenario"]
    rows = []
    for (point, *rest), group in overall.groupby(keys, sort=False, dropna=False):
        first = group.iloc[0]
        row: dict[str, object] = {"point": point}
        row.update({c: v for c, v in zip(extra, rest[:-1], strict=True)})
        row.update({p: first[p] for p in params})
        row["scenario"] = rest[-1]
        row["replications"] = int(group.replication.nunique())
        for kpi in shown:
            values = group.loc[group.kpi == kpi, "value"].to_numpy(dtype=float)
            row[_label(kpi)] = format_interval(kpi, *kpi_interval(kpi, values))
        rows.append(row)
    return pd.DataFrame(rows)


def definition_table(meta: dict) -> pd.DataFrame:
    """What was swept, in words: each parameter's values or range, the design and run sizes."""
    spec = meta.get("sweep") or {}
    rows = [(path, json.dumps(rule)) for path, rule in (spec.get("parameters") or {}).items()]
    rows += [("design", json.dumps(spec.get("design"))) if spec.get("design") else ("", "")]
    for key in ("replications", "seed", "years", "warmup_days"):
        if meta.get(key, spec.get(key)) is not None:
            rows.append((key, str(meta.get(key, spec.get(key)))))
    if meta.get("sweep_file"):
        rows.append(("sweep file", str(meta["sweep_file"])))
    if meta.get("failed_runs"):
        rows.append(("failed runs", f"{len(meta['failed_runs'])} (see runs/*.error.json)"))
    return pd.DataFrame([r for r in rows if r[0]], columns=["setting", "value"])


def build_sweep_report(folder: Path) -> dict[str, Path]:
    """Results table, sweep plots and the sweep's definition from `sweep.parquet` +
    `sweep.json`, as one self-contained `report.html`."""
    for name in ("sweep.parquet", "sweep.json"):
        if not (folder / name).is_file():
            raise ResultsError(f"{folder}: missing {name} (expected the output of specsim sweep)")
    sweep = pd.read_parquet(folder / "sweep.parquet")
    meta = json.loads((folder / "sweep.json").read_text(encoding="utf-8"))
    figures = sweep_figures(sweep, folder / "figures")
    title = f"specsim sweep: {meta.get('name', folder.name)}"
    parts = [f"<!doctype html><html lang='en'><meta charset='utf-8'>"
             f"<meta name='viewport' content='width=device-width'><title>{html.escape(title)}"
             f"</title><style>{CSS}</style><body><h1>{html.escape(title)}</h1>",
             f"<p>{html.escape(str(meta.get('description', '')))}</p>",
             "<h2 id='results'>Results</h2><p class='note'>Mean [95% CI] over replications "
             "of each headline KPI, whole system, per design point and scenario. Every KPI of "
             "every run is in sweep.csv / sweep.parquet.</p>",
             _table(results_table(sweep)), "<h2 id='figures'>Figures</h2>"]
    for stem, paths in figures.items():
        parts.append(_img(next(p for p in paths if p.suffix == ".png"), stem.replace("_", " ")))
    parts += ["<h2 id='definition'>What was swept</h2>", _table(definition_table(meta), "text"),
              "<p class='note'>The resolved scenarios of every point are in sweep.json.</p>",
              "</body></html>"]
    write_atomic(folder / "report.html", "\n".join(parts).encode())
    return {"report": folder / "report.html"}
