"""One row per unit of one replication: what a planner looks up about a unit (where it is,
its capacity, what it did after the warm-up), by name as well as code."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.records import RunResult


def unit_table(res: RunResult) -> pd.DataFrame:
    net, r = res.network, res.records
    years = (res.horizon - res.warmup) / 365.0
    started = (r.start >= res.warmup) & (r.start < res.horizon)
    escalated = r.escalated & (r.esc_start >= res.warmup) & (r.esc_start < res.horizon)
    treated = (np.bincount(r.unit[started], minlength=len(net.units))
               + np.bincount(r.esc_unit[escalated], minlength=len(net.units)))
    name = {p.code: p.name for p in net.providers}
    rows = []
    for u, spec in enumerate(net.units):
        sn = net.services[spec.service]
        volume = treated[u] / years if years > 0 else float("nan")
        slot = res.unit_slot_area[u]
        rows.append({
            "service": sn.id, "unit": spec.name, "provider": spec.provider,
            "provider_name": name[spec.provider],
            "ics": net.icss[spec.ics].code, "ics_name": net.icss[spec.ics].name,
            "slots": spec.slots, "national_centre": spec.national_centre,
            "designated": spec.designated, "treated": int(treated[u]), "annual_volume": volume,
            "utilisation": res.unit_busy_area[u] / slot if slot > 0 else float("nan"),
            "below_min_volume": bool(volume < sn.spec.min_unit_volume),
        })
    return pd.DataFrame(rows)
