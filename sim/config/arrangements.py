"""The commissioning arrangements, as one table of properties.

Every behaviour that depends on *who* commissions a service's specialised stage reads a row of
this table, never the arrangement's name: the footprint the commissioner covers, whether its
patients' local care is commissioned by someone else (a hand-over at each boundary), whether it
routes only to designated units, whether it counts as delegation to ICSs (and so is refused for
services that may not be delegated), and whether its ICSs may open units of their own.

A new arrangement is one entry in `Arrangement`, one row here, one `Rules` block in
`sim.config.schema.Commissioning` and its defaults in the scenario data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Arrangement = Literal["national", "regional", "ics", "collaborative"]
Footprint = Literal["england", "region", "one_ics", "joint_committee"]


@dataclass(frozen=True)
class ArrangementKind:
    """What an arrangement means for the model (MODEL_SPEC section 4)."""

    name: str
    footprint: Footprint  # the ICSs one commissioner covers
    delegated: bool  # commissioned by ICSs (alone or jointly): refused for non-delegable services
    crosses_boundary: bool  # local care and specialised stage commissioned by different bodies
    designated_only: bool  # routes only to the designated (base) units
    may_localise: bool  # an ICS may open its own unit (`rules.localise`)
    label: str  # how a planner says it
    description: str  # one line for reports


ARRANGEMENTS: dict[str, ArrangementKind] = {
    kind.name: kind for kind in (
        ArrangementKind("national", "england", delegated=False, crosses_boundary=True,
                        designated_only=True, may_localise=False, label="NHS England (national)",
                        description="NHS England pays for every ICS; designated centres only."),
        ArrangementKind("regional", "region", delegated=False, crosses_boundary=True,
                        designated_only=False, may_localise=False,
                        label="NHS England region",
                        description="One of NHS England's 7 regional teams pays for its ICSs."),
        ArrangementKind("ics", "one_ics", delegated=True, crosses_boundary=False,
                        designated_only=False, may_localise=True, label="ICS (delegated)",
                        description="Each of the 42 ICSs pays for its own population."),
        ArrangementKind("collaborative", "joint_committee", delegated=True, crosses_boundary=False,
                        designated_only=False, may_localise=False,
                        label="ICS joint committee",
                        description="A joint committee of ICSs pays for its member ICSs."),
    )
}
if tuple(ARRANGEMENTS) != get_args(Arrangement):  # pragma: no cover - a programming error
    raise RuntimeError("ARRANGEMENTS and Arrangement list different arrangements")


def not_delegated_names() -> list[str]:
    return [name for name, kind in ARRANGEMENTS.items() if not kind.delegated]
