"""Small scenarios for the finance tests (importable as `finance_helpers`): the tiny scenario
with a tariff, and a pooling network of eight ICSs of 0.1 to 3.2 million people."""

from __future__ import annotations

from typing import Any

import yaml
from sweep_helpers import TINY

from sim.config.schema import Scenario
from sim.experiment.runner import RunTables, make_tasks, run_tasks

TARIFF = 14_000.0  # cardiac surgery's tariff (services.yaml), GBP


def tiny(**finance: Any) -> Scenario:
    """tiny.yaml with a tariff and provider costs, and the given `finance:` block."""
    data = yaml.safe_load(TINY.read_text())
    data["services"]["cardiac"].update(tariff_gbp=TARIFF, variable_cost_gbp=12_000.0,
                                       fixed_cost_per_unit_gbp=1e6)
    data["finance"] = finance
    return Scenario.model_validate(data)


POPULATIONS = (100_000, 200_000, 400_000, 800_000, 1_600_000, 3_200_000, 150_000, 1_000_000)


def pooled(default: str = "ics", name: str = "pooled", **finance: Any) -> Scenario:
    """Eight ICSs in two regions, one service with two centres; ICS commissioners absorb."""
    icss = [{"code": f"I{i}", "name": f"ICS {i}", "region_code": f"R{i % 2}",
             "region_name": f"Region {i % 2}", "population": pop, "lat": 52.0 + 0.1 * i,
             "lon": -1.0} for i, pop in enumerate(POPULATIONS)]
    data = yaml.safe_load(TINY.read_text())
    data["name"] = name
    data["geography"]["icss"] = icss
    data["geography"]["providers"] = [
        {"code": "P1", "name": "North Trust", "icb_code": "I0", "lat": 52.0, "lon": -1.0},
        {"code": "P2", "name": "South Trust", "icb_code": "I5", "lat": 52.5, "lon": -1.0}]
    data["services"]["cardiac"].update(tariff_gbp=TARIFF, incidence_per_100k=20)
    data["services"]["cardiac"]["units"] = [{"provider": "P1", "slots": 30},
                                           {"provider": "P2", "slots": 30}]
    data["pathway"]["handover_delay_days"] = 0
    data["commissioning"] = {"default": default,
                             "national": {"late_contract_probability": 0}}
    data["finance"] = finance
    return Scenario.model_validate(data)


def run(scenarios: list[Scenario], replications: int, years: float = 1.0,
        warmup_days: float = 0.0, seed: int = 11) -> RunTables:
    return run_tasks(make_tasks(scenarios, replications, seed, years, warmup_days))
