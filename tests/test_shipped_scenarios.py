"""Shipped scenarios: installed with the package, reachable by bare name, never drifting from
the copies in `scenarios/` at the repository root, and `extends:` errors naming the chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config import ConfigError, config_hash, load_scenario
from sim.config.geography import shipped_dir, shipped_scenarios
from sim.presentation.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _yaml_files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.yaml"))}


def test_repository_copies_equal_the_shipped_files():
    shipped, copies = _yaml_files(shipped_dir()), _yaml_files(ROOT / "scenarios")
    assert set(shipped) == set(copies), "scenarios/ and sim/data/scenarios/ list other files"
    drifted = [name for name in shipped if shipped[name] != copies[name]]
    assert not drifted, (f"scenarios/{drifted[0]} differs from sim/data/scenarios/{drifted[0]} "
                         "(the source of truth): copy it back")
    assert {"centralised", "ics_delegation", "collaborative",
            "selective_delegation"} <= set(shipped_scenarios())


def test_a_bare_name_loads_the_shipped_scenario(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no scenarios/ folder here
    by_name = load_scenario("ics_delegation")
    by_path = load_scenario(ROOT / "scenarios" / "ics_delegation.yaml")
    assert by_name.name == "ics_delegation"
    assert config_hash(by_name) == config_hash(by_path)


def test_a_file_of_that_name_wins_and_extends_takes_a_shipped_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.yaml").write_text("extends: centralised\nname: mine\n"
                                        "pathway: {handover_delay_days: 3}\n")
    mine = load_scenario("mine.yaml")
    assert mine.pathway.handover_delay_days == 3
    assert mine.commissioning.default == "national"  # from the shipped centralised
    (tmp_path / "centralised").write_text("extends: england\nname: local_file\n")
    assert load_scenario("centralised").name == "local_file"


def test_extends_errors_name_the_chain(tmp_path, capsys):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("extends: c.yaml\n")
    (tmp_path / "c.yaml").write_text("extends: centralised\n"
                                     "services: {cardiac_surgery: {urgent_share: 2}}\n")
    (tmp_path / "d.yaml").write_text("extends: a_missing_file.yaml\n")
    (tmp_path / "e.yaml").write_text("extends: d.yaml\n")
    with pytest.raises(ConfigError) as info:
        load_scenario(tmp_path / "a.yaml")
    assert "c.yaml: services.cardiac_surgery.urgent_share" in str(info.value)
    assert "(chain: a.yaml -> b.yaml -> c.yaml)" in str(info.value)
    assert main(["validate", str(tmp_path / "e.yaml")]) == 2
    err = capsys.readouterr().err
    assert "d.yaml: extends: 'a_missing_file.yaml'" in err
    assert "chain: e.yaml -> d.yaml -> a_missing_file.yaml" in err


def test_run_takes_a_shipped_name(capsys):
    assert main(["validate", "selective_delegation"]) == 0
    assert "OK selective_delegation" in capsys.readouterr().out


def test_a_sweep_names_shipped_scenarios(tmp_path):
    from sim.config.sweep import load_sweep

    (tmp_path / "s.yaml").write_text(
        "name: s\nscenarios: [centralised, ics_delegation]\n"
        "parameters: {pathway.handover_delay_days: {values: [3, 7]}}\n"
        "design: {kind: grid}\nreplications: 1\nseed: 1\nyears: 0.1\nwarmup_days: 0\n")
    sweep = load_sweep(tmp_path / "s.yaml")
    assert [s.name for s in sweep.scenarios] == ["centralised", "ics_delegation"]
