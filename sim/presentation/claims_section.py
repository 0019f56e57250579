"""The "claims ledger" section of report.html (issue 17): one row per claim of the delegation
debate, one column per scenario pair with the paired effect [95% CI] and its verdict, and the
inputs the verdict is most sensitive to. The numbers come from `sim.analysis.claims`."""

from __future__ import annotations

import html

import pandas as pd

from sim.analysis.claims import NOT_MODELLED
from sim.presentation.names import scenario_title

VERDICT_STYLE = {"supported": "better", "contradicted": "worse"}
CSS = (".ledger td,.ledger th{text-align:left}.ledger td.cell{white-space:nowrap}"
       ".ledger td:first-child{min-width:15rem}.ledger .muted{color:#777}")


def _cell(row: pd.Series) -> str:
    verdict = str(row.verdict)
    if verdict == NOT_MODELLED:
        return f"<td class='muted'>{html.escape(verdict)}</td>"
    cls = VERDICT_STYLE.get(verdict, "")
    tag = f"<span class='{cls}'>{html.escape(verdict)}</span>" if cls else html.escape(verdict)
    return f"<td class='cell'>{tag}<br>{html.escape(str(row.effect_text))}</td>"


def claims_section(ledger: pd.DataFrame) -> str:
    """The section as HTML (empty ledger: a one-line note)."""
    parts = [f"<style>{CSS}</style><h2 id='claims'>Claims ledger</h2>"]
    if ledger.empty:
        parts.append("<p class='note'>One scenario: no pair to judge the claims on.</p>")
        return "".join(parts)
    scenarios = list(dict.fromkeys(ledger.scenario))
    baseline = str(ledger.baseline.iloc[0])
    counts = ledger.verdict.value_counts()
    parts.append(
        "<p class='note'>Every claim of the debate's seed documents (NAO 2016; Shelford Group "
        "letter and responses, 2022; docs/claims.md): the paired effect of the first measure "
        f"named, each scenario against {html.escape(scenario_title(baseline))} read as the "
        "more delegated against the less delegated, with its 95% CI; <b>supported</b> or "
        "<b>contradicted</b> when the CI excludes zero. Verdicts: "
        + html.escape(", ".join(f"{n} {v}" for v, n in counts.items()))
        + ". Same table, with the further measures, in claims.csv.</p>")
    head = "".join(f"<th>{html.escape(scenario_title(s))}</th>" for s in scenarios)
    parts.append("<div class='scroll ledger'><table><thead><tr><th>Claim</th><th>Who "
                 f"(source)</th><th>Measure (supports if)</th>{head}<th>Most sensitive to"
                 "</th></tr></thead><tbody>")
    for _claim_id, rows in ledger.groupby("claim_id", sort=False):
        first = rows.iloc[0]
        by_scenario = rows.set_index("scenario")
        cells = "".join(_cell(by_scenario.loc[s]) for s in scenarios)
        source = str(first.source).split(";")[0].split(",")[0]
        measure = (f"{first.measure} ({first.supports_if})" if first.measure
                   else "none: not represented")
        parts.append(
            f"<tr><td>{html.escape(str(first.claim))}</td>"
            f"<td>{html.escape(str(first.who))}<br><span class='note'>"
            f"{html.escape(source)}, {html.escape(str(first['where']))}</span></td>"
            f"<td>{html.escape(measure)}</td>{cells}"
            f"<td class='note'>{html.escape(str(first.sensitive_to))}</td></tr>")
    parts.append("</tbody></table></div>")
    return "".join(parts)
