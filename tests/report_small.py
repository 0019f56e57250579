"""A small textbook network (3 ICSs in 2 regions, 3 providers, 2 services) for report tests:
seconds to run, yet every figure has something to draw."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

BASE = """
name: small_national
description: Small test network, nationally commissioned.
geography:
  dataset: null
  icss:
    - {code: A, name: Alpha, region_code: R1, region_name: North,
       population: 400000, lat: 53.5, lon: -2.2}
    - {code: B, name: Beta, region_code: R1, region_name: North,
       population: 300000, lat: 53.8, lon: -1.5}
    - {code: C, name: Gamma, region_code: R2, region_name: South,
       population: 500000, lat: 51.5, lon: -0.1}
  providers:
    - {code: P1, name: One, icb_code: A, lat: 53.48, lon: -2.24, tertiary: true}
    - {code: P2, name: Two, icb_code: B, lat: 53.80, lon: -1.55}
    - {code: P3, name: Three, icb_code: C, lat: 51.50, lon: -0.12, tertiary: true}
services:
  cardiac:
    name: Cardiac surgery (test)
    incidence_per_100k: 60
    treatment_days: {kind: exponential, mean: 5}
    variable_cost_gbp: 8000
    fixed_cost_per_unit_gbp: 200000
    min_unit_volume: 150
    outcome: {p_floor: 0.02, p_ceiling: 0.08, v_half: 100, k: 2, extra_cost_gbp: 5000}
    units: [{provider: P1, slots: 4}, {provider: P3, slots: 4}]
  renal:
    name: Renal (test)
    incidence_per_100k: 40
    treatment_days: {kind: exponential, mean: 3}
    variable_cost_gbp: 3000
    min_unit_volume: 50
    units: [{provider: P1, slots: 2}, {provider: P2, slots: 2}, {provider: P3, slots: 2}]
pathway:
  handover_delay_days: 5
  travel_cost_per_km_gbp: 0.28
  fte_cost_gbp: 70000
  prefill: false
commissioning:
  default: national
  national: {admin_fte_per_service: 1.0, late_contract_probability: 0}
  ics: {admin_fte_per_service: 0.5, late_contract_probability: 0, out_of_area_weight: 50}
run: {years: 0.3, warmup_days: 20, replications: 3, seed: 7}
"""

DELEGATED = """
extends: small_national.yaml
name: small_ics
description: The same network with every service delegated to the ICSs.
commissioning: {default: ics}
"""

TWIN = """
extends: small_national.yaml
name: small_twin
description: An exact copy of small_national under another name.
"""


def write_scenarios(folder: Path) -> dict[str, Path]:
    """Write the three scenario files; returns {name: path}."""
    files = {"small_national": BASE, "small_ics": DELEGATED, "small_twin": TWIN}
    paths = {}
    for name, text in files.items():
        path = folder / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        paths[name] = path
    return paths


@functools.cache
def compare_folder() -> Path:
    """Run `specsim compare` once per test session on the three small scenarios (2 reps)."""
    from sim.presentation.cli import main

    root = Path(tempfile.mkdtemp(prefix="specsim-report-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    paths = write_scenarios(root)
    out = root / "out"
    status = main(["compare", str(paths["small_national"]), str(paths["small_ics"]),
                   str(paths["small_twin"]), "--replications", "2", "--workers", "1",
                   "--out", str(out)])
    assert status == 0
    return out
