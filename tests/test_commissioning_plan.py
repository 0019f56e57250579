"""A dated commissioning plan: resolution by date, the switch at each date, the transition
(budget split, staff moved, contracts re-let, disruption), outputs, and bad input."""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.config import load_scenario
from sim.config.errors import ConfigError
from sim.experiment.runner import RunTask, run_task
from sim.model.commissioning import NATIONAL_INDEX, CommissioningPlan, budget_between
from sim.model.network import build_network
from sim.model.records import TREATED
from sim.model.simulation import Simulation
from sim.model.transition import commissioning_rows

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "tiny.yaml"
CHANGE = datetime.date(2026, 6, 1)  # tiny starts 2026-01-31: day 121
CHANGE_DAY = float((CHANGE - datetime.date(2026, 1, 31)).days)


def _tiny(write_yaml, plan: list[dict], tariff: float = 0.0, **commissioning) -> Path:
    data = yaml.safe_load(TINY.read_text())
    data["services"]["cardiac"]["tariff_gbp"] = tariff
    data["commissioning"].update({"plan": plan, **commissioning})
    return write_yaml(data)


def _i1_to_ics(**extra) -> list[dict]:
    return [{"from": CHANGE.isoformat(), "services": ["cardiac"], "icss": ["I1"],
             "arrangement": "ics", **extra}]


# -- resolution by date ----------------------------------------------------------------------
def test_plan_resolves_by_date_region_and_order(write_yaml) -> None:
    path = _tiny(write_yaml, [
        # listed out of date order on purpose: steps apply in date order
        {"from": "2026-09-01", "services": ["all"], "regions": ["Region"],
         "arrangement": "national"},
        {"from": CHANGE.isoformat(), "services": ["cardiac"], "icss": ["I1"],
         "arrangement": "ics"},
        {"from": CHANGE.isoformat(), "services": ["delegable"], "icss": ["I2"],
         "arrangement": "regional"},
    ])
    scenario = load_scenario(path)
    net = build_network(scenario)
    plan = CommissioningPlan.of(scenario, net.icss)
    assert plan.dated and plan.change_days("cardiac") == [CHANGE_DAY, CHANGE_DAY + 92]
    assert plan.arrangement("cardiac", "I1", CHANGE_DAY - 1e-9) == "national"
    assert plan.arrangement("cardiac", "I1", CHANGE_DAY) == "ics"
    assert plan.arrangement("cardiac", "I2", CHANGE_DAY) == "regional"
    assert plan.arrangement("cardiac", "I1", CHANGE_DAY + 92) == "national"  # the later step
    # one epoch per distinct arrangement vector, with routing tables for each
    epochs = net.services[0].epochs
    assert [e.day for e in epochs] == [0.0, CHANGE_DAY, CHANGE_DAY + 92]
    assert [net.commissioners[k].key for k in epochs[1].commissioner] == [
        "ICS I1", "NHSE region R1"]
    assert epochs[1].candidates is not None and len(epochs[1].candidates) == 2


def test_a_day_zero_plan_is_the_scenario_without_a_plan(write_yaml) -> None:
    """A plan whose only step starts on day 0 is the same as saying it in `services`: the
    same network and the same numbers (no commissioning rows: nothing changes)."""
    start = "2026-01-31"
    planned = load_scenario(_tiny(write_yaml, [
        {"from": start, "services": ["cardiac"], "arrangement": "ics"}]))
    data = yaml.safe_load(TINY.read_text())
    data["commissioning"]["services"] = {"cardiac": "ics"}
    stated = load_scenario(write_yaml(data, "stated.yaml"))
    a = run_task(RunTask(planned, 0, 7, 0.5, 30.0))
    b = run_task(RunTask(stated, 0, 7, 0.5, 30.0))
    for name in ("kpis", "waits", "timeseries", "units"):
        x, y = getattr(a, name).drop(columns="scenario"), getattr(b, name).drop(columns="scenario")
        assert x.equals(y), name
    assert not (a.timeseries.scope == "commissioning").any()


# -- the switch at the date ------------------------------------------------------------------
def test_referrals_after_the_date_go_to_the_new_commissioner(write_yaml) -> None:
    scenario = load_scenario(_tiny(write_yaml, _i1_to_ics(), tariff=1000.0))
    sim = Simulation(scenario, 0)
    res = sim.run()
    net, p, r = res.network, res.patients, res.records
    ics_i1 = net.commissioner_index("ICS I1")
    decided = r.commissioner >= 0
    after = decided & (r.decision >= CHANGE_DAY)
    before = decided & (r.decision < CHANGE_DAY)
    assert (r.commissioner[before] == NATIONAL_INDEX).all()
    assert (r.commissioner[after & (p.ics == 0)] == ics_i1).all()
    assert (r.commissioner[after & (p.ics == 1)] == NATIONAL_INDEX).all()
    assert (after & (p.ics == 0)).sum() > 100
    # delegated to the ICS: no hand-over between local and specialised care any more
    moved = after & (p.ics == 0) & (r.status == TREATED) & ~r.escalated
    assert (r.crossings[moved] == 0).all()
    stayed = before & (p.ics == 0) & (r.status == TREATED) & ~r.escalated
    assert (r.crossings[stayed] == 2).all()
    # treatments starting after the date are paid by the new commissioner, whoever accepted
    # them (budgets and contracts move together)
    spend = sim.commissioners.spend_by_year.sum(axis=1)
    i1_after = ((r.status == TREATED) & (p.ics == 0) & (r.start >= CHANGE_DAY)).sum()
    assert spend[ics_i1] == pytest.approx(1000.0 * i1_after)
    starts = (r.status == TREATED).sum() + r.escalated.sum()
    assert spend.sum() == pytest.approx(1000.0 * starts)
    # the same patients arrive with and without the plan (common random numbers)
    plain = Simulation(load_scenario(TINY), 0).patients
    assert np.array_equal(plain.referral, p.referral)


def test_timeseries_shows_the_commissioner_change_at_the_month_of_the_date(write_yaml) -> None:
    scenario = load_scenario(_tiny(write_yaml, _i1_to_ics()))
    ts = run_task(RunTask(scenario, 0, 7, 1.0, 30.0)).timeseries
    plan = ts[ts.scope == "commissioning"].pivot_table(index="date", columns=["key", "kpi"],
                                                         values="value")
    assert plan.loc["2026-05-31", ("all", "commissioners_paying")] == 1
    assert plan.loc["2026-06-30", ("all", "commissioners_paying")] == 2
    assert plan.loc["2026-05-31", ("cardiac", "icss_national")] == 2
    assert plan.loc["2026-06-30", ("cardiac", "icss_ics")] == 1
    assert plan.loc["2026-06-30", ("cardiac", "icss_national")] == 1
    # the waiting list by commissioner: the ICS appears only after it commissions
    by_c = ts[(ts.scope == "commissioner") & (ts.key == "ICS I1")
              & (ts.kpi == "waiting_list_end")].set_index("date").value
    assert by_c["2026-05-31"] == 0 and by_c["2026-07-31"] > 0


def test_delegation_timeline_takes_commissioners_from_1_to_43_at_the_real_dates() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "delegation_timeline.yaml")
    net = build_network(scenario)
    start = scenario.run.start_date

    def paying(date: str) -> float:
        day = float((datetime.date.fromisoformat(date) - start).days)
        return commissioning_rows(net.lines(), net.commissioners, day)[0][3]

    assert [paying(d) for d in ("2023-03-31", "2023-04-01", "2024-03-31", "2024-04-01",
                                "2025-03-31", "2025-04-01", "2026-03-31")] == [
        1, 10, 10, 26, 26, 43, 43]  # NHSE; + 9 joint committees; 20 ICBs + 5; 42 ICBs
    # highly specialised care stays national throughout
    hss = next(g for g in net.groups if g.id == "hss_highly_specialised")
    assert len(hss.epochs) == 1 and set(hss.commissioner.tolist()) == {NATIONAL_INDEX}
    # budgets are moved, never made: the total is the same before and after every wave
    totals = [sum(budget_between(c, d, d + 1.0) for c in net.commissioners)
              for d in (0.0, 200.0, 600.0, 1000.0)]
    growth = [(1.03) ** (d / 365.0) for d in (0.0, 200.0, 600.0, 1000.0)]
    assert np.allclose(np.array(totals) / growth, totals[0], rtol=1e-3)
    national = net.commissioners[NATIONAL_INDEX]
    assert national.budget_steps[-1][1] / national.budget0 == pytest.approx(0.44, abs=0.03)


@pytest.mark.slow
def test_delegation_timeline_runs_and_its_timeseries_shows_the_first_wave() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "delegation_timeline.yaml")
    ts = run_task(RunTask(scenario, 0, scenario.run.seed, 0.52, 30.0)).timeseries
    counts = ts[(ts.scope == "commissioning") & (ts.key == "all")].set_index("date").value
    assert counts["2023-03-31"] == 1 and counts["2023-04-30"] == 10
    cardiac = ts[(ts.scope == "commissioning") & (ts.key == "cardiac_surgery")
                 & (ts.kpi == "icss_collaborative")].set_index("date").value
    assert cardiac["2023-03-31"] == 0 and cardiac["2023-04-30"] == 42


# -- the transition --------------------------------------------------------------------------
def test_budget_and_staff_move_with_the_services(write_yaml) -> None:
    path = _tiny(write_yaml, _i1_to_ics(), tariff=10_000.0, ics={"admin_fte_per_service": 2.0},
                 national={"late_contract_probability": 0, "admin_fte_per_service": 5.0})
    net = build_network(load_scenario(path))
    national, ics = net.commissioners[NATIONAL_INDEX], net.commissioners[1]
    sn = net.services[0]
    expected = sn.epochs[0].expected
    moved = national.budget0 * expected[0] / (expected.sum() + net.escalation_expected)
    assert ics.budget_steps == [(CHANGE_DAY, pytest.approx(moved))]
    assert national.budget_steps == [(CHANGE_DAY, pytest.approx(national.budget0 - moved))]
    year = 365.0
    assert (budget_between(national, 0, year) + budget_between(ics, 0, year)
            == pytest.approx(budget_between(national, 0, CHANGE_DAY)
                             + budget_between(national, CHANGE_DAY, year)
                             + budget_between(ics, CHANGE_DAY, year)))
    assert budget_between(ics, 0, CHANGE_DAY) == 0.0
    # the ICS team exists from the date; NHSE keeps its team (it still commissions for I2)
    assert ics.admin_fte_mean(0, CHANGE_DAY) == 0.0
    assert ics.admin_fte_mean(CHANGE_DAY, year) == 2.0
    assert ics.admin_fte_mean(0, year) == pytest.approx(2.0 * (year - CHANGE_DAY) / year)
    assert national.admin_fte_mean(0, year) == 5.0


def test_the_new_commissioner_relets_contracts(write_yaml) -> None:
    path = _tiny(write_yaml, _i1_to_ics(),
                 ics={"late_contract_probability": 1.0, "late_contract_days": 40,
                      "late_contract_delay_days": 14})
    sim = Simulation(load_scenario(path), 0, years=0.8)  # one annual round, at day 0
    res = sim.run()
    k = res.network.commissioner_index("ICS I1")
    # the round at day 0 (late to day 40) and the re-let at the date: the latest holds
    assert sim.commissioners.late_until[k] == CHANGE_DAY + 40
    r, p = res.records, res.patients
    late = ((r.decision >= CHANGE_DAY) & (r.decision < CHANGE_DAY + 40) & (p.ics == 0)
            & (r.status == TREATED) & ~p.backlog & ~p.emergency)
    assert late.sum() > 10
    assert (r.start[late] - r.decision[late] >= 14 - 1e-9).all()
    off = load_scenario(_tiny(write_yaml, _i1_to_ics(), transition={"contract_relet": False},
                              ics={"late_contract_probability": 1.0, "late_contract_days": 40}))
    quiet = Simulation(off, 0, years=0.8)
    quiet.run()
    assert quiet.commissioners.late_until[k] == 40.0  # only the round at day 0


def test_disruption_delays_moved_referrals_for_its_months_only(write_yaml) -> None:
    def handover(transition: dict) -> tuple[np.ndarray, ...]:
        path = _tiny(write_yaml, _i1_to_ics(), transition=transition)
        res = Simulation(load_scenario(path), 0).run()
        return res.records.handover, res.records.decision, res.patients.ics

    base, decision, ics = handover({})
    slow, _, _ = handover({"disruption_days": 10, "disruption_months": 2})
    window = (decision >= CHANGE_DAY) & (decision < CHANGE_DAY + 2 * 365 / 12)
    elective = ~np.isnan(base) & (base >= 0)
    delta = slow - base
    hit = window & (ics == 0) & elective
    assert hit.sum() > 20
    assert np.allclose(delta[hit & (delta != 0)], 10.0)
    assert (delta[~window | (ics == 1)] == 0).all()


# -- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize(("step", "where", "says"), [
    ({"services": ["cardiak"]}, "plan.0.services.0", "did you mean 'cardiac'"),
    ({"icss": ["I9"]}, "plan.0.icss.0", "unknown ICS code 'I9'"),
    ({"icss": "all", "regions": ["Nowhere"]}, "plan.0.regions.0", "allowed: R1, Region"),
    ({"icss": "everyone"}, "plan.0.icss", "a list of ICS codes, or all (got 'everyone')"),
    ({"form": "2026-06-01"}, "plan.0.form", "did you mean 'from'?); allowed keys: "
                                            "arrangement, from, icss"),
    ({"from": "2030-01-01"}, "plan.0.from", "outside the run; allowed: 2026-01-31"),
    ({"from": "2025-12-31"}, "plan.0.from", "outside the run"),
    ({"arrangement": "county"}, "plan.0.arrangement", "'national'"),
    ({"services": [], "service_groups": []}, "plan.0", "at least one service"),
    ({"icss": ["I1"], "regions": ["R1"]}, "plan.0", "either icss or regions"),
    ({"service_groups": ["cardiac"], "services": []}, "plan.0.service_groups.0",
     "unknown service group 'cardiac'"),
])
def test_bad_plan_steps_are_refused_with_file_key_value_and_allowed(
        write_yaml, step: dict, where: str, says: str) -> None:
    good = {"from": CHANGE.isoformat(), "services": ["cardiac"], "arrangement": "ics"}
    if "form" in step:
        del good["from"]
    with pytest.raises(ConfigError) as info:
        load_scenario(_tiny(write_yaml, [{**good, **step}]))
    text = str(info.value)
    assert f"scenario.yaml: commissioning.{where}" in text and says in text, text


def test_a_non_delegable_service_cannot_be_delegated_by_a_plan(write_yaml) -> None:
    data = yaml.safe_load(TINY.read_text())
    data["services"]["cardiac"]["delegable"] = False
    data["commissioning"]["plan"] = [{"from": CHANGE.isoformat(), "services": ["cardiac"],
                                      "arrangement": "ics"}]
    with pytest.raises(ConfigError, match="not delegable.*allowed: national, regional"):
        load_scenario(write_yaml(data))
    data["commissioning"]["plan"][0]["services"] = ["all"]  # `all` leaves it out, like default
    with pytest.raises(ConfigError, match="'all' selects no service for 'ics'"):
        load_scenario(write_yaml(data))


# -- outputs of a run with a dated plan ------------------------------------------------------
def test_compare_writes_the_commissioners_table_and_the_transition_figure(
        write_yaml, tmp_path: Path) -> None:
    from sim.presentation.cli import main

    planned = _tiny(write_yaml, _i1_to_ics())
    data = yaml.safe_load(planned.read_text())
    data["name"] = "tiny_plan"
    planned.write_text(yaml.safe_dump(data))
    out = tmp_path / "out"
    assert main(["compare", str(TINY), str(planned), "--baseline", "tiny", "--replications",
                 "2", "--years", "0.5", "--workers", "1", "--out", str(out)]) == 0
    table = pd.read_csv(out / "commissioners.csv")
    assert set(table.scenario) == {"tiny_plan"}  # the plain scenario has no dated plan
    i1 = table[table.ics == "I1"].set_index("date")
    assert i1.loc["2026-05-31", "commissioner"] == "NHSE national"
    assert i1.loc["2026-06-30", "commissioner"] == "ICS I1"
    assert (table[table.ics == "I2"].commissioner == "NHSE national").all()
    assert (out / "figures" / "n_transition.png").is_file()
    assert "KPIs through the commissioning transition" in (out / "report.html").read_text()
