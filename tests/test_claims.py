"""The claims ledger (issue 17): the shipped claims table covers every claim of the seed
documents with a known KPI; `specsim compare` writes claims.csv (a row per claim and scenario
pair) and a ledger section among the first screens of report.html; verdicts follow the paired
CI and the claim's direction, whichever scenario is the baseline."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from report_small import compare_folder
from test_mechanisms import THIRD_ICS, tiny

from sim.analysis.claims import (
    NOT_ASSESSED,
    NOT_MODELLED,
    claims_ledger,
    condition_holds,
    load_claims,
    load_sensitivity,
    orientation,
    sensitive_to,
)
from sim.config.errors import ConfigError
from sim.config.loader import deep_merge
from sim.experiment.runner import make_tasks, run_tasks
from sim.model.kpi_catalogue import CATALOGUE

VERDICTS = {"supported", "contradicted", "not distinguishable from zero", NOT_MODELLED}


def test_the_table_has_every_seed_claim_and_every_mechanism() -> None:
    claims = load_claims()
    ids = {c.id for c in claims}
    # the claims of the two seeds (docs/claims.md has one paragraph each)
    assert ids >= {"handovers", "joined_up_care", "speed_up_treatment", "prevention",
                   "fragmentation", "postcode_lottery", "derogation", "national_standards",
                   "deprioritisation", "local_development", "research", "readiness",
                   "overspend", "admin_cost", "late_contracts", "variation_national",
                   "selective_delegation", "group_of_icss", "tariff_costs"}
    named = {k for c in claims for k in c.kpis}
    for kpi in (k for k in CATALOGUE if k.mechanism):  # each mechanism's KPI is some claim's
        if kpi.id not in ("trial_recruits_tertiary_pct",):
            assert kpi.id in named, kpi.id
    sources = {c.source.split(",")[0] for c in claims}
    assert len(sources) == 2 and all(c.where for c in claims)
    docs = (Path(__file__).resolve().parents[1] / "docs" / "claims.md").read_text(encoding="utf-8")
    for c in claims:
        assert f"`{c.id}`" in docs, f"docs/claims.md has no paragraph on {c.id}"


def test_a_bad_claims_table_is_refused_naming_file_row_and_value(tmp_path) -> None:
    text = (Path(__file__).resolve().parents[1] / "sim" / "data" / "claims" / "claims.csv"
            ).read_text(encoding="utf-8").replace("boundary_crossings_per_patient",
                                                  "boundary_crosings", 1)
    path = tmp_path / "claims.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"claims\.csv: handovers \(line 2\)\.kpis: unknown "
                                          r"KPI 'boundary_crosings'"):
        load_claims(path)


def test_conditions_read_the_resolved_config() -> None:
    config = {"pathway": {"handover_delay_days": 5.0},
              "mechanisms": {"prevention": {"enabled": False}},
              "commissioning": {"ics": {"budget_policy": "deprioritise"}}}
    assert condition_holds(config, "pathway.handover_delay_days>0")
    assert not condition_holds(config, "pathway.handover_delay_days>5")
    assert not condition_holds(config, "mechanisms.prevention.enabled==true")
    assert condition_holds(config, "mechanisms.prevention.enabled==true|"
                                   "commissioning.ics.budget_policy==deprioritise")
    assert condition_holds(config, "always") and not condition_holds(config, "never")
    config["commissioning"]["national"] = {"budget_policy": "absorb"}
    differ = "differ:commissioning.national.budget_policy,commissioning.ics.budget_policy"
    assert condition_holds(config, differ)
    config["commissioning"]["national"]["budget_policy"] = "deprioritise"
    assert not condition_holds(config, differ)


def test_sensitivity_comes_from_the_shipped_sweep_or_is_not_assessed() -> None:
    sweep = load_sensitivity()
    assert sensitive_to("wait_mean_days", sweep).startswith("pathway.handover_delay_days")
    assert sensitive_to("unmet_need", sweep) == NOT_ASSESSED


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    return pd.read_csv(compare_folder() / "claims.csv", encoding="utf-8-sig")


def test_compare_writes_a_row_per_claim_and_pair(ledger) -> None:
    claims = load_claims()
    assert len(ledger) == len(claims) * 2  # small_ics and small_twin against small_national
    assert set(ledger.verdict) <= VERDICTS
    assert set(ledger.claim_id) == {c.id for c in claims}
    row = ledger[(ledger.claim_id == "handovers") & (ledger.scenario == "small_ics")].iloc[0]
    # national: a hand-over in and out for every specialised patient; delegated: none
    assert row.verdict == "supported" and row.effect == pytest.approx(-2.0)
    assert row.ci_low <= row.effect <= row.ci_high
    # the twin is the baseline under another name: no difference can be significant
    twin = ledger[(ledger.scenario == "small_twin") & ~ledger.claim_id.isin(
        ["overspend", "variation_national"])]  # these read the baseline's own level
    assert not set(twin.verdict) & {"supported", "contradicted"}
    # a claim mechanism switched off is not modelled, nor is a claim nothing represents
    for claim_id in ("prevention", "research", "derogation", "readiness", "tariff_costs"):
        assert set(ledger[ledger.claim_id == claim_id].verdict) == {NOT_MODELLED}
    # the admin cost: 0.5 FTE per service in each of 3 ICSs against 1 FTE nationally
    admin = ledger[(ledger.claim_id == "admin_cost") & (ledger.scenario == "small_ics")]
    assert admin.verdict.iloc[0] == "contradicted"
    years = 0.3
    assert admin.effect.iloc[0] == pytest.approx((3 * 2 * 0.5 - 2 * 1.0) * 70000 * years)


def test_the_report_shows_the_ledger_among_its_first_screens() -> None:
    html = (compare_folder() / "report.html").read_text(encoding="utf-8")
    start = html.index("<h2 id='claims'>Claims ledger</h2>")
    assert start < html.index("id='scenarios'") < html.index("id='table'")
    section = html[start:html.index("id='scenarios'")]
    for c in load_claims():
        assert c.claim.replace("'", "&#x27;") in section, c.id
    assert section.count("<tr>") == len(load_claims()) + 1


def test_a_reversed_pair_gives_the_same_verdicts() -> None:
    folder = compare_folder()
    kpis = pd.read_parquet(folder / "kpis.parquet")
    meta = pd.read_json(folder / "run.json", typ="series").to_dict()
    two = kpis[kpis.scenario.isin(["small_national", "small_ics"])]
    forward = claims_ledger(two, meta, "small_national").set_index("claim_id")
    backward = claims_ledger(two, meta, "small_ics").set_index("claim_id")
    pairwise = forward.index[forward.supports_if.str.contains("delegated")]
    assert (forward.loc[pairwise, "verdict"] == backward.loc[pairwise, "verdict"]).all()
    assert np.allclose(forward.loc[pairwise, "effect"].astype(float),
                       backward.loc[pairwise, "effect"].astype(float), equal_nan=True)


def test_a_mechanism_switched_on_in_both_scenarios_gets_a_verdict() -> None:
    research = {"mechanisms": {"research": {"enabled": True}}}
    national = tiny(**deep_merge(THIRD_ICS, research))
    delegated = tiny(**deep_merge(THIRD_ICS, {**research, "name": "tiny_ics",
                                              "commissioning": {"default": "ics"}}))
    kpis = run_tasks(make_tasks([national, delegated], 3, 7, 1.0, 30.0)).kpis
    meta = {"scenarios": {s.name: {"config": s.model_dump(mode="json")}
                          for s in (national, delegated)}}
    row = claims_ledger(kpis, meta, "tiny").set_index("claim_id").loc["research"]
    # the third ICS's own unit is below the research-active volume: ~14 points fewer
    assert row.verdict == "supported" and -20 < row.effect < -8, row
    assert not math.isnan(row.ci_high) and row.ci_high < 0


def test_pairs_are_read_more_delegated_against_less() -> None:
    services = {s: {"delegable": True} for s in "abcd"}
    national = {"services": services, "commissioning": {"default": "national"}}
    everything = {"services": services, "commissioning": {"default": "ics"}}
    selective = {"services": services,
                 "commissioning": {"default": "national", "services": {"a": "ics"}}}
    committees = {"services": services, "commissioning": {"default": "collaborative"}}
    assert orientation("delegated_vs_national", everything, national) == 1
    assert orientation("delegated_vs_national", national, everything) == -1
    assert orientation("selective_vs_national", selective, national) == 1
    assert orientation("selective_vs_national", national, selective) == -1
    assert orientation("selective_vs_national", everything, national) == 0  # not selective
    assert orientation("collaborative_vs_ics", committees, everything) == 1
    assert orientation("collaborative_vs_ics", committees, national) == 0


def test_readiness_is_supported_when_some_icss_are_held_back() -> None:
    gate = {"mechanisms": {"readiness": {"enabled": True, "min_population": 900000}}}
    national = tiny(**gate)
    delegated = tiny(**deep_merge(gate, {"name": "tiny_ics", "commissioning": {
        "default": "ics", "ics": {"late_contract_probability": 0}}}))
    kpis = run_tasks(make_tasks([national, delegated], 2, 7, 0.2, 30.0)).kpis
    meta = {"scenarios": {s.name: {"config": s.model_dump(mode="json")}
                          for s in (national, delegated)}}
    for baseline in ("tiny", "tiny_ics"):  # either way round: South (800,000) is held back
        row = claims_ledger(kpis, meta, baseline).set_index("claim_id").loc["readiness"]
        assert row.verdict == "supported" and row.effect == -1.0, (baseline, row)
