"""`specsim show` (resolved values, where set, provenance) and `specsim init` (a commented
scenario extending a shipped one, never overwriting)."""

from __future__ import annotations

import pytest
import yaml

from sim.config import load_scenario
from sim.config.loader import resolve
from sim.presentation.cli import main
from sim.presentation.show import DEFAULT, shown_values


def test_show_says_which_file_set_each_value(tmp_path, capsys):
    (tmp_path / "mine.yaml").write_text(
        "extends: ics_delegation\nname: mine\npathway: {handover_delay_days: 3}\n"
        "services: {cardiac_surgery: {tariff_gbp: 20000}}\n")
    rows = {r.key: r for r in shown_values(resolve(tmp_path / "mine.yaml"))}
    assert rows["pathway.handover_delay_days"].value == 3
    assert rows["pathway.handover_delay_days"].set_in.endswith("mine.yaml")
    assert rows["commissioning.default"].set_in.endswith("scenarios/ics_delegation.yaml")
    assert rows["pathway.road_factor"].set_in == "england:defaults.yaml"
    assert rows["pathway.road_factor"].kind == "illustrative"
    incidence = rows["services.cardiac_surgery.incidence_per_100k"]
    assert incidence.set_in == "england:services.yaml" and incidence.kind == "derived"
    # an overridden value never borrows the note of the number it replaced
    assert rows["services.cardiac_surgery.tariff_gbp"].provenance == ""
    assert rows["services.renal_dialysis.tariff_gbp"].kind == "derived"
    assert rows["services.renal_dialysis.assessment_days.cv"].set_in == DEFAULT
    assert main(["show", str(tmp_path / "mine.yaml"), "pathway.handover_delay_days"]) == 0
    out = capsys.readouterr().out
    assert "pathway.handover_delay_days = 3" in out and "mine.yaml" in out


def test_show_key_lists_units_and_refuses_an_unknown_key(capsys):
    rows = shown_values(resolve("centralised"), "services.picu.units")
    units = load_scenario("centralised").services["picu"].units
    assert sum(r.key.endswith(".provider") for r in rows) == len(units)
    assert all(r.set_in == "england:network.yaml" for r in rows)
    assert main(["show", "centralised", "services.no_such_service"]) == 2
    assert "no key 'services.no_such_service'" in capsys.readouterr().err


def test_init_writes_a_valid_commented_scenario_and_never_overwrites(tmp_path, capsys):
    assert main(["init", "my_plan", "--from", "ics_delegation", "--dir", str(tmp_path)]) == 0
    path = tmp_path / "my_plan.yaml"
    text = path.read_text()
    assert yaml.safe_load(text)["extends"] == "ics_delegation"
    assert "#   handover_delay_days: 7.0  # [england:defaults.yaml] illustrative" in text
    scenario = load_scenario(path)
    assert scenario.name == "my_plan" and scenario.commissioning.default == "ics"
    before = path.read_bytes()
    assert main(["init", "my_plan", "--dir", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert path.read_bytes() == before
    assert main(["init", "bad name!", "--dir", str(tmp_path)]) == 2
    assert main(["init", "x", "--from", "nowhere", "--dir", str(tmp_path)]) == 2


@pytest.mark.parametrize("parent", ["centralised", "collaborative"])
def test_init_offered_keys_uncommented_resolve_to_the_parent(tmp_path, parent):
    main(["init", "plan", "--from", parent, "--dir", str(tmp_path)])
    lines = (tmp_path / "plan.yaml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# After each"))
    offered = [line[2:] for line in lines[start + 1:]]
    head = [line for line in lines[:start] if not line.startswith("#")]
    (tmp_path / "open.yaml").write_text("\n".join(head + offered) + "\n")
    opened, parent_scenario = load_scenario(tmp_path / "open.yaml"), load_scenario(parent)
    assert opened.model_dump(exclude={"name", "description"}) == \
        parent_scenario.model_dump(exclude={"name", "description"})
