"""One row per unit of one replication: what a planner looks up about a unit (where it is,
its capacity, what it did after the warm-up), by name as well as code. The numbers are the
unit-scope rows of the KPI table, so the two always agree."""

from __future__ import annotations

import pandas as pd

from sim.model.records import RunResult


def unit_table(res: RunResult, kpis: pd.DataFrame) -> pd.DataFrame:
    """`kpis`: the replication's KPI table (`sim.model.kpis.replication_kpis`)."""
    net = res.network
    per_unit = (kpis[kpis.scope == "unit"]
                .pivot_table(index="key", columns="kpi", values="value", aggfunc="first"))
    name = {p.code: p.name for p in net.providers}
    rows = []
    for spec in net.units:
        sn = net.services[spec.service]
        unit = per_unit.loc[spec.key]
        volume = float(unit.unit_volume_median)  # at unit scope: this unit's annual volume
        rows.append({
            "service": sn.id, "unit": spec.name, "provider": spec.provider,
            "provider_name": name[spec.provider],
            "ics": net.icss[spec.ics].code, "ics_name": net.icss[spec.ics].name,
            "slots": spec.slots, "national_centre": spec.national_centre,
            "designated": spec.designated, "treated": int(unit.treated),
            "annual_volume": volume, "utilisation": float(unit.utilisation),
            "below_min_volume": bool(volume < sn.spec.min_unit_volume),
        })
    return pd.DataFrame(rows)
