"""Standards and governance: derogation by delegated commissioners, and audit (issue 17).

The Shelford Group (2022) warned of "a risk of derogation from the standards, leading to
increased variation by postcode, unless governance mechanisms and resources required to audit
compliance are in place"; NHS England answered that it would remain accountable, "setting
national policies and standards". With `mechanisms.standards` on, each delegated commissioner
(an ICS or a joint committee; NHS England and its regions set the standards and do not
derogate) lowers its access rate by `derogation_sd` times a half-normal draw of its own
stream ("derogation", commissioner), scaled down by the audit staff it employs:

    fall = derogation_sd * max(0, 1 - audit_fte / audit_fte_for_compliance) * |z|

Audit staff are commissioning admin (`cost_admin_gbp`), so audit buys a narrower spread of
access between ICSs at a cost.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.config.arrangements import ARRANGEMENTS
from sim.config.mechanisms import Standards
from sim.model.commissioning import Commissioner, Commissioners
from sim.model.rng import stream


def derogates(c: Commissioner) -> bool:
    """Delegated commissioners may derogate from national standards."""
    return ARRANGEMENTS[c.arrangement].delegated


def add_audit_staff(commissioners: Sequence[Commissioner], rules: Standards) -> None:
    """Each delegated commissioner employs its audit staff (part of its admin team)."""
    if not rules.enabled:
        return
    for c in commissioners:
        if derogates(c):
            c.admin_fte += rules.audit_fte_per_commissioner


def derogation_scale(rules: Standards) -> float:
    """The standard deviation of the access fall after audit."""
    covered = min(1.0, rules.audit_fte_per_commissioner / rules.audit_fte_for_compliance)
    return rules.derogation_sd * (1.0 - covered)


def derogate(commissioners: Commissioners, rules: Standards, seed: int, replication: int,
             stream_salt: str = "") -> None:
    """Lower each delegated commissioner's access rate (and the rate its budget reviews
    restore to) by its derogation; nothing when the mechanism is off."""
    scale = derogation_scale(rules)
    if not rules.enabled or scale == 0:
        return
    for k, c in enumerate(commissioners.specs):
        if not derogates(c):
            continue
        z = abs(float(stream(seed, replication, "derogation", c.key + stream_salt)
                      .standard_normal()))
        fall = scale * z
        commissioners.base_access[k] = float(np.clip(commissioners.base_access[k] - fall,
                                                     0.0, 1.0))
        commissioners.access[k] = float(np.clip(commissioners.access[k] - fall, 0.0, 1.0))
