"""The four claim mechanisms (issue 17): off, a scenario runs exactly as without them (common
random numbers, same KPIs to the last digit); on, each moves its KPIs in the documented
direction by about the size a hand calculation gives, on the two-ICS test network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.config import load_scenario
from sim.config.errors import ConfigError
from sim.config.loader import deep_merge
from sim.config.schema import Scenario
from sim.experiment.runner import make_tasks, run_tasks
from sim.model.commissioning import CommissioningPlan, PlanEntry
from sim.model.kpi_catalogue import CATALOGUE
from sim.model.network import build_network
from sim.model.readiness import gate_plan
from sim.model.rng import stream
from sim.model.standards import derogation_scale

ROOT = Path(__file__).resolve().parents[1]
TINY = yaml.safe_load((ROOT / "tests" / "tiny.yaml").read_text())
REPS, YEARS, WARMUP = 2, 1.0, 30.0
ALL_ON = {"prevention": {"enabled": True}, "research": {"enabled": True},
          "standards": {"enabled": True}, "readiness": {"enabled": True}}


def tiny(**overrides: Any) -> Scenario:
    return Scenario.model_validate(deep_merge(TINY, overrides))


def kpis(scenario: Scenario, reps: int = REPS) -> pd.DataFrame:
    return run_tasks(make_tasks([scenario], reps, 7, YEARS, WARMUP)).kpis


def value(table: pd.DataFrame, kpi: str, scope: str = "overall") -> np.ndarray:
    rows = table[(table.kpi == kpi) & (table.scope == scope)].sort_values("replication")
    return rows.value.to_numpy()


def shared(table: pd.DataFrame) -> pd.DataFrame:
    """The rows a run without mechanisms has too."""
    own = {k.id for k in CATALOGUE if k.mechanism}
    return table[~table.kpi.isin(own)].reset_index(drop=True)


ICS = {"commissioning": {"default": "ics", "ics": {"late_contract_probability": 0}}}


def test_mechanisms_off_change_nothing_even_with_other_parameters() -> None:
    base = kpis(tiny(**ICS))
    off = {name: {"enabled": False} for name in ALL_ON}
    off["prevention"]["incidence_change_pct"] = -50.0
    off["standards"]["derogation_sd"] = 0.5
    off["readiness"]["min_population"] = 10**9
    pd.testing.assert_frame_equal(kpis(tiny(**ICS, mechanisms=off)), base, check_exact=True)


def test_catalogue_lists_exactly_what_a_run_with_every_mechanism_emits() -> None:
    table = kpis(tiny(**ICS, mechanisms=ALL_ON), reps=1)
    emitted = set(zip(table.kpi, table.scope, strict=True))
    described = {(k.id, scope) for k in CATALOGUE for scope in k.scopes}
    assert emitted == described
    for k in CATALOGUE:
        if k.mechanism:
            v = value(table, k.id)
            assert len(v) and ((v >= k.bounds[0]) & (v <= k.bounds[1])).all(), k.id


def test_each_mechanism_on_with_nothing_to_act_on_leaves_the_run_as_it_was() -> None:
    """National commissioning: no end-to-end pathway to prevent in, nobody who derogates,
    nothing to gate; research only measures. Every shared KPI equals the baseline exactly."""
    base = kpis(tiny())
    on = kpis(tiny(mechanisms=ALL_ON))
    pd.testing.assert_frame_equal(shared(on), base, check_exact=True)
    assert (value(on, "incidence_change_pct") == 0).all()
    # everyone is accepted under the national rules of the test network: no spread at all
    assert (value(on, "access_rate_range_between_ics") == 0).all()
    assert (value(on, "icss_delegated") == 0).all()


# -- prevention ----------------------------------------------------------------------------------
def test_prevention_lowers_referrals_by_the_stated_share_after_the_lag() -> None:
    base = kpis(tiny(**ICS))
    on = kpis(tiny(**ICS, mechanisms={"prevention": {"enabled": True,
                                                     "incidence_change_pct": -20.0,
                                                     "lag_days": 0.0}}))
    change = value(on, "incidence_change_pct")
    # ~720 specialised referrals a year: binomial SE of the share about 1.5 points
    assert np.all(np.abs(change + 20.0) < 5.0), change
    referrals_base, referrals_on = value(base, "referrals"), value(on, "referrals")
    assert np.allclose(referrals_on / referrals_base, 1 + change / 100.0, atol=1e-12)
    assert (value(on, "wait_mean_days") <= value(base, "wait_mean_days")).all()
    # after a lag longer than the run, nothing is prevented and nothing moves
    late = kpis(tiny(**ICS, mechanisms={"prevention": {"enabled": True,
                                                       "incidence_change_pct": -20.0,
                                                       "lag_days": 1000.0}}))
    assert (value(late, "incidence_change_pct") == 0).all()
    pd.testing.assert_frame_equal(shared(late), base, check_exact=True)


def test_prevention_can_shift_care_to_local_management_instead() -> None:
    base = kpis(tiny(**ICS))
    on = kpis(tiny(**ICS, mechanisms={"prevention": {
        "enabled": True, "incidence_change_pct": -20.0, "lag_days": 0.0,
        "effect": "local_management"}}))
    assert (value(on, "referrals") == value(base, "referrals")).all()
    shifted = value(on, "managed_locally") - value(base, "managed_locally")
    specialised = value(base, "referrals") - value(base, "managed_locally")
    assert np.allclose(-100.0 * shifted / specialised, value(on, "incidence_change_pct"))


def test_prevention_only_where_an_ics_commissions_the_pathway_end_to_end() -> None:
    national = kpis(tiny(mechanisms={"prevention": {"enabled": True, "lag_days": 0.0,
                                                    "incidence_change_pct": -50.0}}))
    assert (value(national, "incidence_change_pct") == 0).all()


# -- research ------------------------------------------------------------------------------------
THIRD_ICS = {
    "geography": {"icss": [*TINY["geography"]["icss"], {
        "code": "I3", "name": "East", "region_code": "R1", "region_name": "Region",
        "population": 300000, "lat": 52.5, "lon": 1.2}],
        "providers": [*TINY["geography"]["providers"], {
            "code": "P3", "name": "East Trust", "icb_code": "I3", "lat": 52.5, "lon": 1.2}]},
    "commissioning": {"ics": {"late_contract_probability": 0, "localise": {
        "enabled": True, "threshold_share_of_min_volume": 0.5, "capacity": "added"}}},
}


def test_research_share_falls_when_a_small_ics_opens_its_own_unit() -> None:
    """Three ICSs: the third (300,000 people, ~120 cardiac patients a year, below the minimum
    volume of 200) opens its own unit under delegation. Its patients leave the research-active
    units: the share treated in them falls by about 120 / 840 = 14 points."""
    research = {"research": {"enabled": True, "recruitment_share": 0.1}}
    national = kpis(tiny(**deep_merge(THIRD_ICS, {"mechanisms": research})))
    delegated = kpis(tiny(**deep_merge(THIRD_ICS, {"mechanisms": research,
                                                   "commissioning": {"default": "ics"}})))
    share_n = value(national, "patients_in_research_active_units_pct")
    share_d = value(delegated, "patients_in_research_active_units_pct")
    assert (share_n == 100.0).all()
    assert np.all(np.abs(share_n - share_d - 100 * 120 / 840) < 5), share_d
    # recruits: 10% of the patients treated at active units (an expected count)
    units = delegated[delegated.scope == "unit"]
    active = units[(units.kpi == "unit_volume_median") & (units.value >= 200)]
    starts = units[(units.kpi == "treated") & units.key.isin(active.key)]
    assert np.allclose(value(delegated, "trial_recruits"),
                       0.1 * starts.groupby("replication").value.sum().to_numpy())
    assert (value(delegated, "trial_recruits") < value(national, "trial_recruits")).all()


def test_tertiary_centres_carry_the_recruits_when_only_they_reach_the_volume() -> None:
    # research-active at 1.8 x 200 = 360 a year: only the larger North unit (P1, tertiary,
    # ~400 a year; South ~320)
    on = kpis(tiny(mechanisms={"research": {"enabled": True,
                                            "active_share_of_min_volume": 1.8}}))
    assert (value(on, "trial_recruits_tertiary_pct") == 100.0).all()
    assert np.all((value(on, "patients_in_research_active_units_pct") > 40)
                  & (value(on, "patients_in_research_active_units_pct") < 70))


# -- standards -----------------------------------------------------------------------------------
def test_derogation_widens_access_between_icss_and_audit_narrows_it_at_a_cost() -> None:
    pathway = {"pathway": {"fte_cost_gbp": 60000.0}}
    base = kpis(tiny(**ICS, **pathway, mechanisms={"standards": {"enabled": True,
                                                                 "derogation_sd": 0.0}}))
    loose = {"enabled": True, "derogation_sd": 0.2}
    derogating = kpis(tiny(**ICS, **pathway, mechanisms={"standards": loose}))
    assert (value(base, "access_rate_range_between_ics") == 0).all()
    # hand calculation: commissioner k accepts routine referrals at 1 - 0.2 |z_k|; 20% urgent
    # are always accepted, so the ICSs' access differs by 0.8 x 0.2 x | |z_1| - |z_2| |
    for rep, observed in enumerate(value(derogating, "access_rate_range_between_ics")):
        z = [abs(stream(7, rep, "derogation", f"ICS {code}").standard_normal())
             for code in ("I1", "I2")]
        expected = 0.8 * 0.2 * abs(z[0] - z[1])
        assert abs(observed - expected) < 0.05, (rep, observed, expected)
    assert (value(derogating, "unmet_need") > value(base, "unmet_need")).all()
    # full audit: no derogation (the same run as none), and the audit staff cost 1 FTE each
    audited = kpis(tiny(**ICS, **pathway, mechanisms={"standards": {
        **loose, "audit_fte_per_commissioner": 1.0}}))
    assert derogation_scale(tiny(mechanisms={"standards": {
        **loose, "audit_fte_per_commissioner": 0.5}}).mechanisms.standards) == pytest.approx(0.1)
    assert (value(audited, "access_rate_range_between_ics") == 0).all()
    extra = value(audited, "cost_admin_gbp") - value(base, "cost_admin_gbp")
    assert np.allclose(extra, 2 * 60000.0 * YEARS)


# -- readiness -----------------------------------------------------------------------------------
def test_readiness_keeps_an_unready_ics_in_joint_arrangements() -> None:
    ready = kpis(tiny(**ICS, mechanisms={"readiness": {"enabled": True}}))
    gated = kpis(tiny(**ICS, mechanisms={"readiness": {"enabled": True,
                                                       "min_population": 900000}}))
    assert (value(ready, "icss_delegated") == 2).all()
    assert (value(gated, "icss_delegated") == 1).all()
    # South (800,000 people) stays with its NHS England region: hand-overs come back
    crossings = value(gated, "boundary_crossings_per_patient", "ics")
    assert (value(ready, "boundary_crossings_per_patient") == 0).all()
    assert (crossings > 0).any()
    money = kpis(tiny(**ICS, mechanisms={"readiness": {
        "enabled": True, "min_financial_position_gbp_m": -10.0,
        "financial_position_gbp_m": {"I1": -25.0, "I2": 3.0},
        "min_capability_score": 0.5, "capability_score": {"I2": 0.9}}}), reps=1)
    assert (value(money, "icss_delegated") == 1).all()


def test_gate_plan_holds_unready_icss_back_entry_by_entry() -> None:
    scenario = tiny(**ICS, mechanisms={"readiness": {"enabled": True,
                                                     "min_population": 900000}})
    net = build_network(scenario)
    plan = CommissioningPlan((PlanEntry(0.0, "cardiac", "ics"),
                              PlanEntry(100.0, "cardiac", "national")))
    gated = gate_plan(plan, scenario, net.icss)
    assert gated.arrangement("cardiac", "I2", 0.0) == "regional"
    assert gated.arrangement("cardiac", "I1", 0.0) == "ics"
    assert gated.arrangement("cardiac", "I2", 200.0) == "national"  # a later entry still wins
    assert gate_plan(plan, tiny(**ICS), net.icss) is plan


def test_readiness_data_must_name_known_icss(write_yaml) -> None:
    bad = deep_merge(TINY, {"mechanisms": {"readiness": {"capability_score": {"I9": 1.0}}}})
    with pytest.raises(ConfigError, match=r"mechanisms\.readiness\.capability_score\.I9.*I9"):
        load_scenario(write_yaml(bad))
    with pytest.raises(ConfigError, match="fallback"):
        load_scenario(write_yaml(deep_merge(TINY, {"mechanisms": {"readiness": {
            "fallback": "ics"}}})))
