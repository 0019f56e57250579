"""The outputs of `specsim advise`: the scorecard figure and `advise.html`.

The figure is a grid, one row per move (a service or service group to one arrangement) and one
column per scorecard KPI, coloured by the effect on that KPI signed so that better is blue and
worse is vermillion (Okabe-Ito, colour-blind safe), in percent of the scenario's mean (points
for shares), and marked * where the paired 95% CI excludes zero.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap

from sim.analysis.advice import SCORECARD_KPIS, Advice
from sim.analysis.objective import improvement
from sim.model.kpi_catalogue import KPIS, format_number
from sim.presentation.report import CSS, _img, _table
from sim.presentation.style import DOUBLE_COLUMN_IN, save, source_note, styled

BETTER_WORSE = LinearSegmentedColormap.from_list("worse_better",
                                                 ["#D55E00", "#FFFFFF", "#0072B2"])
CLIP = 50.0  # colour saturates at a 50% (or 50-point) effect
MEANING = (
    "The selection compares the scenario as it is and the best plans the search found. Its "
    "guarantee is about those plans only: with the stated probability the chosen plan's true "
    "score (its expected score over replications of this model) is within delta of the best "
    "true score among them. It does not say the chosen plan is the best of all possible plans "
    "(the search is greedy), that the model is right, or that a score difference smaller than "
    "delta matters; it assumes scores are roughly normal across replications. Scores depend on "
    "the weights: change the weights and the answer may change."
)


def effect_grid(scorecard: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(improvement, significant, rows' labels) as move x KPI tables, in scorecard order."""
    table = scorecard.copy()
    table["move"] = table.line_name + " → " + table.arrangement
    table["effect"] = [improvement(k, d, b) for k, d, b in
                       zip(table.kpi, table.diff_mean, table.baseline_mean, strict=True)]
    moves = list(dict.fromkeys(table.move))
    kpis = [k for k in SCORECARD_KPIS if k in set(table.kpi)]
    effect = table.pivot(index="move", columns="kpi", values="effect").loc[moves, kpis]
    marked = table.pivot(index="move", columns="kpi", values="significant").loc[moves, kpis]
    change = table.pivot(index="move", columns="kpi", values="rel_diff").loc[moves, kpis]
    return effect, marked.astype(bool), change


@styled
def scorecard_figure(scorecard: pd.DataFrame, folder: Path, note: str) -> list[Path]:
    """`scorecard.png` and `.svg`: moves x KPIs, coloured by signed effect, * where significant."""
    effect, marked, change = effect_grid(scorecard)
    rows, cols = effect.shape
    fig, ax = _axes(rows, cols)
    shown = np.clip(effect.to_numpy(dtype=float), -CLIP, CLIP)
    image = ax.imshow(np.ma.masked_invalid(shown), cmap=BETTER_WORSE, vmin=-CLIP, vmax=CLIP,
                      aspect="auto")
    ax.set_facecolor("#E5E5E5")  # a KPI with no better direction: grey
    for i in range(rows):
        for j in range(cols):
            value = effect.iat[i, j]
            text = (format_number(value) if np.isfinite(value)
                    else format_number(100 * change.iat[i, j]) + "%")
            ax.text(j, i, text + ("*" if marked.iat[i, j] else ""), ha="center", va="center",
                    fontsize=5.5, fontweight="bold" if marked.iat[i, j] else "normal")
    ax.set_xticks(range(cols), [KPIS[k].label for k in effect.columns], rotation=40,
                  ha="right")
    ax.set_yticks(range(rows), effect.index)
    ax.grid(False)
    bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label("effect, % of scenario mean or points (+ better)")
    ax.set_title("Delegating one service at a time: paired effect on each KPI")
    source_note(fig, note + " * and bold: the paired 95% CI excludes zero. Grey: no better "
                "direction (relative change shown).")
    return save(fig, folder, "scorecard")


def _axes(rows: int, cols: int):  # noqa: ANN202 - matplotlib's own types
    import matplotlib.pyplot as plt

    height = min(0.24 * rows + 2.3, 30.0)
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN_IN, height))
    fig.subplots_adjust(bottom=1.55 / height, top=1 - 0.35 / height, left=0.3, right=0.98)
    return fig, ax


def _scores(frame: pd.DataFrame) -> pd.DataFrame:
    view = frame.copy()
    view["score [95% CI]"] = [f"{format_number(m)} [{format_number(lo)}, {format_number(hi)}]"
                              for m, lo, hi in zip(view.score_mean, view.score_low,
                                                   view.score_high, strict=True)]
    keep = ["plan", "phase", "n", "score [95% CI]", "feasible", "violations", "finalist",
            "chosen"]
    return view.sort_values("score_mean", ascending=False)[keep]


def render_advise(advice: Advice, meta: dict, figure: Path) -> str:
    """`advise.html`: the answer and its guarantee first, then the scorecard and the search."""
    title = f"Which services to delegate: advice on {meta['scenario']}"
    weights = ", ".join(f"{KPIS[k].label} x{w:g}" for k, w in meta["objective"]["weights"]
                        .items())
    constraints = "; ".join(
        f"{KPIS[c['kpi']].label}: " + ", ".join(
            f"{word} at most {format_number(c[key])}" for key, word in
            (("max_increase", "rise"), ("max_decrease", "fall")) if c[key] is not None)
        for c in meta["objective"]["constraints"]) or "none"
    parts = [f"<!doctype html><html lang='en'><meta charset='utf-8'>"
             "<meta name='viewport' content='width=device-width,initial-scale=1'>"
             f"<title>{html.escape(title)}</title><style>{CSS}</style><body>"
             f"<h1>{html.escape(title)}</h1>",
             "<div class='findings'><p><b>Chosen plan:</b> "
             f"{html.escape(advice.chosen.label)}.</p><p>{html.escape(advice.statement)}</p>"
             f"</div><p class='caveat'><b>What this means and does not mean:</b> "
             f"{html.escape(MEANING)}</p>",
             f"<p class='note'>Objective: {html.escape(weights)}. Constraints: "
             f"{html.escape(constraints)}. delta = {meta['objective']['delta']:g}, alpha = "
             f"{meta['objective']['alpha']:g}. A score of +1 is worth a 1% improvement (1 point "
             "for shares) on one KPI of weight 1, against the scenario on the same "
             f"replications. Runs: {advice.runs_used} of a budget of {meta['budget']} "
             f"({advice.runs_ran} run by this command); {meta['replications']} replications "
             f"per plan in the scorecard and search, then {advice.selection_replications} "
             "fresh replications per finalist in the selection; "
             f"{meta['years']} simulated years after a {meta['warmup_days']}-day warm-up; "
             f"seed {meta['seed']}.</p>"]
    if advice.search_stopped_by_budget:
        parts.append("<p class='caveat'>The search stopped when its share of the budget was "
                     "spent; a larger --budget may find better plans.</p>")
    if len(advice.final_scores):
        parts.append("<h2>Selection</h2><p class='note'>Procedure NM (Nelson and Matejcik "
                     "1995) with common random numbers: every finalist on the same "
                     "replications; the largest mean score is chosen.</p>")
        stage = advice.stage
        if stage is not None:
            parts.append(f"<p class='note'>First stage: {stage.n0} replications of "
                         f"{stage.k} plans; S = {format_number(float(np.sqrt(stage.s2)))}, "
                         f"g = {stage.g:.4g}; replications needed for delta "
                         f"{stage.delta:g}: {stage.n}; run: {advice.selection_replications}."
                         "</p>")
        final = advice.final_scores.drop(columns="plan_id")
        for column in ("score_mean", "score_sd"):
            final[column] = final[column].map(format_number)
        parts.append(_table(final, "text"))
    parts.append("<h2>Scorecard</h2><p class='note'>Each move alone against the scenario "
                 "(paired, same replications; the numbers of <code>specsim compare</code> on "
                 "the two scenarios). Table: scorecard.csv.</p>")
    parts.append(_img(figure, "Scorecard: effect of each move on each KPI"))
    parts.append("<h2>Plans evaluated</h2>")
    parts.append(_table(_scores(advice.candidates), "text"))
    parts.append("</body></html>")
    return "\n".join(parts)
