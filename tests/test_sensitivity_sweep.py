"""The shipped sensitivity sweep names real parameters with sensible ranges.

The sweep runner validates a sweep before running it; this test guards the shipped file on its
own, cheaply: every swept path exists in both resolved scenarios, low < high, the default
lies inside [low, high] (otherwise 'one at a time around the base' is not what runs), and a
scenario with each bound applied still passes the schema.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.config import load_scenario
from sim.config.schema import Scenario

SWEEP = Path(__file__).resolve().parents[1] / "scenarios" / "sweeps" / "sensitivity.yaml"


def _get(data: dict, path: str):
    for part in path.split("."):
        data = data[part]
    return data


def _set(data: dict, path: str, value) -> None:
    *head, last = path.split(".")
    for part in head:
        data = data[part]
    data[last] = value


def test_sensitivity_sweep_is_one_at_a_time_around_the_default():
    sweep = yaml.safe_load(SWEEP.read_text(encoding="utf-8"))
    assert sweep["design"] == {"kind": "oat"}
    assert len(sweep["parameters"]) >= 6
    scenarios = [load_scenario(SWEEP.parent / ref) for ref in sweep["scenarios"]]
    assert {s.name for s in scenarios} == {"centralised", "ics_delegation"}
    for scenario in scenarios:
        base = scenario.model_dump(mode="json")
        for path, bounds in sweep["parameters"].items():
            assert set(bounds) == {"low", "high"}, path
            low, high = bounds["low"], bounds["high"]
            assert low < high, path
            value = _get(base, path)
            assert low <= value <= high, f"{path}: default {value} outside [{low}, {high}]"
            for bound in (low, high):
                data = scenario.model_dump(mode="json")
                _set(data, path, bound)
                Scenario.model_validate(data)


def test_an_unknown_path_would_be_caught():
    """Guard the guard: _get raises on a typo, so the test above cannot pass vacuously."""
    base = load_scenario("england").model_dump(mode="json")
    with pytest.raises(KeyError):
        _get(base, "pathway.handover_delay_dayz")
