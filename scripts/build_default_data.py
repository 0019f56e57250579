#!/usr/bin/env python3
"""Build the embedded England default geography and illustrative unit network for specsim.

Why this script exists: the package ships a small, self-contained England dataset
(``sim/data/england/``) so that the model runs without network access or the large raw files.
The packaged files are *derived* from the project's shared, documented inputs
(``shared/data/england_icbs.csv`` and ``shared/data/specialised_providers.csv``, see
``shared/data/SOURCES.md``).  Deriving them with a script, rather than editing them by hand,
keeps every number traceable and lets anyone rebuild them byte for byte.

Outputs (all under ``sim/data/england/``):

* ``icss.csv``: the 42 Integrated Care Systems (ONS mid-2024 population, ONS point location).
* ``providers.csv``: every open English NHS trust that has coordinates (HQ postcode).
* ``network.yaml``: an ILLUSTRATIVE provider-by-service unit network.  No public NHS England
  designation list exists (SOURCES.md, "Known gaps"), so units are placed by a deterministic
  population-weighted greedy p-median rule described in ``NETWORK_RULE`` below.

The services catalogue (``services.yaml``) and ``ATTRIBUTION.md`` are hand-written and are *not*
produced here.

Only the standard library and PyYAML are used, so the script runs in a bare environment.

Usage::

    python scripts/build_default_data.py [--shared ../shared/data] [--out sim/data/england]
"""

from __future__ import annotations

import argparse
import csv
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Mean Earth radius (IUGG), km.  Used for great-circle distances.
EARTH_RADIUS_KM = 6371.0088

#: Mapping of the shared file's heuristic trust categories to the model's provider kinds.
KIND_BY_CATEGORY: dict[str, str] = {
    "acute_with_type1_ae": "acute",
    "specialist_acute_name_heuristic": "specialist",
    "mental_health_or_combined_other": "mental_health",
    "community_name_heuristic": "community",
    "ambulance_name": "ambulance",
}

ICS_COLUMNS = ["code", "ods", "name", "region_code", "region_name", "population", "lat", "lon"]
PROVIDER_COLUMNS = ["code", "name", "icb_code", "lat", "lon", "tertiary", "kind", "size"]

#: Special marker in ``forced`` meaning "all Shelford (tertiary) trusts among the candidates".
SHELFORD = "@shelford"

#: Minimum number of national centres a service should have (see ``mark_national_centres``).
MIN_NATIONAL_CENTRES = 3

NETWORK_RULE = (
    "Placement rule (deterministic): for each service with N units and an eligible candidate set,\n"
    "a greedy population-weighted p-median. The chosen set is first seeded with the service's\n"
    "'forced' trusts (they count towards N); then the candidate trust that most reduces\n"
    "sum over ICSs of (ICS mid-2024 population x great-circle km from the ICS point to its\n"
    "nearest chosen unit) is added repeatedly until N units are chosen (haversine,\n"
    "R = 6371.0088 km; ties broken by provider code). If fewer candidates than N exist, all are\n"
    "taken. national_centre = true for the Shelford Group (tertiary) trusts in the unit list; if\n"
    "a service has fewer than 2 Shelford units, the largest non-Shelford units (by size = Type 1\n"
    "A&E emergency admissions Jun-2024..May-2025, ties by code) are also marked until there are\n"
    "3 national centres (or all units if fewer than 3)."
)


@dataclass(frozen=True)
class ServiceNetworkSpec:
    """How one service's illustrative units are placed.

    Attributes:
        service: service id (must match ``services.yaml``).
        n_units: target number of units; the provenance is kept in ``note`` for the YAML comment.
        kinds: provider kinds eligible to host a unit.
        extra: specific trust codes that are also eligible (e.g. specialist trusts).
        forced: trust codes always included (``SHELFORD`` expands to the eligible Shelford trusts).
        fixed: if given, the unit list is exactly these codes (no p-median), all national centres.
        note: provenance of ``n_units`` (cited / derived / illustrative).
    """

    service: str
    n_units: int
    kinds: tuple[str, ...] = ("acute",)
    extra: tuple[str, ...] = ()
    forced: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()
    note: str = ""


NETWORK_SPECS: tuple[ServiceNetworkSpec, ...] = (
    ServiceNetworkSpec(
        "renal_dialysis", 50, note="N=50 illustrative (UKRR: 71 renal centres UK-wide, 2012)"
    ),
    ServiceNetworkSpec("hiv", 60, note="N=60 illustrative"),
    ServiceNetworkSpec(
        "og_cancer_surgery",
        35,
        forced=(SHELFORD,),
        note="N=35 cited: 35 specialist OG cancer centres, AUGIS/NOGCA surgical outcomes 2019",
    ),
    ServiceNetworkSpec(
        "cardiac_surgery",
        30,
        extra=("RBQ", "RGM"),
        forced=("RBQ", "RGM", SHELFORD),
        note="N=30 illustrative",
    ),
    ServiceNetworkSpec(
        "neurosurgery",
        24,
        extra=("RET",),
        forced=("RET", SHELFORD),
        note="N=24 derived: 29 units England & Wales (SBNS 2006), scaled to England",
    ),
    ServiceNetworkSpec(
        "picu", 24, extra=("RP4",), forced=("RP4", SHELFORD), note="N=24 illustrative"
    ),
    ServiceNetworkSpec(
        "cystic_fibrosis",
        28,
        extra=("RP4", "RGM", "RBQ"),
        forced=(SHELFORD,),
        note="N=28 illustrative",
    ),
    ServiceNetworkSpec(
        "major_trauma",
        22,
        forced=(SHELFORD,),
        note="N=22 cited: 22 Major Trauma Centres announced for England, DH press release 2012",
    ),
    ServiceNetworkSpec(
        "vascular_surgery",
        70,
        note=(
            "N=70 derived: NHS England contract suggests 800,000 population per arterial centre"
            " (King's Fund) -> 58.6m / 0.8m ~ 73"
        ),
    ),
    ServiceNetworkSpec(
        "secure_mental_health",
        39,
        kinds=("mental_health",),
        note=(
            "N=39 derived: about 60 medium secure units, about 35 % independent sector"
            " -> about 39 NHS (Soc Psychiatry Psychiatr Epidemiol 2017)"
        ),
    ),
    ServiceNetworkSpec(
        "high_secure_mental_health",
        3,
        kinds=("mental_health",),
        fixed=("RKL", "RW4", "RHA"),
        note=(
            "exactly the 3 high secure hospital hosts: Broadmoor (RKL), Ashworth (RW4), Rampton"
            " (RHA); from general knowledge, verify (SOURCES.md)"
        ),
    ),
)


@dataclass(frozen=True)
class Ics:
    """One Integrated Care System as packaged in ``icss.csv``."""

    code: str
    ods: str
    name: str
    region_code: str
    region_name: str
    population: int
    lat: float
    lon: float


@dataclass(frozen=True)
class Provider:
    """One NHS trust as packaged in ``providers.csv``."""

    code: str
    name: str
    icb_code: str
    lat: float
    lon: float
    tertiary: int
    kind: str
    size: int


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km; the model uses the same metric, so placement matches it."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


_SMALL_WORDS = {"and", "of", "for", "the", "upon", "on", "in"}
_UPPER_WORDS = {"NHS", "UK"}


def nice_name(raw: str) -> str:
    """Title-case an ODS upper-case trust name, keeping 'NHS' and lower-casing joining words.

    ODS names are all capitals; mixed case reads better in reports.  ``str.title`` would turn
    "KING'S" into "King'S", so apostrophes are handled word by word.
    """
    words = raw.split()
    out: list[str] = []
    for i, w in enumerate(words):
        if w.upper() in _UPPER_WORDS:
            out.append(w.upper())
        elif i > 0 and w.lower() in _SMALL_WORDS:
            out.append(w.lower())
        else:
            out.append("-".join(part[:1].upper() + part[1:].lower() for part in w.split("-")))
    return " ".join(out)


def read_icss(path: Path) -> list[Ics]:
    """Read the 42 ICBs; keep only the columns the model needs, sorted by GSS code."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    icss = [
        Ics(
            code=r["icb_code"],
            ods=r["icb_ods"],
            name=r["icb_name"],
            region_code=r["region_ods"],
            region_name=r["region_name"],
            population=int(r["population"]),
            lat=float(r["lat"]),
            lon=float(r["lon"]),
        )
        for r in rows
    ]
    return sorted(icss, key=lambda x: x.code)


def read_providers(path: Path) -> tuple[list[Provider], list[str]]:
    """Read trusts with coordinates; return them sorted by code and the codes dropped.

    Trusts without coordinates (only G6V2S, created Nov 2024) cannot be routed to, so they
    are dropped rather than given an invented location.
    """
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    providers: list[Provider] = []
    dropped: list[str] = []
    for r in rows:
        if not r["lat"].strip() or not r["lon"].strip():
            dropped.append(r["trust_ods"])
            continue
        size_raw = r["type1_ae_emergency_admissions_jun24_may25"].strip()
        providers.append(
            Provider(
                code=r["trust_ods"],
                name=nice_name(r["trust_name"]),
                icb_code=r["icb_code"],
                lat=float(r["lat"]),
                lon=float(r["lon"]),
                tertiary=1 if r["shelford"].strip() == "1" else 0,
                kind=KIND_BY_CATEGORY[r["category_heuristic"]],
                size=int(float(size_raw)) if size_raw else 0,
            )
        )
    return sorted(providers, key=lambda p: p.code), dropped


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write a CSV with Unix newlines so rebuilds are byte-identical across platforms."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        for row in rows:
            w.writerow(row)


def candidates_for(spec: ServiceNetworkSpec, providers: Sequence[Provider]) -> list[Provider]:
    """Eligible host trusts for a service: those of an eligible kind plus named extras."""
    return sorted(
        (p for p in providers if p.kind in spec.kinds or p.code in spec.extra),
        key=lambda p: p.code,
    )


def expand_forced(spec: ServiceNetworkSpec, candidates: Sequence[Provider]) -> list[str]:
    """Resolve the forced list (``SHELFORD`` -> every tertiary candidate), keeping order unique."""
    codes = {p.code for p in candidates}
    out: list[str] = []
    for f in spec.forced:
        items = [p.code for p in candidates if p.tertiary] if f == SHELFORD else [f]
        for c in items:
            if c not in codes:
                raise ValueError(f"{spec.service}: forced trust {c} is not an eligible candidate")
            if c not in out:
                out.append(c)
    return out


def greedy_p_median(
    icss: Sequence[Ics], candidates: Sequence[Provider], n_units: int, forced: Sequence[str]
) -> list[str]:
    """Choose ``n_units`` trusts by greedy population-weighted p-median, seeded with ``forced``.

    Greedy addition is not guaranteed optimal, but it is deterministic, fast and gives a
    plausible spread (big conurbations get several units, remote areas get their nearest
    trust), which is all an illustrative network needs.
    """
    dist = {p.code: [haversine_km(i.lat, i.lon, p.lat, p.lon) for i in icss] for p in candidates}
    pops = [i.population for i in icss]
    chosen: list[str] = list(forced)
    best = [math.inf] * len(icss)
    for c in chosen:
        best = [min(b, d) for b, d in zip(best, dist[c], strict=True)]
    target = min(n_units, len(candidates))
    remaining = sorted(p.code for p in candidates if p.code not in chosen)
    while len(chosen) < target:
        best_code = ""
        best_cost = math.inf
        for c in remaining:  # sorted, and strict '<' keeps the lowest code on ties
            cost = sum(w * min(b, d) for w, b, d in zip(pops, best, dist[c], strict=True))
            if cost < best_cost:
                best_cost, best_code = cost, c
        chosen.append(best_code)
        remaining.remove(best_code)
        best = [min(b, d) for b, d in zip(best, dist[best_code], strict=True)]
    return chosen


def mark_national_centres(units: Sequence[str], by_code: dict[str, Provider]) -> dict[str, bool]:
    """Designate national centres (escalation targets) for a service's unit list.

    Shelford trusts are the natural national centres.  A service with fewer than 2 Shelford
    units would otherwise have too few escalation targets, so the largest non-Shelford units
    are added until there are ``MIN_NATIONAL_CENTRES`` (or all units if fewer exist).
    """
    flags = {u: bool(by_code[u].tertiary) for u in units}
    if sum(flags.values()) < 2:
        target = min(MIN_NATIONAL_CENTRES, len(units))
        others = sorted((u for u in units if not flags[u]), key=lambda u: (-by_code[u].size, u))
        for u in others:
            if sum(flags.values()) >= target:
                break
            flags[u] = True
    return flags


def build_network(
    icss: Sequence[Ics], providers: Sequence[Provider]
) -> tuple[dict[str, list[dict[str, object]]], dict[str, str]]:
    """Place every service's units; return the network mapping and one comment per service."""
    by_code = {p.code: p for p in providers}
    network: dict[str, list[dict[str, object]]] = {}
    comments: dict[str, str] = {}
    for spec in NETWORK_SPECS:
        if spec.fixed:
            for c in spec.fixed:
                if c not in by_code:
                    raise ValueError(f"{spec.service}: fixed trust {c} missing from providers")
            units = sorted(spec.fixed)
            flags = {u: True for u in units}
            comment = spec.note
        else:
            cands = candidates_for(spec, providers)
            forced = expand_forced(spec, cands)
            units = sorted(greedy_p_median(icss, cands, spec.n_units, forced))
            flags = mark_national_centres(units, by_code)
            comment = f"{spec.note}; {len(cands)} candidates (kinds {'+'.join(spec.kinds)}"
            comment += f" + {'+'.join(spec.extra)})" if spec.extra else ")"
            comment += f"; forced: {', '.join(forced) if forced else 'none'}"
            if len(cands) < spec.n_units:
                comment += f"; FEWER CANDIDATES THAN N: all {len(cands)} taken"
        comment += f"; {len(units)} units, {sum(flags.values())} national centres"
        network[spec.service] = [{"provider": u, "national_centre": flags[u]} for u in units]
        comments[spec.service] = comment
    return network, comments


def network_yaml(network: dict[str, list[dict[str, object]]], comments: dict[str, str]) -> str:
    """Render network.yaml with a header and a provenance comment above each service."""
    header = [
        "# ILLUSTRATIVE unit network for the England default dataset of specsim.",
        "# GENERATED by scripts/build_default_data.py: do not edit by hand; rebuild instead.",
        "#",
        "# No public NHS England provider-by-service designation list exists (see",
        "# shared/data/SOURCES.md, 'Known gaps'), so this is NOT the real set of commissioned",
        "# providers. It is a plausible, reproducible stand-in.",
        "#",
        *("# " + line for line in NETWORK_RULE.splitlines()),
        "#",
        "# Schema: service id -> list of units {provider: trust ODS code (providers.csv),",
        "# national_centre: bool}. No slot counts: capacity is auto-sized by the model.",
        "# Contains public sector information licensed under the Open Government Licence v3.0;",
        "# Source: Office for National Statistics / NHS England.",
        "",
    ]
    parts = ["\n".join(header)]
    for service, units in network.items():
        body = yaml.safe_dump({service: units}, sort_keys=False, default_flow_style=None)
        parts.append(f"# {comments[service]}\n{body}")
    return "\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, build the three generated files and print a short summary."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--shared",
        type=Path,
        default=PROJECT_ROOT / ".." / "shared" / "data",
        help="shared data directory (default: ../shared/data relative to the project root)",
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=PROJECT_ROOT / "sim" / "data" / "england",
        help="output directory (default: sim/data/england)",
    )
    args = ap.parse_args(argv)
    shared: Path = args.shared.resolve()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)

    icss = read_icss(shared / "england_icbs.csv")
    providers, dropped = read_providers(shared / "specialised_providers.csv")
    if len(icss) != 42:
        raise ValueError(f"expected 42 ICSs, found {len(icss)}")

    write_csv(
        out / "icss.csv",
        ICS_COLUMNS,
        (
            [i.code, i.ods, i.name, i.region_code, i.region_name, i.population, i.lat, i.lon]
            for i in icss
        ),
    )
    write_csv(
        out / "providers.csv",
        PROVIDER_COLUMNS,
        ([p.code, p.name, p.icb_code, p.lat, p.lon, p.tertiary, p.kind, p.size] for p in providers),
    )
    network, comments = build_network(icss, providers)
    (out / "network.yaml").write_text(network_yaml(network, comments), encoding="utf-8")

    print(f"icss.csv: {len(icss)} rows, population {sum(i.population for i in icss):,}")
    print(f"providers.csv: {len(providers)} rows (dropped without coordinates: {dropped})")
    for service, comment in comments.items():
        print(f"network {service}: {comment}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
