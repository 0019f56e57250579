"""ICSs and providers: the embedded England data or a scenario's explicit lists.

The embedded data folder is named here, the lowest module that reads it, so the loader (which
reads the England YAML from the same folder) depends on geography and never the other way.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources
from pathlib import Path

from sim.config.schema import ICS, Geography, Provider


def builtin_dir() -> Path:
    """Folder of the embedded England default (package data)."""
    return Path(str(resources.files("sim") / "data" / "england"))


def shipped_dir() -> Path:
    """Folder of the shipped scenarios (package data; `scenarios/` at the repository root holds
    identical copies, checked by tests/test_shipped_scenarios.py)."""
    return Path(str(resources.files("sim") / "data" / "scenarios"))


def shipped_scenarios() -> dict[str, Path]:
    """The shipped scenarios by name (`centralised`, ...), so a bare name finds them."""
    return {p.stem: p for p in sorted(shipped_dir().glob("*.yaml"))}


@lru_cache(maxsize=1)
def england() -> tuple[tuple[ICS, ...], tuple[Provider, ...]]:
    """The 42 ICSs (ONS mid-2024 populations) and the trusts with locations (ODS, 2025 Q1)."""
    folder = builtin_dir()
    with open(folder / "icss.csv", newline="", encoding="utf-8") as fh:
        icss = tuple(
            ICS(
                code=r["code"],
                name=r["name"],
                region_code=r["region_code"],
                region_name=r["region_name"],
                population=int(r["population"]),
                lat=float(r["lat"]),
                lon=float(r["lon"]),
            )
            for r in csv.DictReader(fh)
        )
    with open(folder / "providers.csv", newline="", encoding="utf-8") as fh:
        providers = tuple(
            Provider(
                code=r["code"],
                name=r["name"],
                icb_code=r["icb_code"],
                lat=float(r["lat"]),
                lon=float(r["lon"]),
                tertiary=r["tertiary"] == "1",
                kind=r["kind"],
                size=int(r["size"] or 0),
            )
            for r in csv.DictReader(fh)
        )
    return icss, providers


def load_geography(geography: Geography) -> tuple[tuple[ICS, ...], tuple[Provider, ...]]:
    """The ICSs and providers a scenario simulates, in a fixed order (sorted by code)."""
    if geography.dataset == "england":
        return england()
    icss = tuple(sorted(geography.icss or [], key=lambda i: i.code))
    providers = tuple(sorted(geography.providers or [], key=lambda p: p.code))
    return icss, providers
