"""Sweep files: designs expand as specified, bad files fail before any run with clear errors."""

from __future__ import annotations

import pytest
from sweep_helpers import write_sweep

from sim.config import ConfigError
from sim.config.sweep import load_sweep
from sim.presentation.cli import main

HEAD = "name: t\nscenarios: [tiny.yaml]\nreplications: 1\nyears: 0.1\nwarmup_days: 0\n"


def _errors(tmp_path, body: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_sweep(write_sweep(tmp_path, HEAD + body))
    return [str(i) for i in info.value.issues]


def test_grid_is_the_cartesian_product_in_file_order(tmp_path):
    sweep = load_sweep(write_sweep(tmp_path, HEAD + """
parameters:
  services.cardiac.annual_growth: {values: [0.0, 0.05]}
  commissioning.national.w_wait: {values: [1, 2, 3]}
design: {kind: grid}
"""))
    assert len(sweep.points) == 6
    assert sweep.points[1].values == {"services.cardiac.annual_growth": 0.0,
                                      "commissioning.national.w_wait": 2}
    assert sweep.configs[(5, "tiny")].services["cardiac"].annual_growth == 0.05
    assert sweep.configs[(5, "tiny")].commissioning.national.w_wait == 3


def test_lhs_points_stratify_within_bounds_and_integers_are_rounded(tmp_path):
    sweep = load_sweep(write_sweep(tmp_path, HEAD + """
parameters:
  services.cardiac.annual_growth: {low: 0.0, high: 0.1}
  services.cardiac.units.0.slots: {low: 5, high: 15}
design: {kind: lhs, n: 10, seed: 3}
"""))
    growth = sorted(p.values["services.cardiac.annual_growth"] for p in sweep.points)
    # Latin hypercube: exactly one point in each tenth of the range
    assert [int(g / 0.01) for g in growth] == list(range(10))
    slots = {sweep.configs[(p.index, "tiny")].services["cardiac"].units[0].slots
             for p in sweep.points}
    assert all(isinstance(s, int) and 5 <= s <= 15 for s in slots)


def test_oat_has_a_base_point_and_each_parameter_low_and_high(tmp_path):
    sweep = load_sweep(write_sweep(tmp_path, HEAD + """
parameters:
  services.cardiac.annual_growth: {low: 0.0, high: 0.1}
  commissioning.national.w_wait: {low: 1, high: 4}
design: {kind: oat}
"""))
    assert [(p.oat_parameter, p.oat_level) for p in sweep.points] == [
        (None, "base"), ("services.cardiac.annual_growth", "low"),
        ("services.cardiac.annual_growth", "high"), ("commissioning.national.w_wait", "low"),
        ("commissioning.national.w_wait", "high")]
    assert sweep.points[0].values == {}


def test_unknown_path_names_key_and_suggests(tmp_path):
    errors = _errors(tmp_path, """
parameters:
  services.cardiac.anual_growth: {values: [0.1]}
design: {kind: grid}
""")
    assert len(errors) == 1
    assert "sweep.yaml: parameters.services.cardiac.anual_growth" in errors[0]
    assert "did you mean 'annual_growth'" in errors[0]


def test_empty_design_reversed_bounds_and_bad_n(tmp_path):
    empty = _errors(tmp_path, "parameters:\n  services.cardiac.annual_growth: {values: []}\n"
                              "design: {kind: grid}\n")
    assert "needs a non-empty list of values (got [])" in empty[0]
    errors = _errors(tmp_path, "parameters:\n  services.cardiac.annual_growth: "
                               "{low: 0.05, high: 0.01}\ndesign: {kind: lhs, n: 0}\n")
    assert any("low must be less than high (got low=0.05, high=0.01)" in e for e in errors)
    assert any("design.n" in e and "(got 0)" in e for e in errors)
    negative = _errors(tmp_path, "parameters:\n  services.cardiac.annual_growth: "
                                 "{low: 0, high: 0.1}\ndesign: {kind: lhs, n: -3}\n")
    assert "(got -3)" in negative[0]


def test_unknown_key_value_out_of_range_and_unequal_lists(tmp_path):
    typo = _errors(tmp_path, "parameters:\n  services.cardiac.annual_growth: {values: [0.1]}\n"
                             "design: {kind: grid}\nreplicatons: 2\n")
    assert "unknown key 'replicatons' (did you mean 'replications'?)" in typo[0]
    kind = _errors(tmp_path, "parameters:\n  services.cardiac.annual_growth: {values: [0.1]}\n"
                             "design: {kind: sobol}\n")
    assert "design.kind" in kind[0] and "'sobol'" in kind[0]
    too_big = _errors(tmp_path, "parameters:\n  services.cardiac.annual_growth: "
                                "{values: [0.1, 3]}\ndesign: {kind: grid}\n")
    assert "design point 1" in too_big[0] and "(got 3)" in too_big[0]
    unequal = _errors(tmp_path, "parameters:\n  services.cardiac.annual_growth: "
                                "{values: [0.1, 0.2]}\n  commissioning.national.w_wait: "
                                "{values: [1]}\ndesign: {kind: list}\n")
    assert "same length" in unequal[0]


def test_cli_bad_sweep_exits_2_before_any_run(tmp_path, capsys):
    path = write_sweep(tmp_path, HEAD + "parameters:\n  services.cardiac.annual_growth: "
                                        "{low: 0.2, high: 0.1}\ndesign: {kind: oat}\n")
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "low must be less than high" in err[0]
    assert not (tmp_path / "out").exists()


def test_unknown_keys_in_design_and_parameters_list_the_keys_allowed_there(tmp_path):
    design = _errors(tmp_path, "parameters:\n  services.cardiac.annual_growth: {values: [0.1]}\n"
                               "design: {kind: grid, sed: 1}\n")
    assert design == [f"{tmp_path / 'sweep.yaml'}: design.sed: unknown key 'sed' "
                      f"(did you mean 'seed'?); allowed keys: kind, n, seed"]
    parameter = _errors(tmp_path, "parameters:\n  services.cardiac.annual_growth: "
                                  "{values: [0.1], lo: 0}\ndesign: {kind: grid}\n")
    assert parameter[0].endswith("parameters.services.cardiac.annual_growth.lo: unknown key "
                                 "'lo' (did you mean 'low'?); allowed keys: high, low, values")


def test_run_settings_are_the_first_scenarios_with_the_sweep_files_overrides(tmp_path):
    body = ("name: t\nscenarios: [tiny.yaml]\nreplications: 2\nseed: 7\n{extra}parameters:\n"
            "  services.cardiac.annual_growth: {{values: [0.1]}}\ndesign: {{kind: grid}}\n")
    inherited = load_sweep(write_sweep(tmp_path, body.format(extra="")))
    scenario_run = inherited.scenarios[0].run
    assert (inherited.years, inherited.warmup_days) == (scenario_run.years,
                                                        scenario_run.warmup_days)
    assert (inherited.run.replications, inherited.run.seed) == (2, 7)
    overridden = load_sweep(write_sweep(tmp_path, body.format(extra="years: 3\nwarmup_days: 0\n")))
    assert (overridden.years, overridden.warmup_days) == (3.0, 0.0)
