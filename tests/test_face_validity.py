"""Face validity: where the England default reproduces a published magnitude, show it.

Figures from the shared seeds (`shared/seeds/`, NAO 2016 as reported by the Guardian; HSJ on
the Shelford Group letter) and the volume-outcome studies cited in services.yaml. Where the
default cannot reproduce a figure, the test pins the reason (see docs/model.md, "Validation").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.analysis.compare import paired_differences
from sim.config import load_scenario
from sim.config.schema import Scenario
from sim.experiment.runner import make_tasks, run_tasks
from sim.model.network import build_network
from sim.model.outcomes import adverse_probability

NAO_FTE, NAO_STAFF_COST_GBP, NAO_SERVICES = 489, 38e6, 146
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def test_national_commissioning_staff_reproduce_nao_totals():
    """489 FTE cost GBP 38m (NAO 2016, 2015-16 prices): fte_cost = 38m / 489 uplifted to
    2023-24 prices (x 1.2401, price_index.csv) and 3.35 FTE per service x 146 services = 489
    FTE, so the national team for all services costs GBP 38m at 2015-16 prices."""
    s = load_scenario(SCENARIOS / "centralised.yaml")
    rules = s.commissioning.national
    assert s.pathway.fte_cost_gbp == pytest.approx(NAO_STAFF_COST_GBP / NAO_FTE * 1.2401,
                                                   rel=1e-4)
    assert rules.admin_fte_per_service * NAO_SERVICES == pytest.approx(NAO_FTE, rel=0.002)
    full_cost = rules.admin_fte_per_service * NAO_SERVICES * s.pathway.fte_cost_gbp / 1.2401
    assert full_cost == pytest.approx(NAO_STAFF_COST_GBP, rel=0.002)
    # the model's national team: 11 detailed services + 20 groups standing for 140 services
    national = build_network(s).commissioners[0]
    assert national.admin_fte == pytest.approx(3.35 * (11 + 140))
    assert 400 < national.admin_fte < 600  # the NAO's 489, give or take the service count


def test_the_whole_specialised_budget_is_in_the_model():
    """Specialised spend was GBP 25.0bn in 2023-24, about GBP 14bn of it delegated to ICBs
    from April 2025 (specialised_finance.csv, delegation_timeline.csv). The centralised
    baseline's budgets (expected activity of the 11 services and the 20 service groups at
    tariff, budget_headroom 0) add up to it within 5%, and its delegable lines to about 14bn."""
    s = load_scenario(SCENARIOS / "centralised.yaml")
    net = build_network(s)
    budget = sum(c.budget0 for c in net.commissioners)
    assert budget == pytest.approx(25.0e9, rel=0.05)
    delegable = sum(g.annual_episodes * g.cost_per_episode_gbp
                    for g in s.service_groups.values() if g.delegable)
    assert 11e9 < delegable < 14.5e9  # groups alone; the detailed delegable services add ~1.7bn


def test_og_volume_outcome_curve_matches_cited_mortality():
    """OG resection: Korean cohort 11.1% below 12/yr, 6.4% mid-volume, 3.4% above 48/yr; Dutch
    13% below 7/yr vs 5%. The default curve gives p(6), p(30), p(70) within 1.5 points."""
    outcome = load_scenario("england").services["og_cancer_surgery"].outcome
    for volume, published in ((6, 0.111), (30, 0.064), (70, 0.034)):
        assert adverse_probability(outcome, volume) == pytest.approx(published, abs=0.015)
    volumes = np.arange(0, 200)
    p = np.array([adverse_probability(outcome, v) for v in volumes])
    assert np.all(np.diff(p) < 0), "p(v) must fall with volume"


def _og_only(path: Path) -> Scenario:
    data = load_scenario(path).model_dump(mode="json")
    data["services"] = {"og_cancer_surgery": data["services"]["og_cancer_surgery"]}
    data["commissioning"]["services"] = {}
    return Scenario.model_validate(data)


@pytest.mark.slow
def test_more_small_units_mean_more_adverse_outcomes():
    """Volume-outcome direction at model level (Shelford's fragmentation claim): delegating OG
    surgery to ICSs with localisation opens more units, more patients are treated below the
    minimum volume, and adverse outcomes per 1,000 rise (paired over common random numbers)."""
    scenarios = [_og_only(SCENARIOS / "centralised.yaml"),
                 _og_only(SCENARIOS / "ics_delegation.yaml")]
    kpis = run_tasks(make_tasks(scenarios, replications=8, seed=5, years=2.0,
                                warmup_days=180.0)).kpis
    diff = paired_differences(kpis, "centralised")
    diff = diff[(diff.scope == "overall") & (diff.scenario == "ics_delegation")].set_index("kpi")
    for kpi in ("units_active", "pct_treated_below_min_volume", "adverse_per_1000"):
        assert diff.loc[kpi, "diff_low"] > 0, f"{kpi}: {diff.loc[kpi].to_dict()}"
