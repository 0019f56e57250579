"""One self-contained HTML report a planner can e-mail: figures embedded as base64 PNG, the
comparison table, scenario descriptions, the inputs that differ, assumptions, seed, versions.

`build_report(folder, baseline)` reads only stored results (kpis, waits, run.json: see
`results_folder`), so the same call serves `specsim compare` after its runs and `specsim report`
without re-running.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.calibrate import validation_table
from sim.analysis.claims import claims_ledger
from sim.analysis.compare import paired_differences
from sim.analysis.finance import finance_summary
from sim.analysis.tables import comparison_table, to_markdown, wide_table
from sim.config.geography import builtin_dir
from sim.config.targets import load_targets
from sim.experiment.store import csv_bytes, write_atomic
from sim.model.kpi_catalogue import KPIS, format_interval, format_value
from sim.presentation.claims_section import claims_section
from sim.presentation.excel import (
    assumptions_sheet,
    comparison_sheet,
    per_ics,
    per_unit,
    write_comparison_workbook,
)
from sim.presentation.figures import FIGURES, report_figures
from sim.presentation.finance_figures import (
    FINANCE_FIGURES,
    finance_figures,
    finance_tables,
    finance_view,
)
from sim.presentation.headline import depends_on, glossary, headline_rows, summary_sentence
from sim.presentation.names import names_for, scenario_title
from sim.presentation.results_folder import ResultsError, ResultsFolder, load_results  # noqa: F401 (re-exported)
from sim.presentation.style import save
from sim.presentation.transition_figure import CAPTION as TRANSITION_CAPTION
from sim.presentation.transition_figure import plan_dates, transition_figure

ASSUMPTIONS = (
    "Means with t-based 95% confidence intervals across replications, cut at the values a KPI "
    "can take (a wait is not negative, a share not above 100%); P(overspend) has a Wilson "
    "interval.",
    "Differences are paired: replication r of every scenario sees the same patients (common "
    "random numbers), so the difference CI excludes noise the scenarios share.",
    "Counts follow the cohort referred after the warm-up; waits, outcomes, travel, volumes and "
    "costs follow treatments started after it; pathway length and fragmentation follow "
    "patients discharged after it (docs/model.md section 8, A1-A3).",
    "Times in days, money in GBP over the simulated window, percentages 0-100.",
    "Each arrangement's rules (commissioning.national, .regional, .ics, .collaborative) are "
    "inputs too: a scenario that moves a service to another arrangement changes its rules "
    "even when the rule blocks are identical across scenarios (full configs in run.json).",
    "Waits are referral-to-treatment for the specialised stage; the NHS standard is 92% within "
    "18 weeks (126 days).",
)
SKIP_INPUTS = ("geography.icss", "geography.providers")


def _flatten(data: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(data, dict):
        flat: dict[str, str] = {}
        for key, value in data.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: json.dumps(data, sort_keys=True)}


def differing_inputs(meta: dict) -> pd.DataFrame:
    """Resolved config values that are not the same in every scenario (one row per path)."""
    configs = {n: _flatten(e["config"]) for n, e in meta.get("scenarios", {}).items()}
    names = list(configs)
    paths = sorted(set().union(*configs.values())) if configs else []
    rows = []
    for path in paths:
        if path in ("name", "description") or path.startswith(SKIP_INPUTS):
            continue
        values = [configs[n].get(path, "(absent)") for n in names]
        if len(set(values)) > 1:
            rows.append({"input": path, **{n: v[:60] for n, v in zip(names, values,
                                                                      strict=True)}})
    return pd.DataFrame(rows, columns=["input", *names])


def _img(path: Path, caption: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _table(frame: pd.DataFrame, cls: str = "") -> str:
    frame = frame.copy()
    frame.columns.name = None
    body = frame.to_html(index=False, escape=True, border=0, na_rep="-")
    return f"<div class='scroll {cls}'>{body}</div>"


CSS = """body{font-family:system-ui,sans-serif;max-width:72rem;margin:1.5rem auto;padding:0 1rem;
color:#222;line-height:1.45}h1{font-size:1.6rem;margin:.2rem 0 .6rem}h2{margin-top:2rem}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0 1.5rem}
td,th{padding:.25rem .5rem;border-bottom:1px solid #ddd;text-align:right;vertical-align:top}
td:first-child,th:first-child{text-align:left}.text td,.text th{text-align:left}
.scroll{max-width:100%;overflow-x:auto}img{max-width:100%;height:auto}
figure{margin:1.5rem 0}figcaption{font-size:.9rem;color:#444}.note{font-size:.85rem;color:#444}
.findings{background:#F3F7FB;border-left:6px solid #0072B2;padding:.6rem 1.2rem;margin:1rem 0}
.findings li{margin:.3rem 0}.better{color:#1A6B3A;font-weight:600}
.worse{color:#A3330B;font-weight:600}.caveat{background:#FFF8E5;border-left:6px solid #E69F00;
padding:.5rem 1.2rem}nav a{margin-right:.8rem}"""
VERDICT_CLASS = {"better": "better", "worse": "worse"}


def validation_view(validation: pd.DataFrame) -> pd.DataFrame:
    """The validation table as a planner reads it: formatted numbers, the miss named."""
    rows = []
    for r in validation.itertuples():
        miss, tolerance = format_value(r.kpi, r.miss), format_value(r.kpi, r.tolerance)
        verdict = ("within tolerance" if r.within_tolerance
                   else f"MISS: {miss} (tolerance {tolerance})")
        label = KPIS[r.kpi].table_label if r.kpi in KPIS else r.kpi
        where = "England" if r.scope == "overall" else str(r.key).replace("_", " ")
        rows.append({"target": f"{label}: {where}", "column id": f"{r.kpi} ({r.scope} {r.key})",
                     "real": format_value(r.kpi, r.observed),
                     "model": format_interval(r.kpi, r.model_mean, r.ci_low, r.ci_high),
                     "verdict": verdict, "source": r.source})
    return pd.DataFrame(rows)


def baseline_validation(res: ResultsFolder) -> pd.DataFrame | None:
    """The shipped targets against the baseline scenario, when it runs on the England data."""
    config = res.meta.get("scenarios", {}).get(res.baseline, {}).get("config", {})
    if config.get("geography", {}).get("dataset") != "england":
        return None
    kpis = res.kpis[res.kpis.scenario == res.baseline]
    return validation_table(kpis, load_targets(builtin_dir() / "calibration_targets.csv"))


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _findings(res: ResultsFolder, rows: pd.DataFrame) -> list[str]:
    """The first screen: per scenario a summary sentence and one sentence per headline KPI."""
    parts = ["<section class='findings' id='findings'><h2 style='margin-top:.3rem'>Key "
             "findings</h2>"]
    if rows.empty:
        parts.append(f"<p>One scenario ({html.escape(scenario_title(res.baseline))}): nothing "
                     "to compare; its values are in the table below.</p>")
    for scenario in dict.fromkeys(rows.scenario):
        own = rows[rows.scenario == scenario]
        parts.append(f"<p><b>{html.escape(summary_sentence(rows, scenario, res.baseline))}"
                     "</b></p><ul>")
        for r in own.itertuples():
            text = html.escape(r.sentence)
            cls = VERDICT_CLASS.get(r.verdict)
            if cls:
                text = text.replace(f"({cls})", f"(<span class='{cls}'>{cls}</span>)")
            parts.append(f"<li>{text}</li>")
        parts.append("</ul>")
    parts.append("</section>")
    return parts


def render_html(res: ResultsFolder, table: pd.DataFrame, figures: dict[str, list[Path]],
                validation: pd.DataFrame | None = None, claims_html: str = "",
                finance: pd.DataFrame | None = None) -> str:
    """The report as one HTML string (no external files, scripts or fonts): key findings
    first, then the glossary, what the answer depends on, scenarios, then the details."""
    meta = res.meta
    others = [n for n in res.names if n != res.baseline]
    title = (f"{_upper_first(scenario_title(others[0]))} compared with "
             f"{scenario_title(res.baseline)}" if len(others) == 1 else
             f"{len(others)} commissioning scenarios compared with "
             f"{scenario_title(res.baseline)}")
    rows = headline_rows(table, res.baseline)
    years = meta.get("years")
    parts = [f"<!doctype html><html lang='en'><meta charset='utf-8'>"
             "<meta name='viewport' content='width=device-width,initial-scale=1'>"
             f"<title>{html.escape(title)}</title><style>{CSS}</style><body>"
             f"<h1>{html.escape(title)}</h1>",
             f"<p class='note'>specsim simulation of NHS England specialised services: "
             f"{meta.get('replications')} replications of {years} simulated years each (after a "
             f"{meta.get('warmup_days')}-day warm-up); money is the total over those {years} "
             "years; 95% confidence intervals; differences are paired (same patients in every "
             "scenario).</p>"]
    parts += _findings(res, rows)
    drivers, share = depends_on(meta, res.baseline)
    parts.append("<p class='caveat'><b>Before quoting these numbers:</b> "
                 f"{html.escape(share)} See <a href='#depends'>what this answer depends on"
                 "</a>.</p>")
    parts.append(claims_html)  # the claims ledger (issue 17), among the first screens
    parts.append("<nav class='note'><a href='#claims'>Claims ledger</a>"
                 "<a href='#scenarios'>Scenarios</a><a href='#table'>"
                 "Comparison table</a><a href='#glossary'>Glossary</a><a href='#depends'>"
                 "What this depends on</a><a href='#figures'>Figures</a><a href='#inputs'>"
                 "Inputs</a><a href='#assumptions'>Assumptions</a></nav>")
    parts.append("<h2 id='scenarios'>Scenarios</h2><ul>")
    for name in res.names:
        entry = meta.get("scenarios", {}).get(name, {})
        description = entry.get("config", {}).get("description", "")
        role = " (baseline)" if name == res.baseline else ""
        parts.append(f"<li><b>{html.escape(scenario_title(name))}</b>{role} "
                     f"<span class='note'>[{html.escape(name)}]</span>: "
                     f"{html.escape(description)}</li>")
    parts.append("</ul><h2 id='table'>Comparison table</h2><p class='note'>Mean [95% CI]; "
                 f"differences paired against {html.escape(res.baseline)}; * marks a "
                 "difference whose 95% CI excludes zero. The same table is in "
                 "comparison.xlsx and comparison.csv.</p>")
    parts.append(_table(wide_table(table, res.baseline).drop(columns="KPI")))
    parts.append("<h2 id='glossary'>Glossary</h2><p class='note'>Every measure, its unit, "
                 "and which way is better; 'column id' is its name in the data files.</p>")
    parts.append(_table(glossary(), "text"))
    parts.append("<h2 id='depends'>What this answer depends on</h2><p>"
                 f"{html.escape(share)}</p><p>The sensitivity sweep "
                 "(<code>scenarios/sweeps/sensitivity.yaml</code>; docs/model.md section 10) "
                 "found two illustrative inputs that decide the comparison; their values "
                 "here:</p>")
    parts.append(_table(drivers, "text"))
    if validation is not None and len(validation):
        parts.append(f"<h2>Validation: {html.escape(res.baseline)} against real figures</h2>"
                     "<p class='note'>Each target of the shipped calibration file (with its "
                     "source) beside the model's mean [95% CI]; a miss outside the target's "
                     "tolerance is named.</p>")
        parts.append(_table(validation_view(validation), "text"))
    if finance is not None and len(finance):
        parts.append("<h2 id='money'>Money as risk</h2><p class='note'>Per commissioner level: "
                     "the share of commissioner-years overspent with its Wilson 95% interval "
                     "(within [0, 1] also at 0 or all of n), overspend as % of allocation, the "
                     "95th percentile overspend (value at risk) and the CV of spend/allocation "
                     "(finance.csv, finance_summary.csv).</p>")
        parts.append(_table(finance_view(finance), "text"))
    parts.append("<h2 id='figures'>Figures</h2>")
    for stem, paths in figures.items():
        png = next(p for p in paths if p.suffix == ".png")
        parts.append(_img(png, {**FIGURES, **FINANCE_FIGURES,
                                "n_transition": TRANSITION_CAPTION}.get(stem, stem)))
    inputs = differing_inputs(meta)
    parts.append("<h2 id='inputs'>Inputs that differ between scenarios</h2>")
    parts.append(_table(inputs, "text") if len(inputs) else "<p>None: the scenarios are "
                 "identical apart from their names.</p>")
    parts.append("<h2 id='assumptions'>Assumptions</h2><ul>" + "".join(
        f"<li>{html.escape(a)}</li>" for a in ASSUMPTIONS) + "</ul>")
    versions = meta.get("versions", {})
    hashes = ", ".join(f"{n} {str(e.get('config_hash', '?'))[:12]}"
                       for n, e in meta.get("scenarios", {}).items())
    parts.append("<h2>Reproducibility</h2><p class='note'>Seed "
                 f"{meta.get('seed')}; created {html.escape(str(meta.get('created', '')))}; "
                 f"config hashes {html.escape(hashes)}; versions: " + html.escape(", ".join(
                     f"{k} {v}" for k, v in sorted(versions.items()))) + ". Regenerate with "
                 "<code>specsim report DIR</code>.</p></body></html>")
    return "\n".join(parts)


def build_report(folder: Path, baseline: str | None = None) -> dict[str, Path]:
    """Comparison table (CSV, Markdown), figures (a)-(h) and report.html from a results folder."""
    res = load_results(folder, baseline)
    overall = res.kpis[res.kpis.scope == "overall"]
    table = comparison_table(overall, res.baseline)
    write_atomic(folder / "comparison.csv",
                 csv_bytes(table))
    write_atomic(folder / "comparison.md", to_markdown(table, res.baseline).encode())
    diffs = paired_differences(overall, res.baseline)
    figures = report_figures(res, diffs, folder / "figures")
    if plan_dates(res) and (folder / "timeseries.parquet").is_file():  # a dated plan
        series = pd.read_parquet(folder / "timeseries.parquet")
        figures["n_transition"] = save(transition_figure(res, series), folder / "figures",
                                       "n_transition")
    figures.update(finance_figures(res, folder, folder / "figures"))
    money = finance_tables(folder)
    if money is not None and len(money[0]):
        write_atomic(folder / "finance_summary.csv", csv_bytes(finance_summary(money[0])))
    validation = baseline_validation(res)
    if validation is not None:
        write_atomic(folder / "validation.csv",
                     csv_bytes(validation))
    ledger = claims_ledger(res.kpis, res.meta, res.baseline)
    write_atomic(folder / "claims.csv", csv_bytes(ledger))
    write_atomic(folder / "report.html", render_html(res, table, figures, validation,
                                                     claims_section(ledger),
        None if money is None else money[0]).encode())
    workbook = write_comparison_workbook(folder / "comparison.xlsx",
                                         workbook_sheets(res, table, validation, folder))
    return {"comparison_csv": folder / "comparison.csv", "comparison_md": folder / "comparison.md",
            "comparison_xlsx": workbook, "report": folder / "report.html",
            "claims_csv": folder / "claims.csv"}


def workbook_sheets(res: ResultsFolder, table: pd.DataFrame, validation: pd.DataFrame | None,
                    folder: Path) -> list[tuple[str, pd.DataFrame]]:
    """The sheets of comparison.xlsx, in order."""
    names = names_for(res)
    units_path = folder / "units.parquet"
    units = pd.read_parquet(units_path) if units_path.is_file() else None
    rows = headline_rows(table, res.baseline)
    drivers, share = depends_on(res.meta, res.baseline)
    sheets = [("headline", rows.drop(columns="kpi").rename(columns={
                  "baseline": f"baseline ({res.baseline})", "scenario_value": "scenario value"})),
              ("comparison", comparison_sheet(table)),
              ("per-ICS", per_ics(res.kpis, names)),
              ("per-unit", per_unit(units, res.kpis, names))]
    if validation is not None and len(validation):
        sheets.append(("validation", validation_view(validation)))
    money = finance_tables(folder)
    if money is not None and len(money[0]):
        sheets.append(("finance", finance_view(money[0])))
    extra = [share, *(f"{r.input}: decides {r.decides}" for r in drivers.itertuples())]
    sheets += [("assumptions", assumptions_sheet(ASSUMPTIONS, res.meta, extra)),
               ("glossary", glossary())]
    return sheets
