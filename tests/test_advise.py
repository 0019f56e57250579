"""`specsim advise` on a network where theory decides the best plan (tests/advise_tiny.yaml):
it finds it; its scorecard equals `compare`'s numbers for the same two scenarios; it resumes;
objective files and budgets are checked."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.compare import paired_differences
from sim.analysis.objective import Objective, load_objective, replication_scores, scales
from sim.config import ConfigError, load_scenario
from sim.experiment.runner import make_tasks, run_tasks
from sim.presentation.cli import main

TINY = Path(__file__).parent / "advise_tiny.yaml"
OBJECTIVE = """weights: {boundary_crossings_per_patient: 1}
constraints:
  - {kpi: cost_admin_gbp, max_increase: 300000}
delta: 5
"""


def _advise(tmp_path: Path, *extra: str, out: str = "out", seed: int = 7) -> tuple[int, Path]:
    objective = tmp_path / "objective.yaml"
    objective.write_text(OBJECTIVE)
    folder = tmp_path / out
    code = main(["advise", str(TINY), "--footprints", "ics,regional", "--weights",
                 str(objective), "--workers", "1", "--seed", str(seed), "--out", str(folder),
                 *extra])
    return code, folder


@pytest.fixture(scope="module")
def advised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One advice on the tiny network, shared by the tests that only read it."""
    code, out = _advise(tmp_path_factory.mktemp("advise"))
    assert code == 0
    return out


def test_advise_finds_the_best_plan_and_writes_its_outputs(advised: Path) -> None:
    out = advised
    meta = json.loads((out / "advise.json").read_text())
    # theory: delegating both removes every crossing (score 100) but breaks the admin cap;
    # cardiac has 2/3 of the patients, so cardiac -> ics (score ~67) beats vascular (~33)
    assert meta["chosen"]["moves"] == [["cardiac", "ics"]]
    candidates = pd.read_csv(out / "candidates.csv", encoding="utf-8-sig")
    both = candidates[candidates.moves == 2].iloc[0]
    assert not both.feasible and "cost_admin_gbp" in both.violations
    assert both.score_mean == pytest.approx(100.0)
    scores = candidates.set_index("plan").score_mean
    assert scores["cardiac -> ics"] == pytest.approx(200 / 3, abs=5)
    assert scores["vascular -> ics"] == pytest.approx(100 / 3, abs=5)
    scorecard = pd.read_csv(out / "scorecard.csv", encoding="utf-8-sig")
    assert len(scorecard) == 4 * 11  # 2 services x 2 footprints, 11 KPIs
    regional = scorecard[scorecard.arrangement == "regional"]
    assert (regional.diff_mean == 0).all()  # same rules, same designated units: no change
    html = (out / "advise.html").read_text()
    assert "cardiac -&gt; ics" in html and "within 5 of the best" in html
    assert (out / "scorecard.png").stat().st_size > 10_000
    assert meta["selection"]["k"] == 4 and meta["selection"]["n_run"] >= 3


def test_scorecard_equals_compare_on_the_same_two_scenarios(advised: Path,
                                                            tmp_path: Path) -> None:
    scorecard = pd.read_csv(advised / "scorecard.csv", encoding="utf-8-sig")
    by_hand = tmp_path / "by_hand.yaml"
    by_hand.write_text(f"extends: {TINY}\nname: by_hand\ncommissioning:\n  services:\n"
                       "    cardiac: ics\n")
    base, moved = load_scenario(TINY), load_scenario(by_hand)
    tables = run_tasks(make_tasks([base, moved], 3, 7, base.run.years, base.run.warmup_days))
    diff = paired_differences(tables.kpis[tables.kpis.scope == "overall"], base.name)
    mine = scorecard[(scorecard.line == "cardiac") & (scorecard.arrangement == "ics")]
    merged = mine.merge(diff, on="kpi", suffixes=("", "_compare"))
    assert len(merged) == len(mine) == 11
    for column in ("baseline_mean", "diff_mean", "diff_low", "diff_high"):
        np.testing.assert_allclose(merged[column], merged[f"{column}_compare"], rtol=1e-9,
                                   equal_nan=True)


def test_resume_runs_nothing_again_and_gives_the_same_answer(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture
                                                            ) -> None:
    code, out = _advise(tmp_path)
    assert code == 0
    first = (out / "scorecard.csv").read_bytes()
    capsys.readouterr()
    assert _advise(tmp_path)[0] == 2  # a folder with runs needs --resume
    assert "--resume" in capsys.readouterr().err
    code, _ = _advise(tmp_path, "--resume")
    assert code == 0
    assert "(0 run now)" in capsys.readouterr().out
    assert (out / "scorecard.csv").read_bytes() == first
    # a different command may not resume this folder
    assert _advise(tmp_path, "--resume", seed=8)[0] == 2


@pytest.mark.slow
def test_advise_picks_the_best_plan_on_every_seed(tmp_path: Path) -> None:
    # the probability of correct selection on the tiny network: the gap (about 33 score points
    # against delta 5) makes it 1 in theory, so any miss is a fault of the search or selection
    chosen = []
    for seed in range(1, 6):
        code, out = _advise(tmp_path, out=f"seed{seed}", seed=seed)
        assert code == 0
        chosen.append(json.loads((out / "advise.json").read_text())["chosen"]["moves"])
    assert chosen == [[["cardiac", "ics"]]] * 5


def test_budget_below_the_scorecard_is_refused_before_any_run(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture
                                                             ) -> None:
    code, out = _advise(tmp_path, "--budget", "10")
    assert code == 2
    assert "scorecard alone needs 15 runs" in capsys.readouterr().err
    assert not out.exists()


def test_bad_footprint_is_one_line(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["advise", str(TINY), "--footprints", "ics,county"])
    assert exit_.value.code == 2
    assert "'county'" in capsys.readouterr().err


@pytest.mark.parametrize("text,where,message", [
    ("weights: {wait_mean_dayz: 1}\n", "weights.wait_mean_dayz", "did you mean 'wait_mean_days'"),
    ("weights: {units_active: 1}\n", "weights.units_active", "no better direction"),
    ("weights: {wait_mean_days: -1}\n", "weights.wait_mean_days", "greater than or equal"),
    ("constraints: [{kpi: cost_total_gbp}]\n", "constraints.0", "max_increase or max_decrease"),
    ("delta: 0\n", "delta", "greater than 0"),
    ("weigths: {}\n", "weigths", "did you mean 'weights'"),
])
def test_objective_errors_name_file_key_and_allowed(tmp_path: Path, text: str, where: str,
                                                    message: str) -> None:
    path = tmp_path / "objective.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_objective(path)
    issue = error.value.issues[0]
    assert issue.file == str(path) and issue.path.startswith(where)
    assert message in issue.message


def test_score_by_hand() -> None:
    objective = Objective(weights={"wait_mean_days": 2.0, "pct_treated_below_min_volume": 1.0})
    rows = lambda wait, share: pd.DataFrame(  # noqa: E731
        {"replication": [0, 0, 1, 1], "kpi": ["wait_mean_days", "pct_treated_below_min_volume"]
         * 2, "value": [*wait[:1], *share[:1], *wait[1:], *share[1:]]})
    base = rows([100.0, 100.0], [10.0, 12.0])
    plan = rows([90.0, 95.0], [11.0, 12.0])
    scale = scales(base, objective)
    assert scale == {"wait_mean_days": 1.0, "pct_treated_below_min_volume": 1.0}
    # replication 0: wait 10% shorter (x2 = +20), share up 1 point (-1): 19; replication 1: 10
    assert list(replication_scores(plan, base, objective, scale)) == [19.0, 10.0]


def test_default_objective_weights_every_directed_headline_kpi() -> None:
    objective = load_objective(None)
    assert "units_active" not in objective.weights
    assert {"wait_p92_days", "cost_total_gbp", "pct_treated_below_min_volume"} <= set(
        objective.weights)


def test_moves_skip_the_scenarios_own_arrangement_and_plans_are_sets() -> None:
    from sim.experiment.advise import Plan, candidate_lines, candidate_moves, plan_scenario

    base = load_scenario(TINY)
    lines = candidate_lines(base, groups=False)
    assert [line.id for line in lines] == ["cardiac", "vascular"]
    moves = candidate_moves(lines, ["ics", "national"])  # both are national already
    assert moves == [("cardiac", "ics"), ("vascular", "ics")]
    a = Plan.of([("vascular", "ics"), ("cardiac", "ics")])
    assert a == Plan.of(reversed(a.moves)) and a.id == Plan.of(reversed(a.moves)).id
    assert a.minus("cardiac") == Plan.of([("vascular", "ics")]) and Plan().id == "scenario"
    moved = plan_scenario(base, a)
    assert moved.commissioning.services == {"cardiac": "ics", "vascular": "ics"}
    assert base.commissioning.services == {}  # the scenario itself is untouched
