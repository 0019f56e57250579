"""Routing tables (`sim.model.routing`): the first-free-bed rule with its "every list
non-empty" short cut, and the tables kept in step with the candidate lists when a dated plan
switches them or a provider withdraws."""

from __future__ import annotations

import datetime
from pathlib import Path

import simpy
import yaml
from finance_helpers import tiny

from sim.config import load_scenario
from sim.config.sweep import apply
from sim.model.engine import Wake
from sim.model.network_parts import Candidate
from sim.model.routing import first_free, routes
from sim.model.simulation import Simulation
from sim.model.unit import TreatmentUnit

TINY = Path(__file__).resolve().parent / "tiny.yaml"


def _units(n: int) -> list[TreatmentUnit]:
    env = simpy.Environment()
    return [TreatmentUnit(env, 1, 10.0) for _ in range(n)]


def _first_free_by_scan(table, units):
    """The rule as written before the short cut: the first unit with a free slot."""
    for transfers, (_, unit, option) in enumerate(table.options):
        if unit.has_free_slot():
            return option.unit, transfers
    return table.options[0][2].unit, -1


def test_first_free_takes_the_first_free_bed_and_minus_1_when_none():
    units = _units(3)
    table = routes([Candidate(float(k), u, 0.0, False) for k, u in enumerate((2, 0, 1))],
                   units)
    assert [unit for _, unit, _ in table.options] == [units[2], units[0], units[1]]
    seen = []
    # fill the units one by one, then give each a waiting list: every state agrees with a scan
    for step in range(7):
        if step < 3:
            units[(2, 0, 1)[step]].join(1, 0.0, Wake())  # takes the slot
        elif step < 6:
            units[(1, 2, 0)[step - 3]].join(1, 0.0, Wake())  # waits
        else:
            units[1].release()  # its waiting patient starts: the list empties, the unit full
        (_, _, option), transfers = first_free(table)
        assert (option.unit, transfers) == _first_free_by_scan(table, units)
        seen.append(transfers)
    assert seen == [1, 2, -1, -1, -1, -1, -1]
    assert all(table.waiting_lists) is False  # the short cut was skipped at the last step
    units[1].release()  # a bed frees at the third option
    (_, _, option), transfers = first_free(table)
    assert (option.unit, transfers) == (1, 2)


def test_routing_tables_follow_a_withdrawal():
    scenario = apply(tiny(withdraw_after_years=1), {"services.cardiac.variable_cost_gbp": 20_000,
                                                    "services.cardiac.min_unit_volume": 10_000})
    sim = Simulation(scenario, 0, years=2.0, warmup_days=30)
    before = [[list(o) for o in row] for row in sim.transitions.candidates]
    res = sim.run()
    assert list(res.withdrawn) == [0]
    _assert_in_step(sim)
    for row, old in zip(sim.transitions.candidates, before, strict=True):
        for options, was in zip(row, old, strict=True):
            assert options == [c for c in was if c.unit != 0] and options


def test_routing_tables_follow_a_dated_plan(tmp_path):
    data = yaml.safe_load(TINY.read_text())
    data["commissioning"]["plan"] = [{"from": datetime.date(2026, 6, 1).isoformat(),
                                      "services": ["cardiac"], "icss": ["I1"],
                                      "arrangement": "ics"}]
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    sim = Simulation(load_scenario(path), 0, years=1.0, warmup_days=0)
    first = sim.transitions.routes[0][0]
    sim.run()
    assert sim.transitions.routes[0][0] is not first  # switched at the date
    line, = [line for line in sim.network.lines() if line.service == 0]
    assert len(line.epochs) == 2
    assert sim.transitions.candidates[0][0] == list(line.epochs[1].candidates[0])
    _assert_in_step(sim)


def _assert_in_step(sim: Simulation) -> None:
    """Every routing table is its candidate list, unit by unit, waiting list by waiting list."""
    t = sim.transitions
    for s, row in enumerate(t.candidates):
        for i, options in enumerate(row):
            table = t.routes[s][i]
            assert [c for _, _, c in table.options] == options
            assert [b for b, _, _ in table.options] == [c.base_score for c in options]
            assert all(unit is sim.units[c.unit] for _, unit, c in table.options)
            assert all(w is sim.units[c.unit].waiting_list
                       for w, c in zip(table.waiting_lists, options, strict=True))
    assert all(u.wait_days == u.expected_wait_days() for u in sim.units)


def test_a_units_wait_days_is_its_expected_wait_after_every_change():
    """`wait_days` (what routing reads) equals `expected_wait_days()` exactly after each join,
    release, cut and restore, including a cut below the number busy and a list that empties."""
    import random

    env = simpy.Environment()
    unit = TreatmentUnit(env, 3, 7.5)
    rng = random.Random(1)
    seen = set()
    for step in range(2_000):
        move = rng.random()
        if move < 0.5:
            unit.join(rng.randint(0, 1), float(step), Wake())
        elif move < 0.9 and unit.busy:
            unit.release()
        elif move < 0.95:
            unit.set_slots(rng.randint(1, 5))
        else:
            unit.occupy()
        assert unit.wait_days == unit.expected_wait_days()
        seen.add((unit.wait_days > 0, bool(unit.waiting_list), unit.busy > unit.slots))
    assert {(False, False, False), (True, True, False), (True, False, True)} <= seen
    unit.drop_waiting()
    assert unit.wait_days == unit.expected_wait_days()
