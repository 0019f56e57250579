"""Where a patient is treated: the routing score and the emergency "first free bed" rule, on
routing tables built for the hot path.

A `Routes` is one (service, ICS) candidate list as the pathway reads it: per option, in the
candidates' order (fixed score, ascending), the fixed score, the `TreatmentUnit` itself and
the `network.Candidate`, plus every option's waiting list. Reading the unit object directly
(not `Candidate.unit` then `units[...]`) halves the cost of a scan; the waiting lists answer
"is every unit full?" in one C-level `all()`. Candidates stay the source of truth: whoever
replaces a candidate list (`transition.Transitions.set_candidates`, which withdrawals use)
rebuilds its `Routes` with `routes`.
"""

from __future__ import annotations

from math import inf
from typing import Any, NamedTuple

from sim.model.unit import TreatmentUnit

# (fixed score, unit, candidate); the candidate is a `network.Candidate` (not imported here:
# network_parts imports transition, which builds these tables)
Option = tuple[float, TreatmentUnit, Any]


class Routes(NamedTuple):
    """One (service, ICS) candidate list, ready for `route` and `first_free`."""

    options: list[Option]
    waiting_lists: list[list]  # each option's unit's waiting list (the same list objects)


def routes(candidates: list[Any], units: list[TreatmentUnit]) -> Routes:
    """The routing table of a candidate list (`network.Candidate`s sorted by fixed score)."""
    options = [(c.base_score, units[c.unit], c) for c in candidates]
    return Routes(options, [unit.waiting_list for _, unit, _ in options])


def route(options: list[Option], w_wait: float) -> Option:
    """Lowest score w_distance*km + w_wait*expected_wait + w_out_of_area*[outside] wins.

    Options are sorted by their fixed part and the wait term is never negative, so the scan
    stops as soon as a fixed part alone cannot beat the best total; ties keep the earlier
    option. The expected wait is `TreatmentUnit.expected_wait_days` as the unit keeps it
    current (`wait_days`, the same float): computing it here, option by option, was more
    than half of the routing time.
    """
    best_total = inf
    best = options[0]
    for option in options:
        base, unit, _ = option
        if base >= best_total:
            break
        total = base + w_wait * unit.wait_days
        if total < best_total:
            best, best_total = option, total
    return best


def first_free(table: Routes) -> tuple[Option, int]:
    """The first option (in order of fixed score: nearest first under a national footprint)
    with a free slot, and how many full units were passed over to reach it (the transfers); if
    every unit is full, the first option (as urgent) and -1: no bed anywhere, the patient waits
    for one where they are (no transfer).

    A unit with anyone on its list has no free slot (`has_free_slot`), so when every list is
    non-empty (cardiac and neurosurgical emergencies behind elective lists: most calls) the
    answer is known without visiting a unit."""
    options = table.options
    if all(table.waiting_lists):
        return options[0], -1
    for transfers, option in enumerate(options):
        unit = option[1]
        if not unit.waiting_list and unit.busy < unit.slots:  # has_free_slot(), inlined
            return option, transfers
    return options[0], -1
