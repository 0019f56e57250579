"""Money as risk (issue 12): allocations, costs as distributions, shocks, pooling, risk-share,
provider accounts and honest intervals for proportions."""

from __future__ import annotations

import numpy as np
import pytest
from finance_helpers import POPULATIONS, TARIFF, pooled, run, tiny
from scipy import stats
from sweep_helpers import TINY

from sim.analysis.finance import finance_summary, pooling_table, provider_summary
from sim.analysis.stats import t_interval, wilson_interval
from sim.config.finance import CostPressure, Shocks
from sim.config.sweep import apply
from sim.model import kpi_catalogue
from sim.model.calendar import periods
from sim.model.finance import shock_costs
from sim.model.network import build_network
from sim.model.prices import cost_pressure

WAIT_KPIS = set(kpi_catalogue.ids("patient")) | set(kpi_catalogue.ids("waiting"))


def test_stochastic_costs_leave_every_wait_kpi_identical():
    """Cost draws have streams of their own: waits, counts and the waiting list do not move,
    while spend does."""
    plain = tiny()
    costly = tiny(episode_cost_cv=1.5, provider_price={"P1": 1.3}, provider_price_sd_log=0.4,
                  national_discount=0.05,
                  shocks={"rate_per_year": 2.0, "annual_cost_gbp": 5e6},
                  cost_pressure={"national_sd": 0.05, "local_sd_at_1m": 0.05})
    a, b = run([plain], 2, warmup_days=30), run([costly], 2, warmup_days=30)
    ka, kb = a.kpis, b.kpis
    waits = ka.kpi.isin(WAIT_KPIS)
    assert waits.sum() > 50
    np.testing.assert_array_equal(ka[waits].value.to_numpy(), kb[waits].value.to_numpy())
    np.testing.assert_array_equal(a.timeseries.value.to_numpy(), b.timeseries.value.to_numpy())
    np.testing.assert_array_equal(a.waits.wait_days.to_numpy(), b.waits.wait_days.to_numpy())
    assert not np.allclose(a.finance.spend_gbp, b.finance.spend_gbp)


def test_a_191m_shock_raises_the_years_spend_by_191m():
    """A hepatitis-C-like technology at full uptake from day 0: NHSE's year costs GBP 191m more,
    replication by replication (same patients)."""
    base = tiny(episode_cost_cv=0.5)
    shocked = tiny(episode_cost_cv=0.5, shocks={"scheduled_days": [0.0], "uptake_years": 0.0,
                                                "annual_cost_gbp": 191e6})
    a, b = run([base], 3).finance, run([shocked], 3).finance
    diff = b.spend_gbp.to_numpy() - a.spend_gbp.to_numpy()
    assert diff == pytest.approx(np.full(3, 191e6), rel=1e-9)


def test_random_shocks_cost_what_theory_says():
    """Poisson(1 a year) arrivals uniform over the year, immediate uptake: a year costs
    191m x 1 x 1/2 on average (the mean remaining fraction of the year)."""
    begin, end = periods(tiny().run.start_date, 365.0)
    shocks = Shocks(rate_per_year=1.0, uptake_years=0.0)
    totals = np.array([shock_costs(shocks, 5, r, 365.0, begin, end)[1].sum()
                       for r in range(3000)])
    mean, low, high = t_interval(totals, 0.999)
    assert low <= 191e6 * 0.5 <= high
    # a linear uptake over a year: one shock at day 0 costs half its annual cost in year one
    ramp = shock_costs(Shocks(scheduled_days=[0.0], uptake_years=1.0), 5, 0, 365.0, begin, end)
    assert ramp[1].sum() == pytest.approx(191e6 / 2, rel=1e-9)


def test_cost_pressure_has_the_stated_national_and_local_spread():
    """Per financial year and ICS the factor is (1 + national part) x (1 + local part): mean
    one; the national part is common to all ICSs (sd `national_sd`), the local part has sd
    `local_sd_at_1m` x sqrt(1e6 / population), so the spread between ICSs of the same year
    halves when the population is four times larger."""
    pressure = CostPressure(national_sd=0.02, local_sd_at_1m=0.04)
    pop = np.array([250_000.0, 1_000_000.0, 4_000_000.0])
    f = np.concatenate([cost_pressure(pressure, pop, 3, 7, r) for r in range(2000)])
    assert f.mean(axis=0) == pytest.approx([1.0, 1.0, 1.0], abs=0.003)
    national = np.concatenate([cost_pressure(CostPressure(national_sd=0.02), pop, 3, 7, r)
                               for r in range(2000)])
    assert np.ptp(national, axis=1).max() == pytest.approx(0.0, abs=1e-12)  # common to all
    assert national[:, 0].std() == pytest.approx(0.02, rel=0.05)
    local = np.concatenate([cost_pressure(CostPressure(local_sd_at_1m=0.04), pop, 3, 7, r)
                            for r in range(2000)])
    assert local.std(axis=0) == pytest.approx([0.08, 0.04, 0.02], rel=0.05)
    # switching the national part on moves no local draw: the local parts are the same
    np.testing.assert_allclose(f / national[:, :1], local, rtol=1e-12)


def test_cost_pressure_raises_spend_by_its_factor():
    """One financial year, national part only, no other cost noise: every commissioner's
    spend is its spend without pressure times that year's factor."""
    plain = run([tiny(episode_cost_cv=0.5)], 3).finance
    pressed = run([tiny(episode_cost_cv=0.5, cost_pressure={"national_sd": 0.03})], 3).finance
    scenario = tiny()
    pop = np.array([ics.population for ics in build_network(scenario).icss], dtype=float)
    factors = [cost_pressure(CostPressure(national_sd=0.03), pop, 1, 11, r)[0, 0]
               for r in range(3)]  # seed 11: finance_helpers.run
    np.testing.assert_allclose(pressed.spend_gbp.to_numpy() / plain.spend_gbp.to_numpy(),
                               factors, rtol=1e-9)


def test_historic_allocation_is_fixed_when_demand_doubles():
    """`historic` budgets come from base-year spend, so a demand what-if meets a fixed budget;
    the old self-referential budget doubles with demand."""
    rule = {"rule": "historic", "uplift": 0.03, "base_spend_gbp": {"cardiac": 5e6}}

    def budget(scenario):
        return build_network(scenario).commissioners[0].budget0

    hist, doubled = tiny(allocation=rule), apply(tiny(allocation=rule),
                                                 {"services.cardiac.incidence_per_100k": 80})
    assert budget(hist) == budget(doubled) == pytest.approx(5e6 * 1.03)
    own, own2 = tiny(), apply(tiny(), {"services.cardiac.incidence_per_100k": 80})
    assert budget(own2) == pytest.approx(2 * budget(own))
    # without a stated base, historic is the expected spend under national rules
    assert budget(tiny(allocation={"rule": "historic"})) == pytest.approx(budget(own))


def test_fair_share_moves_toward_target_at_most_the_pace_and_explicit_amounts():
    need = {"rule": "fair_share", "need_index": {"I0": 2.0}, "pace_of_change": 0.02}
    hist = build_network(pooled(allocation={"rule": "historic"}))
    fair = build_network(pooled(allocation=need))
    h = {c.key: c.budget0 for c in hist.commissioners if c.key.startswith("ICS")}
    f = {c.key: c.budget0 for c in fair.commissioners if c.key.startswith("ICS")}
    assert f["ICS I0"] == pytest.approx(h["ICS I0"] * 1.02)  # target is twice: capped at +2%
    for key in h:
        assert abs(f[key] / h[key] - 1.0) <= 0.02 + 1e-12
    explicit = build_network(pooled(allocation={"rule": "explicit",
                                                "amounts_gbp": {"ICS I3": 123.0}}))
    assert next(c.budget0 for c in explicit.commissioners if c.key == "ICS I3") == 123.0


@pytest.fixture(scope="module")
def pooling_runs():
    """ICS budgets, the same with a regional risk-share, and one national budget."""
    cost = {"episode_cost_cv": 1.0}
    scenarios = [pooled(name="ics", **cost),
                 pooled(name="risk_share", risk_share={"threshold_gbp": TARIFF}, **cost),
                 pooled(default="national", name="national", **cost)]
    return run(scenarios, 10)


def test_pooling_variability_falls_with_population(pooling_runs):
    """The CV of spend/allocation falls with the population a budget covers (Poisson counts x
    lognormal costs: about 1/sqrt(population)); the national pool is the least variable."""
    table = pooling_table(pooling_runs.finance)
    ics = table[table.scenario == "ics"]
    rho = stats.spearmanr(ics.population, ics.cv_spend_over_allocation).statistic
    assert rho < -0.7, rho
    assert len(ics) == len(POPULATIONS)
    summary = finance_summary(pooling_runs.finance).set_index(["scenario", "level"])
    national = summary.loc[("national", "national"), "cv_spend_over_allocation"]
    assert national < 0.5 * summary.loc[("ics", "ics"), "cv_spend_over_allocation"]


def test_with_a_contingency_small_icss_overspend_more_often():
    """Eight ICSs of 0.1-3.2 million, historic budgets with a 5% contingency, local cost
    pressure only (sd 4.8% at a million): an ICS overspends when its local factor exceeds the
    contingency, P = 1 - Phi(0.05 / sd), about 0.37 at 100,000 and 0.03 at 3.2 million from
    the pressure alone, more with the Poisson noise of a few dozen patients a year (measured
    over 30 replications: 0.60 at 100,000, 0.07 at 3.2 million); the share of ICS-years
    overspent falls with population."""
    scenario = pooled(name="contingency", allocation={"rule": "historic", "uplift": 0.05},
                      cost_pressure={"local_sd_at_1m": 0.048})
    f = run([scenario], 30).finance
    ics = f[f.level == "ics"].groupby("population").overspent.agg(["sum", "count"])
    rho = stats.spearmanr(ics.index, ics["sum"] / ics["count"]).statistic
    assert rho < -0.7, rho
    small, large = ics.loc[100_000], ics.loc[3_200_000]
    small_low, _ = wilson_interval(small["sum"], small["count"])
    _, large_high = wilson_interval(large["sum"], large["count"])
    assert large_high < small_low, (small.to_dict(), large.to_dict())


def test_risk_share_lowers_the_variance_of_ics_spend_over_allocation(pooling_runs):
    """Paired by replication (same patients): the variance across ICSs of spend/allocation is
    lower with the pool (the part of each episode above its price paid by the region's ICSs by
    population), the CI of the difference excludes zero (measured: 0.040 -> 0.016, difference
    CI [-0.038, -0.009]), and total spend is equal."""
    f = pooling_runs.finance
    ics = f[f.level == "ics"]
    var = ics.groupby(["scenario", "replication"]).spend_over_allocation.var().unstack(0)
    mean, low, high = t_interval((var.risk_share - var.ics).to_numpy())
    assert high < 0, (mean, low, high)
    total = ics.groupby(["scenario", "replication"]).spend_gbp.sum().unstack(0)
    np.testing.assert_allclose(total.risk_share, total.ics, rtol=1e-9)


def test_provider_accounts_by_hand():
    """Income = tariff x episodes; cost = fixed per unit for the year + variable per episode."""
    out = run([tiny()], 1)
    p = out.providers
    assert (p.income_gbp == TARIFF * p.episodes).all()
    np.testing.assert_allclose(p.cost_gbp, 1e6 + 12_000.0 * p.episodes)
    summary = provider_summary(p)
    assert summary.share_below_cost.iloc[0] == (p.income_gbp < p.cost_gbp).mean()


@pytest.mark.parametrize(("k", "n"), [(0, 1), (0, 5), (5, 5), (1, 1), (0, 200), (200, 200),
                                      (3, 7)])
def test_wilson_interval_stays_in_0_1_at_0_of_n_and_n_of_n(k, n):
    low, high = wilson_interval(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0
    if k == 0:
        assert low == 0.0 and high == pytest.approx(1.959964**2 / (n + 1.959964**2), rel=1e-5)
    if k == n:
        assert high == 1.0 and low == pytest.approx(n / (n + 1.959964**2), rel=1e-5)


def test_finance_summary_proportions_in_0_1(pooling_runs):
    s = finance_summary(pooling_runs.finance)
    assert ((s.p_overspend_low >= 0) & (s.p_overspend_high <= 1)).all()
    assert (s.p_overspend_low <= s.p_overspend).all()
    assert (s.p_overspend <= s.p_overspend_high).all()


def test_report_has_the_money_table_figures_and_sheet():
    """compare writes finance.csv; the report adds figures (i)-(k), the money table and a
    finance sheet, and every proportion interval in finance_summary.csv is within [0, 1]."""
    import pandas as pd
    from openpyxl import load_workbook
    from report_small import compare_folder

    from sim.presentation.finance_figures import FINANCE_FIGURES

    folder = compare_folder()
    for stem in FINANCE_FIGURES:
        assert (folder / "figures" / f"{stem}.png").stat().st_size > 10_000
    assert "Money as risk" in (folder / "report.html").read_text(encoding="utf-8")
    summary = pd.read_csv(folder / "finance_summary.csv", encoding="utf-8-sig")
    assert len(summary) and summary.p_overspend_low.between(0, 1).all()
    assert summary.p_overspend_high.between(0, 1).all()
    assert "finance" in load_workbook(folder / "comparison.xlsx", read_only=True).sheetnames


def test_a_provider_below_cost_and_volume_withdraws_and_patients_reroute():
    """Both units lose money and are below a (high) minimum volume: after one financial year
    the first withdraws; no patient decided after that goes there; the other, the ICSs' last
    option, stays. Off by default."""
    from sim.model.simulation import Simulation

    scenario = apply(tiny(withdraw_after_years=1), {"services.cardiac.variable_cost_gbp": 20_000,
                                                    "services.cardiac.min_unit_volume": 10_000})
    sim = Simulation(scenario, 0, years=2.0, warmup_days=30)
    res = sim.run()
    assert list(res.withdrawn) == [0] and res.withdrawn[0] == pytest.approx(30 + 365)
    after = res.records.decision > res.withdrawn[0] + 1e-9
    assert after.sum() > 100
    assert not (res.records.unit[after] == 0).any()
    assert (res.records.unit[after] == 1).any()
    assert Simulation(tiny(), 0, years=0.2, warmup_days=0).run().withdrawn is None


def test_finance_codes_are_checked_with_file_key_and_suggestion(write_yaml):
    from sim.config import ConfigError, load_scenario

    path = write_yaml({"extends": str(TINY), "name": "bad",
                       "finance": {"provider_price": {"P3": 1.2},
                                   "allocation": {"need_index": {"I9": 1.1},
                                                  "base_spend_gbp": {"cardiak": 1.0}},
                                   "shocks": {"payer": "cardiak"}}})
    with pytest.raises(ConfigError) as error:
        load_scenario(path)
    text = str(error.value)
    for needle in ("finance.provider_price.P3", "unknown provider code 'P3'",
                   "finance.allocation.need_index.I9", "base_spend_gbp.cardiak",
                   "finance.shocks.payer", "did you mean 'cardiac'", "scenario.yaml"):
        assert needle in text, text


def test_bad_cost_pressure_names_file_key_value_and_what_is_allowed(write_yaml):
    from sim.config import ConfigError, load_scenario

    path = write_yaml({"extends": str(TINY), "name": "bad",
                       "finance": {"cost_pressure": {"national_sd": -0.1, "local_sd": 0.1}}})
    with pytest.raises(ConfigError) as error:
        load_scenario(path)
    text = str(error.value)
    for needle in ("scenario.yaml", "finance.cost_pressure.national_sd", "-0.1",
                   "greater than or equal to 0", "finance.cost_pressure.local_sd",
                   "did you mean 'local_sd_at_1m'"):
        assert needle in text, text


def test_paired_difference_of_a_proportion_stays_within_minus_1_and_1():
    """Overspent in 1 of 3 replications against never: the t-interval of the differences
    (0, 0, 1) reaches 1.77; a difference of two probabilities cannot exceed 1."""
    import pandas as pd

    from sim.analysis.compare import paired_differences

    kpis = pd.DataFrame({"scenario": ["a"] * 3 + ["b"] * 3, "replication": [0, 1, 2] * 2,
                         "scope": "overall", "key": "all", "kpi": "p_overspend",
                         "value": [0.0, 0.0, 0.0, 0.0, 0.0, 1.0]})
    row = paired_differences(kpis, "a").iloc[0]
    assert row.diff_mean == pytest.approx(1 / 3)
    assert -1.0 <= row.diff_low < 0 and row.diff_high == 1.0


def test_group_costs_have_the_mean_and_variance_of_a_sum_of_episode_costs():
    """n episodes of mean c and cv v cost n c on average with variance n (v c)^2; NHSE's
    at-cost drugs carry the national discount, no other line does."""
    from sim.model.finance import group_costs
    from sim.model.rng import stream

    n, c, v = 40.0, 1000.0, 2.0
    episodes = np.full((2, 1, 20_000), n)
    cost = episodes * c
    rngs = [[stream(1, 0, "test", str(g))] for g in range(2)]
    at_cost = np.array([[True], [False]])
    out = group_costs(cost, episodes, np.array([c, c]), v, at_cost, 0.1, rngs)
    plain = out[1, 0]
    assert plain.mean() == pytest.approx(n * c, rel=0.01)
    assert plain.var() == pytest.approx(n * (v * c) ** 2, rel=0.05)
    assert out[0, 0].mean() == pytest.approx(0.9 * n * c, rel=0.01)
    assert (group_costs(cost, episodes * 0, np.array([c, c]), v, at_cost, 0.0, rngs) == 0).all()
