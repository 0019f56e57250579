"""Scenario loading: extends, deep merge, and bad input giving one clear line and exit code 2."""

from __future__ import annotations

import pytest
from scenario_helpers import SCENARIOS, textbook

from sim.config import ConfigError, load_scenario
from sim.presentation.cli import main


def test_shipped_scenarios_validate(capsys):
    files = sorted(str(p) for p in SCENARIOS.glob("*.yaml"))
    assert len(files) >= 4
    assert main(["validate", *files]) == 0
    assert capsys.readouterr().out.count("OK ") == len(files)


def test_extends_deep_merges_overrides(write_yaml):
    base = write_yaml(textbook(), "base.yaml")
    child = write_yaml({"extends": base.name, "name": "child",
                        "services": {"svc": {"incidence_per_100k": 100.0}}}, "child.yaml")
    scenario = load_scenario(child)
    svc = scenario.services["svc"]
    assert scenario.name == "child"
    assert svc.incidence_per_100k == 100.0
    assert svc.treatment_days.mean == 1.0  # kept from the base file
    assert svc.units[0].slots == 1


def test_ics_delegation_extends_the_england_default():
    scenario = load_scenario(SCENARIOS / "ics_delegation.yaml")
    assert scenario.commissioning.default == "ics"
    assert len(scenario.services) >= 10
    assert not scenario.services["high_secure_mental_health"].delegable


def _bad(**overrides):
    return textbook(**overrides)


BAD_INPUTS = {
    "typo'd key": (_bad(services={"svc": {"incidence_per_10k": 5}}),
                   "services.svc.incidence_per_10k", "did you mean 'incidence_per_100k'"),
    "negative capacity": (_bad(services={"svc": {"units": [{"provider": "P1", "slots": -2}]}}),
                          "services.svc.units.0.slots", "-2"),
    "unknown ICS code": (_bad(geography={"providers": [
        {"code": "P1", "name": "T", "icb_code": "ICS9", "lat": 52, "lon": -1}]}),
        "geography.providers.0.icb_code", "ICS9"),
    "probability above 1": (_bad(services={"svc": {"urgent_share": 1.5}}),
                            "services.svc.urgent_share", "1.5"),
    "wrong type": (_bad(services={"svc": {"incidence_per_100k": "lots"}}),
                   "services.svc.incidence_per_100k", "lots"),
    "empty service list": ({**textbook(), "services": {}}, "services", "at least 1"),
    "unknown arrangement": (_bad(commissioning={"default": "county"}),
                            "commissioning.default", "'national', 'regional', 'ics'"),
    "unknown provider": (_bad(services={"svc": {"units": [{"provider": "P2"}]}}),
                         "services.svc.units.0.provider", "P2"),
    "floor above ceiling": (_bad(services={"svc": {"outcome": {
        "p_floor": 0.2, "p_ceiling": 0.1, "v_half": 10, "k": 1}}}),
        "services.svc.outcome", "p_floor"),
    "lognormal without cv": (_bad(services={"svc": {"treatment_days": {
        "kind": "lognormal", "mean": 3}}}), "services.svc.treatment_days", "needs cv"),
    "commissioning an unknown service": (_bad(commissioning={"services": {"svx": "ics"}}),
                                         "commissioning.services.svx", "did you mean 'svc'"),
    "unknown collaborative member": (
        _bad(commissioning={"default": "collaborative", "collaboratives": {"G": ["ICS1", "ICS2"]}}),
                                     "commissioning.collaboratives.G.1", "ICS2"),
    "non-delegable service delegated": (
        _bad(services={"svc": {"delegable": False}}, commissioning={"services": {"svc": "ics"}}),
        "commissioning.services.svc", "not delegable"),
    "negative years": (_bad(run={"years": -1}), "run.years", "-1"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_gives_exit_2_and_one_line_naming_the_key(case, write_yaml, capsys):
    data, key, detail = BAD_INPUTS[case]
    path = write_yaml(data)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert str(path) in err[0]
    assert f": {key}:" in err[0]
    assert detail in err[0]


def test_missing_file(tmp_path, capsys):
    missing = tmp_path / "nope.yaml"
    assert main(["validate", str(missing)]) == 2
    assert capsys.readouterr().err.strip() == f"error: {missing}: file not found"


def test_extends_cycle(write_yaml, capsys):
    a = write_yaml({"extends": "b.yaml"}, "a.yaml")
    write_yaml({"extends": "a.yaml"}, "b.yaml")
    assert main(["validate", str(a)]) == 2
    err = capsys.readouterr().err
    assert "extends cycle" in err and "a.yaml -> " in err


def test_invalid_yaml(write_yaml, capsys):
    path = write_yaml("services: [unclosed\n")
    assert main(["validate", str(path)]) == 2
    assert "not valid YAML at line" in capsys.readouterr().err


def test_error_names_the_file_that_set_the_key(write_yaml):
    base = write_yaml(textbook(), "base.yaml")
    child = write_yaml({"extends": base.name, "services": {"svc": {"urgent_share": 2}}},
                       "child.yaml")
    with pytest.raises(ConfigError) as info:
        load_scenario(child)
    assert str(child) in str(info.value) and "urgent_share" in str(info.value)


def test_run_with_bad_option_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", str(SCENARIOS / "centralised.yaml"), "--replications", "0"])
    assert info.value.code == 2
    assert "--replications: must be at least 1" in capsys.readouterr().err


def test_readme_scenario_example_validates(write_yaml):
    text = (SCENARIOS.parent / "README.md").read_text()
    blocks = [b.split("```", 1)[0] for b in text.split("```yaml\n")[1:]]
    block = next(b for b in blocks if "extends: ics_delegation.yaml" in b)
    block = block.replace("extends: ics_delegation.yaml",
                          f"extends: {SCENARIOS / 'ics_delegation.yaml'}")
    scenario = load_scenario(write_yaml(block))
    assert scenario.commissioning.services == {"picu": "national"}
    assert not scenario.commissioning.ics.localise.enabled
    assert scenario.services["cardiac_surgery"].annual_growth == 0.05
