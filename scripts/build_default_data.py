#!/usr/bin/env python3
"""Build the embedded England default data of specsim from the shared, documented inputs.

Why this script exists: the package ships a small, self-contained England dataset
(``sim/data/england/``) so that the model runs without network access or the large raw files.
The packaged tables are *derived* from the project's shared inputs (``shared/data/``, see
``shared/data/SOURCES.md``) and from the hand-written service catalogue (``services.yaml``).
Deriving them with a script, rather than editing them by hand, keeps every number traceable and
lets anyone rebuild them byte for byte.

Outputs (all under ``sim/data/england/``):

* ``icss.csv``: the 42 Integrated Care Systems (ONS mid-2024 population, ONS point location).
* ``providers.csv``: every open English NHS trust that has coordinates (HQ postcode).
* ``designated_units.csv``: the real designated centres used (PICU, major trauma, high secure),
  one row per named unit with its source.
* ``network.yaml``: the provider-by-service unit network. Real designated centres where a list
  exists (``designation: cited``); elsewhere a deterministic population-weighted greedy p-median
  placement (``designation: illustrative``, rule in ``NETWORK_RULE``). Every unit has explicit
  ``slots``.
* ``demand_points.csv``: each ICS's population spread over its acute trusts (by Type 1 A&E
  emergency admissions), the catchment geography used for capacity.
* ``capacity.csv``: how each unit's slots were derived (cited national totals split by
  catchment, or day-0 demand at the target utilisation).
* ``waiting_lists.csv``: the starting waiting list of every service (raw RTT figures, scale,
  result, source); ``services.yaml`` must carry the same ``initial_waiting_list`` values (the
  script checks this and stops with the expected values if they differ).
* ``calibration_targets.csv``: observed KPIs the calibration fits, with tolerances and sources.
* ``price_index.csv``: the uplift to 2023-24 prices used for older costs.
* ``budget.csv``: the centralised baseline's annual spend, detailed services plus
  ``service_groups.yaml``, against the GBP 25.0bn of 2023-24.

``services.yaml``, ``service_groups.yaml``, ``defaults.yaml``, ``README.md`` and
``ATTRIBUTION.md`` are hand-written and are *read*, not produced, here.

Only the standard library and PyYAML are used, so the script runs in a bare environment.

Usage::

    python scripts/build_default_data.py [--shared ../shared/data] [--out sim/data/england]
"""

from __future__ import annotations

import argparse
import csv
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist

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

#: Financial year of every money value in the packaged data.
PRICE_YEAR = "2023-24"

NETWORK_RULE = (
    "Illustrative placement rule (deterministic): for each service with N units and an eligible\n"
    "candidate set, a greedy population-weighted p-median. The chosen set is first seeded with\n"
    "the service's 'forced' trusts (they count towards N); then the candidate trust that most\n"
    "reduces sum over ICSs of (ICS mid-2024 population x great-circle km from the ICS point to\n"
    "its nearest chosen unit) is added repeatedly until N units are chosen (haversine,\n"
    "R = 6371.0088 km; ties broken by provider code). If fewer candidates than N exist, all are\n"
    "taken. national_centre = true for the Shelford Group (tertiary) trusts in the unit list; if\n"
    "a service has fewer than 2 Shelford units, the largest non-Shelford units (by size = Type 1\n"
    "A&E emergency admissions Jun-2024..May-2025, ties by code) are also marked until there are\n"
    "3 national centres (or all units if fewer than 3). Designated services (designation: cited)\n"
    "use the real list instead of the p-median; their national centres follow the same rule."
)

CAPACITY_RULE = (
    "Slots (capacity.csv): derived ONCE from baseline (day-0) demand, never from a scenario's\n"
    "own future demand. Demand per ICS = mid-2024 population x incidence x (1 - local management\n"
    "share) x national accepted share (urgent + (1 - urgent) x 0.97), spread over the ICS's\n"
    "acute trusts in proportion to their Type 1 A&E emergency admissions (demand points finer\n"
    "than the 42 ICS points). Each point's demand goes to its nearest unit (major trauma: adults\n"
    "to the nearest adult-capable centre, children, 2.6 %, to the nearest child-capable one).\n"
    "Offered load = volume / 365 x (mean treatment days + p(volume) x adverse extra days), plus\n"
    "escalations to the nearest national centre. Derived: slots = ceil(load / target\n"
    "utilisation). Cited total: the national total split in proportion to the loads (largest\n"
    "remainder, at least 1). Designated units within 15 km of each other (one city, same age\n"
    "group) share the city's slots by their number of named units."
)


@dataclass(frozen=True)
class ServiceNetworkSpec:
    """How one service's units are placed.

    Attributes:
        service: service id (must match ``services.yaml``).
        n_units: target number of units for the illustrative placement.
        kinds: provider kinds eligible to host a unit.
        extra: specific trust codes that are also eligible (e.g. specialist trusts).
        forced: trust codes always included (``SHELFORD`` expands to the eligible Shelford trusts).
        designated: service label of the real list in ``designated_units`` (no p-median).
        note: provenance of the unit count (cited / derived / illustrative).
    """

    service: str
    n_units: int
    kinds: tuple[str, ...] = ("acute",)
    extra: tuple[str, ...] = ()
    forced: tuple[str, ...] = ()
    designated: bool = False
    note: str = ""


NETWORK_SPECS: tuple[ServiceNetworkSpec, ...] = (
    ServiceNetworkSpec(
        "renal_dialysis",
        52,
        note="N=52 cited: 52 dialysis providers in England c. 2009 (HFMA 2009,"
        " specialised_activity.csv); placement illustrative",
    ),
    ServiceNetworkSpec("hiv", 60, note="N=60 illustrative (England count NOT FOUND)"),
    ServiceNetworkSpec(
        "og_cancer_surgery",
        35,
        forced=(SHELFORD,),
        note="N=35 cited: 35 specialist OG cancer centres, AUGIS/NOGCA surgical outcomes 2019;"
        " placement illustrative",
    ),
    ServiceNetworkSpec(
        "cardiac_surgery",
        30,
        extra=("RBQ", "RGM"),
        forced=("RBQ", "RGM", SHELFORD),
        note="N=30 illustrative (count NOT FOUND, designated_centres.csv)",
    ),
    ServiceNetworkSpec(
        "neurosurgery",
        24,
        extra=("RET",),
        forced=("RET", SHELFORD),
        note="N=24 derived: 29 units England & Wales (SBNS 2006), scaled to England;"
        " placement illustrative",
    ),
    ServiceNetworkSpec(
        "picu",
        24,
        designated=True,
        note="cited: the 24 England NHS level-3 PICUs of the PICANet 2020 organisation key"
        " (designated_centres.csv), in 20 trusts: one unit per trust (a unit is one provider's"
        " capacity for one service), so GOSH (PICU/NICU + CICU), Newcastle (Freeman + GNCH),"
        " Leicester (Glenfield + LRI) and GSTT (Evelina + Royal Brompton) are merged",
    ),
    ServiceNetworkSpec(
        "cystic_fibrosis",
        28,
        extra=("RP4", "RGM", "RBQ"),
        forced=(SHELFORD,),
        note="N=28 illustrative (33 paediatric CF centres UK, Taylor-Robinson 2018; adult"
        " count NOT FOUND)",
    ),
    ServiceNetworkSpec(
        "major_trauma",
        27,
        designated=True,
        note="cited: the 27 major trauma centres in England (NHS.uk: 11 adult and children,"
        " 11 adult only, 5 children only); 14 named in designated_centres.csv, the other 13"
        " named in stored public pages (designated_units.csv gives each source)",
    ),
    ServiceNetworkSpec(
        "vascular_surgery",
        70,
        note="N=70 derived: NHS England contract suggests 800,000 population per arterial"
        " centre (King's Fund) -> 58.6m / 0.8m ~ 73; placement illustrative",
    ),
    ServiceNetworkSpec(
        "secure_mental_health",
        39,
        kinds=("mental_health",),
        note="N=39 derived: about 60 medium secure units, about 35 % independent sector"
        " -> about 39 NHS (Soc Psychiatry Psychiatr Epidemiol 2017); placement illustrative",
    ),
    ServiceNetworkSpec(
        "high_secure_mental_health",
        3,
        kinds=("mental_health",),
        designated=True,
        note="cited: the 3 high secure hospitals, Ashworth (RW4), Broadmoor (RKL), Rampton"
        " (RHA), with host trusts named in the source (designated_centres.csv)",
    ),
)

#: Service label of designated_centres.csv unit rows -> model service id.
DESIGNATED_LABELS: dict[str, str] = {
    "Major trauma centre": "major_trauma",
    "Paediatric intensive care unit (level 3)": "picu",
    "High secure psychiatric hospital": "high_secure_mental_health",
}

#: One unit per trust (the schema allows one unit per provider and service). Set to False to
#: emit one unit per named designated unit (needs a schema that allows several per provider).
ONE_UNIT_PER_TRUST = False


@dataclass(frozen=True)
class DesignatedUnit:
    """One named designated unit (a row of ``designated_units.csv``)."""

    service: str
    trust: str
    name: str
    category: str  # all | adult | children
    site_ods: str
    source: str
    where_seen: str
    note: str


#: Major trauma centres named in stored public pages but not in designated_centres.csv. The
#: trust mapping of each named hospital is general knowledge (verify); every row is checked
#: against providers.csv by the build.
MTC_SUPPLEMENT: tuple[DesignatedUnit, ...] = (
    DesignatedUnit(
        "major_trauma", "RR8", "Leeds General Infirmary", "all", "",
        "Wikipedia, 'Major trauma centre', table 'Major trauma centres in England' (Jan 2024"
        " mirror)",
        "https://kiwix.haohe.fun/content/wikipedia_en_all_maxi_2024-01/A/Major_Trauma_Centre",
        "listed under adult and children; trust mapping general knowledge - verify",
    ),
    DesignatedUnit(
        "major_trauma", "RX1", "Queen's Medical Centre (Nottingham)", "all", "",
        "Wikipedia (Jan 2024 mirror); Capital FM East Midlands (11 Jan 2012): QMC, run by"
        " Nottingham University Hospitals NHS Trust, designated the East Midlands MTC",
        "https://kiwix.haohe.fun/content/wikipedia_en_all_maxi_2024-01/A/Major_Trauma_Centre ;"
        " https://www.capitalfm.com/eastmids/radio/news/local/east-midlands-major-trauma-centre/",
        "listed under adult and children; trust named in the source",
    ),
    DesignatedUnit(
        "major_trauma", "RHQ", "Northern General Hospital (Sheffield)", "adult", "",
        "Wikipedia, 'Major trauma centre' (Jan 2024 mirror)",
        "https://kiwix.haohe.fun/content/wikipedia_en_all_maxi_2024-01/A/Major_Trauma_Centre",
        "listed under adult only; trust mapping general knowledge - verify",
    ),
    DesignatedUnit(
        "major_trauma", "RQ3", "Birmingham Children's Hospital", "children", "",
        "Wikipedia (Jan 2024 mirror); BBC News 'Four West Midlands hospitals given trauma"
        " centre status' (2012)",
        "https://kiwix.haohe.fun/content/wikipedia_en_all_maxi_2024-01/A/Major_Trauma_Centre ;"
        " https://www.bbc.co.uk/news/uk-england-17509700",
        "listed under children only; trust mapping general knowledge - verify",
    ),
    DesignatedUnit(
        "major_trauma", "RCU", "Sheffield Children's Hospital", "children", "",
        "Wikipedia, 'Major trauma centre' (Jan 2024 mirror)",
        "https://kiwix.haohe.fun/content/wikipedia_en_all_maxi_2024-01/A/Major_Trauma_Centre",
        "children-only column; the stored excerpt is cut at 'Sheffi...' (the only children's"
        " hospital in Sheffield); trust mapping general knowledge - verify",
    ),
    DesignatedUnit(
        "major_trauma", "RXN", "Royal Preston Hospital", "adult", "",
        "North West Ambulance Service, 'Providing trauma care' (MTCs in the North West)",
        "http://www.nwas.nhs.uk/our-services/managing-clinical-conditions/providing-trauma-care/",
        "category not stated (children in the North West go to Alder Hey or RMCH, listed"
        " separately): adult assumed; trust mapping general knowledge - verify",
    ),
    DesignatedUnit(
        "major_trauma", "RM3", "Salford Royal Hospital (Manchester collaborative MTC)", "adult",
        "",
        "North West Ambulance Service, 'Providing trauma care' (MTCs in the North West)",
        "http://www.nwas.nhs.uk/our-services/managing-clinical-conditions/providing-trauma-care/",
        "the source names a Manchester collaborative MTC (Salford Royal, MRI, UHSM); placed at"
        " Salford Royal (Northern Care Alliance, general knowledge - verify); adult assumed",
    ),
    DesignatedUnit(
        "major_trauma", "RYR", "Royal Sussex County Hospital (Brighton)", "adult", "",
        "Sussex Trauma Network page (bsuh.nhs.uk); HSJ 'Trauma network adds five major"
        " centres' (2012: Brighton and Sussex University Hospitals Trust)",
        "https://www.bsuh.nhs.uk/stn/trauma-services/ ;"
        " https://www.hsj.co.uk/acute-care/trauma-network-adds-five-major-centres/5043425.article",
        "BSUH is now University Hospitals Sussex (RYR), general knowledge - verify; category"
        " not stated: adult assumed",
    ),
    DesignatedUnit(
        "major_trauma", "RTD", "Royal Victoria Infirmary (Newcastle)", "all", "",
        "HSJ, 'Major trauma centre confirmed at Newcastle FT' (2012)",
        "https://www.hsj.co.uk/the-newcastle-upon-tyne-hospitals-nhs-foundation-trust/"
        "major-trauma-centre-confirmed-at-newcastle-ft-/5043507.article",
        "trust named in the source; category not stated: adult and children assumed",
    ),
    DesignatedUnit(
        "major_trauma", "RJE", "Royal Stoke University Hospital", "adult", "",
        "BBC News, 'Four West Midlands hospitals given trauma centre status' (2012); West"
        " Midlands Strategic Commissioning Group release (2011, johnhemming.blogspot.com)",
        "https://www.bbc.co.uk/news/uk-england-17509700 ;"
        " http://johnhemming.blogspot.com/2011/11/press-release-on-trauma-centres.html",
        "adult centre (children go to Birmingham Children's, per the 2011 release); trust"
        " mapping general knowledge - verify",
    ),
    DesignatedUnit(
        "major_trauma", "RKB", "University Hospital Coventry", "adult", "",
        "BBC News (2012); West Midlands Strategic Commissioning Group release (2011)",
        "https://www.bbc.co.uk/news/uk-england-17509700 ;"
        " http://johnhemming.blogspot.com/2011/11/press-release-on-trauma-centres.html",
        "adult centre; trust named in the 2011 release",
    ),
    DesignatedUnit(
        "major_trauma", "RRK", "Queen Elizabeth Hospital Birmingham", "adult", "",
        "BBC News (2012): 'Queen Elizabeth Hospital Birmingham is another adult centre'",
        "https://www.bbc.co.uk/news/uk-england-17509700",
        "trust mapping general knowledge - verify",
    ),
    DesignatedUnit(
        "major_trauma", "RHM", "Southampton General Hospital", "all", "",
        "University Hospital Southampton, 'Junior fellow in emergency medicine' brochure; Island"
        " Echo (Wessex Trauma Network): one of 12 centres for adults and children",
        "https://uhs-nhs.pagetiger.com/junior-fellow-emergency-medicine/1/page4.htm ;"
        " https://www.islandecho.co.uk/patients-surviving-severe-injuries-thanks-souths-trauma-network/",
        "trust named in the source",
    ),
)

#: Share of major trauma patients aged under 16 (EoE Trauma Network 2022, specialised_activity.csv).
MTC_CHILD_SHARE = 0.026

#: Cited national capacity totals, split between units in proportion to their derived load.
CITED_CAPACITY: dict[str, tuple[int, str]] = {
    "picu": (
        314,
        "cited: 314 paediatric intensive care beds available on average, 3 Dec 2022 - 8 Jan"
        " 2023 (Nuffield Trust 18 Jan 2023, from NHS England winter sitreps;"
        " specialised_activity.csv), split between units by derived load",
    ),
    "secure_mental_health": (
        3500,
        "cited: about 3,500 medium secure beds (about 60 units, about 35 % independent sector;"
        " Soc Psychiatry Psychiatr Epidemiol 2017, PARAMETERS.md C8), all placed at the NHS"
        " units of the network (independent-sector beds are NHS-funded too), split by derived"
        " load",
    ),
    "high_secure_mental_health": (
        700,
        "cited: 'just over 700' beds in the 3 high secure hospitals (Soc Psychiatry Psychiatr"
        " Epidemiol 2017, PARAMETERS.md C8), split by derived load",
    ),
}

#: NHS Cost Inflation Index (pay and prices), annual % change into each financial year: PSSRU
#: Unit Costs of Health and Social Care 2025 manual (Jones et al. 2026,
#: doi:10.22024/UniKent/01.02.115569), as tabulated in github w-hardy/dmdprices R/nhscii.R.
NHSCII_RATES: dict[str, float] = {
    "2015-16": 0.40, "2016-17": 2.09, "2017-18": 1.24, "2018-19": 1.60, "2019-20": 2.14,
    "2020-21": 2.49, "2021-22": 2.58, "2022-23": 7.32, "2023-24": 2.47,
}
#: Illustrative annual uplift before 2014-15 (the HCHS index years were NOT FOUND in store).
PRE_2014_RATE = 2.0
FIRST_INDEX_YEAR = 2000  # 2000-01

#: NHS England programme of care of each detailed service (for the budget table).
PROGRAMME: dict[str, str] = {
    "renal_dialysis": "Internal Medicine",
    "hiv": "Blood and Infection",
    "og_cancer_surgery": "Cancer",
    "cardiac_surgery": "Internal Medicine",
    "neurosurgery": "Trauma",
    "picu": "Women and Children",
    "cystic_fibrosis": "Internal Medicine",
    "major_trauma": "Trauma",
    "vascular_surgery": "Internal Medicine",
    "secure_mental_health": "Mental Health",
    "high_secure_mental_health": "Mental Health",
}

#: The centralised baseline's annual spend target (2023-24 outturn) and the delegated value.
BUDGET_TARGET_GBP = 25.0e9
DELEGATED_TARGET_GBP = 14.0e9
BUDGET_SOURCE = (
    "cited: specialised spend 2023-24 GBP 25.0bn (UK Parliament written answer, DHSC, c. May"
    " 2024; NHS England 'Specialised services' page), specialised_finance.csv"
)

RTT_FILE = "rtt_specialised_treatment_functions.csv"
RTT_SOURCE = (
    "NHS England RTT waiting times, January 2026, commissioner-based incomplete pathways"
    f" (published 12 Mar 2026), {RTT_FILE}"
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


@dataclass
class Unit:
    """One unit of the network as written to ``network.yaml``."""

    provider: str
    national_centre: bool = False
    slots: int = 0
    designation: str = "illustrative"
    name: str = ""
    category: str = "all"
    load: float = 0.0
    volume: float = 0.0
    basis: str = ""
    source: str = ""


@dataclass
class ServiceNetwork:
    """A service's units and the comment written above them in ``network.yaml``."""

    spec: ServiceNetworkSpec
    units: list[Unit] = field(default_factory=list)
    comment: str = ""


# --------------------------------------------------------------------------------------------
# Geography (unchanged since the first version: icss.csv and providers.csv rebuild byte for byte)
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Unit network
# --------------------------------------------------------------------------------------------


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


_CATEGORY = {"adult and children": "all", "adult only": "adult", "children only": "children"}


def read_designated(path: Path) -> list[DesignatedUnit]:
    """Named designated units of designated_centres.csv plus the major trauma supplement.

    A unit named twice (St Mary's, London) is kept once, with the row that states a category.
    A London MTC whose category the source does not state is taken as adult and children (the
    four London MTCs are listed under 'adult and children' in the Wikipedia table).
    """
    with path.open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["row_type"] == "unit"]
    units: dict[tuple[str, str], DesignatedUnit] = {}
    for r in rows:
        service = DESIGNATED_LABELS.get(r["service"])
        if service is None:
            continue
        category = _CATEGORY.get(r["category"].strip(), "all")
        stated = r["category"].strip() in _CATEGORY or service != "major_trauma"
        note = r["mapping_note"].strip()
        if not stated:
            note += "; category not stated in this source: adult and children assumed"
        # a major trauma centre is one per trust (St Mary's is listed by two sources); other
        # services may have several named units in one trust (GOSH PICU/NICU and CICU)
        key = (service, r["trust_ods"].strip() if service == "major_trauma"
               else r["unit_name"].strip())
        unit = DesignatedUnit(service, r["trust_ods"].strip(), r["unit_name"].strip(), category,
                              r["site_ods"].strip(), r["source"].strip(),
                              r["where_seen"].strip(), note)
        if key in units:
            if not stated:
                continue
        units[key] = unit
    out = list(units.values()) + list(MTC_SUPPLEMENT)
    seen: set[tuple[str, str]] = set()
    for u in out:
        if u.service == "major_trauma":
            if (u.service, u.trust) in seen:
                raise ValueError(f"major trauma centre listed twice for trust {u.trust}")
            seen.add((u.service, u.trust))
    return out


def designated_units(service: str, listed: Sequence[DesignatedUnit]) -> list[Unit]:
    """The service's units from the real list: one per trust (merged names and categories)."""
    by_trust: dict[str, list[DesignatedUnit]] = {}
    for d in listed:
        if d.service == service:
            by_trust.setdefault(d.trust, []).append(d)
    units = []
    for trust in sorted(by_trust):
        rows = by_trust[trust]
        cats = {r.category for r in rows}
        category = "all" if "all" in cats or {"adult", "children"} <= cats else cats.pop()
        units.append(Unit(trust, designation="cited", category=category,
                          name=" + ".join(r.name for r in rows)))
    if not ONE_UNIT_PER_TRUST:  # one unit per named designated unit (distinct `name`s)
        return [Unit(d.trust, designation="cited", category=d.category, name=d.name)
                for trust in sorted(by_trust) for d in by_trust[trust]]
    return units


def build_network(
    icss: Sequence[Ics], providers: Sequence[Provider], listed: Sequence[DesignatedUnit]
) -> list[ServiceNetwork]:
    """Place every service's units: the real list where one exists, else the p-median."""
    by_code = {p.code: p for p in providers}
    out: list[ServiceNetwork] = []
    for spec in NETWORK_SPECS:
        if spec.designated:
            units = designated_units(spec.service, listed)
            for u in units:
                if u.provider not in by_code:
                    raise ValueError(f"{spec.service}: designated trust {u.provider} missing")
            comment = f"{spec.note}; {len(units)} units"
        else:
            cands = candidates_for(spec, providers)
            forced = expand_forced(spec, cands)
            codes = sorted(greedy_p_median(icss, cands, spec.n_units, forced))
            units = [Unit(c) for c in codes]
            comment = f"{spec.note}; {len(cands)} candidates (kinds {'+'.join(spec.kinds)}"
            comment += f" + {'+'.join(spec.extra)})" if spec.extra else ")"
            comment += f"; forced: {', '.join(forced) if forced else 'none'}"
            if len(cands) < spec.n_units:
                comment += f"; FEWER CANDIDATES THAN N: all {len(cands)} taken"
            comment += f"; {len(units)} units"
        flags = mark_national_centres([u.provider for u in units], by_code)
        for u in units:
            u.national_centre = flags[u.provider]
        comment += f", {sum(flags.values())} national centres"
        out.append(ServiceNetwork(spec, units, comment))
    return out


# --------------------------------------------------------------------------------------------
# Capacity (slots) from day-0 demand
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemandPoint:
    """Where part of an ICS's population is taken to live (capacity catchments)."""

    ics: str
    trust: str
    lat: float
    lon: float
    population: float


def adverse_probability(outcome: dict, volume: float) -> float:
    """p(v) = p_floor + (p_ceiling - p_floor) / (1 + (v / v_half) ** k), as in the model."""
    span = outcome["p_ceiling"] - outcome["p_floor"]
    ratio = max(volume, 0.0) / outcome["v_half"]
    return outcome["p_floor"] + span / (1.0 + ratio ** outcome["k"])


def specialised_demand(svc: dict, points: Sequence[DemandPoint], access_rate: float
                       ) -> list[float]:
    """Patients per year per demand point reaching the specialised stage and accepted, day 0."""
    accepted = svc["urgent_share"] + (1.0 - svc["urgent_share"]) * access_rate
    return [i.population * svc["incidence_per_100k"] / 1e5 * (1.0 - svc["local_management_share"])
            * accepted for i in points]


def demand_points(icss: Sequence[Ics], providers: Sequence[Provider]) -> list[DemandPoint]:
    """Each ICS's population split over its acute trusts by Type 1 A&E emergency admissions.

    Why: 42 ICS points are too coarse for catchments: a designated centre that is no ICS
    point's nearest unit (Aintree, James Cook, the Walton Centre) would get no demand and one
    slot. A trust's emergency admissions are a proxy for the population it serves, so the
    trust locations give a finer demand surface (an ICS without such a trust keeps its point).
    """
    points = []
    for i in icss:
        hosts = [p for p in providers if p.icb_code == i.code and p.kind == "acute" and p.size]
        total = sum(p.size for p in hosts)
        if not total:
            points.append(DemandPoint(i.code, "", i.lat, i.lon, float(i.population)))
            continue
        points += [DemandPoint(i.code, p.code, p.lat, p.lon, i.population * p.size / total)
                   for p in sorted(hosts, key=lambda p: p.code)]
    return points


def size_units(
    sn: ServiceNetwork, svc: dict, points: Sequence[DemandPoint], by_code: dict[str, Provider],
    access_rate: float,
) -> None:
    """Set volume, offered load and slots of every unit of one service (CAPACITY_RULE)."""
    units = sn.units
    demand = specialised_demand(svc, points, access_rate)
    km = [[haversine_km(i.lat, i.lon, by_code[u.provider].lat, by_code[u.provider].lon)
           for u in units] for i in points]

    def nearest(i: int, allowed: Sequence[int]) -> int:
        return min(allowed, key=lambda j: (km[i][j], j))

    volume = [0.0] * len(units)
    everyone = list(range(len(units)))
    if sn.spec.service == "major_trauma":
        adult_ok = [j for j, u in enumerate(units) if u.category in ("all", "adult")]
        child_ok = [j for j, u in enumerate(units) if u.category in ("all", "children")]
        for i, d in enumerate(demand):
            volume[nearest(i, adult_ok)] += d * (1.0 - MTC_CHILD_SHARE)
            volume[nearest(i, child_ok)] += d * MTC_CHILD_SHARE
    else:
        for i, d in enumerate(demand):
            volume[nearest(i, everyone)] += d
    outcome = svc["outcome"]
    treat = svc["treatment_days"]["mean"]
    load = [v / 365.0 * (treat + adverse_probability(outcome, v) * outcome["extra_days"])
            for v in volume]
    centres = [j for j, u in enumerate(units) if u.national_centre]
    if centres and outcome["escalation_share"] > 0:
        active = sorted(v for v in volume)
        median = (active[len(active) // 2] if len(active) % 2
                  else 0.5 * (active[len(active) // 2 - 1] + active[len(active) // 2]))
        typical_p = adverse_probability(outcome, median)
        for i, d in enumerate(demand):
            load[nearest(i, centres)] += d / 365.0 * typical_p * outcome["escalation_share"] * treat
    target = svc["target_utilisation"]
    sid = sn.spec.service
    if sid in CITED_CAPACITY:
        total, source = CITED_CAPACITY[sid]
        slots = largest_remainder(total, load)
        basis = "cited_total"
    else:
        slots = [max(1, math.ceil(x / target)) for x in load]
        basis = "derived"
        source = (f"derived: day-0 demand of the demand points nearest to the unit x (mean"
                  f" treatment {treat:g} days + p(volume) x {outcome['extra_days']:g} adverse"
                  f" days) / 365 / target utilisation {target:g}, rounded up (CAPACITY_RULE)")
    if sn.spec.designated:
        slots, volume, load = pool_city_clusters(units, slots, volume, load, by_code)
        source += ("; designated units of one city (within"
                   f" {CLUSTER_KM:g} km, same age group) share the city's slots by their number"
                   " of named units")
    for u, v, x, s in zip(units, volume, load, slots, strict=True):
        u.volume, u.load, u.slots, u.basis, u.source = v, x, s, basis, source


#: Designated units closer than this (km, HQ to HQ) form one city cluster (see below).
CLUSTER_KM = 15.0


def pool_city_clusters(units: Sequence[Unit], slots: Sequence[int], volume: Sequence[float],
                       load: Sequence[float], by_code: dict[str, Provider]
                       ) -> tuple[list[int], list[float], list[float]]:
    """Re-split the slots of designated units in one city by their number of named units.

    Why: inside a city, which unit is 'nearest' to a demand point is an accident of HQ
    postcodes (Great Ormond Street has no A&E, so no demand point of its own, and would get 4
    PICU beds for two PICANet units). The city's total is kept; each unit's share is its
    number of named designated units (GOSH PICU/NICU + CICU count 2), at least 1 slot each.
    """
    n = len(units)
    parent = list(range(n))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a in range(n):
        for b in range(a + 1, n):
            pa, pb = by_code[units[a].provider], by_code[units[b].provider]
            if (units[a].category == units[b].category
                    and haversine_km(pa.lat, pa.lon, pb.lat, pb.lon) <= CLUSTER_KM):
                parent[find(a)] = find(b)
    out, vol, off = list(slots), list(volume), list(load)
    clusters: dict[int, list[int]] = {}
    for j in range(n):
        clusters.setdefault(find(j), []).append(j)
    for members in clusters.values():
        if len(members) < 2:
            continue
        weights = [float(len(units[j].name.split(" + "))) for j in members]
        shares = largest_remainder(sum(slots[j] for j in members), weights)
        v_total = sum(volume[j] for j in members)
        l_total = sum(load[j] for j in members)
        for j, s, w in zip(members, shares, weights, strict=True):
            out[j] = s
            vol[j] = v_total * w / sum(weights)
            off[j] = l_total * w / sum(weights)
    return out, vol, off


def largest_remainder(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (each at least 1), summing exactly."""
    n = len(weights)
    if total < n:
        raise ValueError("fewer slots than units")
    wsum = sum(weights)
    raw = [max(1.0, (total - n) * w / wsum + 1.0) for w in weights] if wsum > 0 else [total / n] * n
    scale = total / sum(raw)
    raw = [r * scale for r in raw]
    base = [max(1, math.floor(r)) for r in raw]
    rest = total - sum(base)
    order = sorted(range(n), key=lambda j: (-(raw[j] - math.floor(raw[j])), j))
    for j in order[:rest]:
        base[j] += 1
    if sum(base) != total:
        raise ValueError("largest remainder did not sum to the total")
    return base


def network_yaml(network: Sequence[ServiceNetwork]) -> str:
    """Render network.yaml with a header and a provenance comment above each service."""
    header = [
        "# Unit network of the England default dataset of specsim.",
        "# GENERATED by scripts/build_default_data.py: do not edit by hand; rebuild instead.",
        "#",
        "# Real designated centres where a list exists (designation: cited): paediatric intensive",
        "# care (PICANet 2020 organisation key), major trauma (the 27 MTCs) and the 3 high secure",
        "# hospitals; their sources are in designated_units.csv. Elsewhere no public designation",
        "# list was found (shared/data/SOURCES.md, 'Known gaps'), so units are a plausible,",
        "# reproducible stand-in (designation: illustrative), NOT the commissioned providers.",
        "#",
        *("# " + line for line in NETWORK_RULE.splitlines()),
        "#",
        *("# " + line for line in CAPACITY_RULE.splitlines()),
        "#",
        "# Schema: service id -> list of units {provider: trust ODS code (providers.csv),",
        "# national_centre: bool, slots: int (capacity, before the service's capacity_scale),",
        "# designation: cited | illustrative, name: the designated unit's name (cited units)}.",
        "# Contains public sector information licensed under the Open Government Licence v3.0;",
        "# Source: Office for National Statistics / NHS England.",
        "",
    ]
    parts = ["\n".join(header)]
    for sn in network:
        rows = []
        for u in sn.units:
            row: dict[str, object] = {"provider": u.provider, "national_centre": u.national_centre,
                                      "slots": u.slots, "designation": u.designation}
            if u.name:
                row["name"] = u.name
            rows.append(row)
        body = yaml.safe_dump({sn.spec.service: rows}, sort_keys=False, default_flow_style=None,
                              width=1000, allow_unicode=True)
        total = sum(u.slots for u in sn.units)
        parts.append(f"# {sn.comment}; {total} slots ({sn.units[0].basis})\n{body}")
    return "\n".join(parts)


# --------------------------------------------------------------------------------------------
# Prices
# --------------------------------------------------------------------------------------------


def fy(start: int) -> str:
    return f"{start}-{(start + 1) % 100:02d}"


def price_index() -> list[tuple[str, float, float, str, str]]:
    """(year, annual %, factor to 2023-24, status, source), 2000-01 to 2023-24."""
    rows = []
    level = {fy(2014): 1.0}
    for y in range(2015, 2024):
        level[fy(y)] = level[fy(y - 1)] * (1 + NHSCII_RATES[fy(y)] / 100)
    for y in range(2013, FIRST_INDEX_YEAR - 1, -1):
        level[fy(y)] = level[fy(y + 1)] / (1 + PRE_2014_RATE / 100)
    top = level[PRICE_YEAR]
    for y in range(FIRST_INDEX_YEAR, 2024):
        year = fy(y)
        if y >= 2015:
            rate, status = NHSCII_RATES[year], "cited"
            source = ("PSSRU Unit Costs of Health and Social Care 2025, NHS Cost Inflation Index"
                      " (pay and prices), as tabulated in github w-hardy/dmdprices R/nhscii.R")
        elif y == 2014:
            rate, status, source = float("nan"), "cited", "base year of the NHSCII series"
        else:
            rate, status = PRE_2014_RATE, "illustrative"
            source = ("illustrative 2 %/yr: the HCHS pay and prices index for these years was"
                      " NOT FOUND in store")
        rows.append((year, rate, top / level[year], status, source))
    return rows


# --------------------------------------------------------------------------------------------
# Starting waiting lists and calibration targets
# --------------------------------------------------------------------------------------------

LN2 = math.log(2.0)
LN12_5 = math.log(12.5)  # exponential: p92 = mean x ln(1 / 0.08)


@dataclass(frozen=True)
class WaitingList:
    service: str
    function: str
    raw_waiting: str
    raw_median_weeks: str
    raw_p92_weeks: str
    raw_pct_within: str
    raw_over_52: str
    modelled_flow_per_month: float
    function_flow_per_month: str
    scale: str
    size: int
    median_weeks: float
    p92_weeks: float
    over_52_weeks: str
    status: str
    source: str


def elective_flow(svc: dict, population: int, access_rate: float) -> float:
    """Elective patients accepted for the specialised stage per year, at day 0."""
    return (population * svc["incidence_per_100k"] / 1e5 * (1 - svc["local_management_share"])
            * (1 - svc["emergency_share"]) * access_rate)


def read_rtt(path: Path) -> dict[str, dict[str, str]]:
    """Jan 2026 all-commissioner rows of the RTT table, by treatment function name."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {r["treatment_function"]: r for r in rows
            if r["period"].startswith("2026-01") and r["commissioner"].startswith("ALL")}


def waiting_lists(services: dict, population: int, access_rate: float,
                  rtt: dict[str, dict[str, str]]) -> list[WaitingList]:
    """The starting waiting list of every service (method in each row's source)."""
    out = []
    for sid, svc in services.items():
        flow = elective_flow(svc, population, access_rate)
        if svc["emergency_share"] >= 1.0:
            out.append(WaitingList(sid, "", "", "", "", "", "", 0.0, "", "", 0, 0.0, 0.0, "",
                                   "none", "emergency-only service: no waiting list"))
            continue
        out.append(_waiting_list(sid, svc, flow, rtt))
    return out


def _exponential(sid: str, flow: float, mean_days: float, status: str, source: str,
                 function: str = "", raw_pct: str = "") -> WaitingList:
    return WaitingList(sid, function, "", "", "", raw_pct, "", flow / 12, "", "",
                       round(flow * mean_days / 365), round(mean_days * LN2 / 7, 2),
                       round(mean_days * LN12_5 / 7, 2), "", status, source)


def _waiting_list(sid: str, svc: dict, flow: float, rtt: dict[str, dict[str, str]]
                  ) -> WaitingList:
    if sid in ("cardiac_surgery", "neurosurgery"):
        name = {"cardiac_surgery": "Cardiothoracic Surgery Service",
                "neurosurgery": "Neurosurgical Service"}[sid]
        r = rtt[name]
        stops = (float(r["completed_admitted_in_month"])
                 + float(r["completed_non_admitted_in_month"]))
        scale = flow / 12 / stops
        size = round(float(r["incomplete_pathways"]) * scale)
        return WaitingList(
            sid, f"{r['treatment_function_code']} {name}", r["incomplete_pathways"],
            r["median_wait_weeks"], r["p92_wait_weeks"], r["pct_within_18_weeks"],
            r["over_52_weeks"], flow / 12, f"{stops:.0f}", f"{scale:.4f}", size,
            float(r["median_wait_weeks"]), float(r["p92_wait_weeks"]),
            f"{float(r['over_52_weeks']) * scale:.0f}", "derived",
            f"{RTT_SOURCE}. Scale = modelled elective patients per month ({flow / 12:,.0f}:"
            f" referrals x (1 - local management) x (1 - emergency share) x access 0.97) /"
            f" the function's clock stops per month ({r['completed_admitted_in_month']} admitted"
            f" + {r['completed_non_admitted_in_month']} non-admitted): with the published wait"
            " profile kept, the list scales with the flow (Little's law, list = flow x wait)")
    if sid == "vascular_surgery":
        r = rtt["Other - Surgical Services"]
        pct = float(r["pct_within_18_weeks"])
        mean = 126 / -math.log(1 - pct / 100)
        return _exponential(
            sid, flow, mean, "derived (proxy)",
            f"{RTT_SOURCE}: no vascular row; vascular surgery sits in 'Other - Surgical"
            f" Services' ({r['incomplete_pathways']} waiting, {pct} % within 18 weeks);"
            f" exponential wait profile with that share within 126 days (mean {mean:.1f} days);"
            " size = elective flow x mean (Little's law)",
            "Other - Surgical Services (proxy)", f"{pct}")
    if sid == "og_cancer_surgery":
        pct = 100 - 33.4
        mean = 62 / -math.log(1 - pct / 100)
        return _exponential(
            sid, flow, mean, "derived (proxy)",
            "ONS via Cover magazine (23 Aug 2024): 33.4 % of cancer patients waited longer than"
            " the 62-day standard in Q2 2024 (all cancers, completed waits);"
            f" exponential wait profile with {pct:.1f} % within 62 days (mean {mean:.1f} days);"
            " size = flow x mean (Little's law)", "cancer 62-day (all cancers, proxy)",
            f"{pct:.1f}")
    if sid == "hiv":
        pct = 67.7
        mean = 14 / -math.log(1 - pct / 100)
        return _exponential(
            sid, flow, mean, "derived (proxy)",
            "Kaide et al., Int J STD AIDS 2021 (BHIVA national audit): 67.7 % of new diagnoses"
            f" reviewed by a specialist within two weeks; exponential profile (mean {mean:.1f}"
            " days); size = flow x mean (Little's law)", "BHIVA 2-week review (proxy)", f"{pct}")
    if sid in ("secure_mental_health", "high_secure_mental_health"):
        mean, share, limit = 85.0, 0.15, 28.0
        z = NormalDist().inv_cdf(share)
        sigma = z + math.sqrt(z * z + 2 * (math.log(mean) - math.log(limit)))
        mu = math.log(mean) - sigma * sigma / 2
        median = math.exp(mu)
        p92 = math.exp(mu + NormalDist().inv_cdf(0.92) * sigma)
        status = "derived (proxy)" if sid == "secure_mental_health" else "illustrative"
        return WaitingList(
            sid, "prison-to-hospital transfers (proxy)", "", "", "", f"{share * 100:.0f}", "",
            flow / 12, "", "", round(flow * mean / 365), round(median / 7, 2), round(p92 / 7, 2),
            "", status,
            "HM Inspectorate of Prisons (2024), as summarised by mentalhealthcop.com (8 Feb"
            " 2024): transfers took 85 days on average, 15 % within 28 days; lognormal with that"
            f" mean and share (sigma {sigma:.3f}); size = admissions x 85 / 365 (Little's law)"
            + ("" if sid == "secure_mental_health"
               else "; the medium secure profile applied to high secure admissions"))
    if sid in ("renal_dialysis", "cystic_fibrosis"):
        return _exponential(
            sid, flow, 14.0, "illustrative",
            "no waiting figure: an illustrative 14-day mean wait, exponential profile;"
            " size = elective flow x 14 / 365 (Little's law)")
    raise ValueError(f"no waiting-list rule for service {sid}")


def check_waiting_lists(services: dict, lists: Sequence[WaitingList]) -> list[str]:
    """Differences between services.yaml's initial_waiting_list and the computed lists."""
    problems = []
    for wl in lists:
        got = services[wl.service].get("initial_waiting_list")
        if wl.status == "none":
            if got:
                problems.append(f"{wl.service}: emergency-only service has initial_waiting_list")
            continue
        want = {"size": wl.size, "median_weeks": wl.median_weeks, "p92_weeks": wl.p92_weeks}
        if got is None or any(abs(float(got[k]) - v) > 0.006 for k, v in want.items()):
            problems.append(f"{wl.service}: services.yaml has {got}, expected "
                            f"{{size: {wl.size}, median_weeks: {wl.median_weeks}, "
                            f"p92_weeks: {wl.p92_weeks}}}")
    return problems


def calibration_targets(lists: Sequence[WaitingList]) -> list[tuple[object, ...]]:
    """kpi, scope, key, observed, tolerance, unit, source."""
    rows: list[tuple[object, ...]] = []
    for wl in lists:
        if wl.status == "derived" and wl.raw_waiting:
            src = f"{RTT_SOURCE}; {wl.function}"
            scale = float(wl.scale)
            rows += [
                ("waiting_list_end", "service", wl.service, wl.size, round(0.15 * wl.size),
                 "patients", f"derived: {wl.raw_waiting} incomplete pathways x scale {scale:.4f}"
                 f" (waiting_lists.csv) = {wl.size}; tolerance 15 % (issue 11 acceptance); {src}"),
                ("incomplete_pct_within_standard", "service", wl.service,
                 float(wl.raw_pct_within), 5.0, "percent",
                 f"cited: {wl.raw_pct_within} % of incomplete pathways within 18 weeks; tolerance"
                 f" 5 points (issue 11 acceptance); {src}"),
                ("incomplete_median_wait_days", "service", wl.service,
                 round(float(wl.raw_median_weeks) * 7, 1), 14.0, "days",
                 f"derived: median {wl.raw_median_weeks} weeks x 7; tolerance 2 weeks"
                 f" (illustrative); {src}"),
                ("incomplete_p92_wait_days", "service", wl.service,
                 round(float(wl.raw_p92_weeks) * 7, 1), 28.0, "days",
                 f"derived: 92nd percentile {wl.raw_p92_weeks} weeks x 7; tolerance 4 weeks"
                 f" (illustrative); {src}"),
                ("waiting_over_52_weeks", "service", wl.service, int(wl.over_52_weeks),
                 max(10, round(0.3 * int(wl.over_52_weeks))), "patients",
                 f"derived: {wl.raw_over_52} over 52 weeks x scale {scale:.4f}; tolerance 30 %"
                 f" (illustrative: small counts); {src}"),
            ]
    for wl in lists:
        if wl.service in ("vascular_surgery", "og_cancer_surgery"):
            rows.append(("incomplete_pct_within_standard", "service", wl.service,
                         float(wl.raw_pct_within), 10.0, "percent",
                         f"proxy: {wl.function}; {wl.source.split(';')[0]}; tolerance 10 points"
                         " (wider because the figure covers more than the service)"))
    rows.append(("cost_per_year_gbp", "overall", "all", BUDGET_TARGET_GBP,
                 0.05 * BUDGET_TARGET_GBP, "GBP (2023-24 prices)",
                 f"{BUDGET_SOURCE}; tolerance 5 % (issue 11 acceptance)"))
    return rows


# --------------------------------------------------------------------------------------------
# Budget
# --------------------------------------------------------------------------------------------


def budget_rows(services: dict, groups: dict, network: Sequence[ServiceNetwork], population: int,
                access_rate: float) -> list[tuple[object, ...]]:
    """kind, id, programme, delegable, paid_at_cost, episodes, price, spend, economic cost."""
    units = {sn.spec.service: len(sn.units) for sn in network}
    rows: list[tuple[object, ...]] = []
    for sid, svc in services.items():
        accepted = svc["urgent_share"] + (1 - svc["urgent_share"]) * access_rate
        treated = (population * svc["incidence_per_100k"] / 1e5
                   * (1 - svc["local_management_share"]) * accepted)
        spend = treated * svc["tariff_gbp"]
        econ = treated * svc["variable_cost_gbp"] + units[sid] * svc["fixed_cost_per_unit_gbp"]
        rows.append(("detailed", sid, PROGRAMME[sid], bool(svc["delegable"]), False,
                     round(treated), svc["tariff_gbp"], round(spend), round(econ)))
    for gid, g in groups.items():
        spend = g["annual_episodes"] * g["cost_per_episode_gbp"]
        rows.append(("group", gid, g["programme"], bool(g["delegable"]), bool(g["paid_at_cost"]),
                     g["annual_episodes"], g["cost_per_episode_gbp"], round(spend), round(spend)))
    return rows


def budget_markdown(rows: Sequence[tuple[object, ...]]) -> str:
    """The budget table of the data README (GBP m, 2023-24 prices)."""
    def m(x: float) -> str:
        return f"{x / 1e6:,.0f}"

    detailed = [r for r in rows if r[0] == "detailed"]
    groups = [r for r in rows if r[0] == "group"]
    total = sum(float(r[7]) for r in rows)
    deleg = sum(float(r[7]) for r in rows if r[3])
    at_cost = sum(float(r[7]) for r in rows if r[4])
    lines = ["| part | items | delegable GBP m | retained GBP m | total GBP m |",
             "| --- | --- | --- | --- | --- |"]
    for label, part in (("detailed services (treated/yr x tariff)", detailed),
                        ("service groups (episodes x cost)", groups)):
        d = sum(float(r[7]) for r in part if r[3])
        t = sum(float(r[7]) for r in part)
        lines.append(f"| {label} | {len(part)} | {m(d)} | {m(t - d)} | {m(t)} |")
    lines.append(f"| **total** | {len(rows)} | **{m(deleg)}** | {m(total - deleg)} |"
                 f" **{m(total)}** |")
    lines += ["", "| programme of care | delegable GBP m | retained GBP m | total GBP m |",
              "| --- | --- | --- | --- |"]
    programmes: dict[str, list[float]] = {}
    for r in rows:
        acc = programmes.setdefault(str(r[2]), [0.0, 0.0])
        acc[0 if r[3] else 1] += float(r[7])
    for prog, (d, k) in sorted(programmes.items(), key=lambda kv: -sum(kv[1])):
        lines.append(f"| {prog} | {m(d)} | {m(k)} | {m(d + k)} |")
    lines.append("")
    lines.append(f"Total {m(total)} against {m(BUDGET_TARGET_GBP)}"
                 f" ({100 * (total / BUDGET_TARGET_GBP - 1):+.1f} %);"
                 f" delegable {m(deleg)} against about {m(DELEGATED_TARGET_GBP)}"
                 f" ({100 * (deleg / DELEGATED_TARGET_GBP - 1):+.1f} %); paid at cost"
                 f" (high-cost drugs and devices) {m(at_cost)} = {100 * at_cost / total:.1f} % of"
                 " the total.")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, build the generated files and print a short summary."""
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
    by_code = {p.code: p for p in providers}
    population = sum(i.population for i in icss)

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

    services = yaml.safe_load((out / "services.yaml").read_text(encoding="utf-8"))
    defaults = yaml.safe_load((out / "defaults.yaml").read_text(encoding="utf-8"))
    access_rate = float(defaults["commissioning"]["national"]["access_rate"])
    groups_path = out / "service_groups.yaml"
    groups = yaml.safe_load(groups_path.read_text(encoding="utf-8")) if groups_path.exists() else {}

    listed = read_designated(shared / "designated_centres.csv")
    for d in listed:
        if d.trust not in by_code:
            raise ValueError(f"designated unit {d.name}: trust {d.trust} not in providers.csv")
    write_csv(
        out / "designated_units.csv",
        ["service", "provider", "unit_name", "category", "site_ods", "source", "where_seen",
         "note"],
        ([d.service, d.trust, d.name, d.category, d.site_ods, d.source, d.where_seen, d.note]
         for d in sorted(listed, key=lambda d: (d.service, d.trust, d.name))),
    )

    network = build_network(icss, providers, listed)
    if {sn.spec.service for sn in network} != set(services):
        raise ValueError("network services differ from services.yaml")
    points = demand_points(icss, providers)
    write_csv(
        out / "demand_points.csv",
        ["ics", "trust", "lat", "lon", "population"],
        ([d.ics, d.trust, d.lat, d.lon, f"{d.population:.1f}"] for d in points),
    )
    for sn in network:
        size_units(sn, services[sn.spec.service], points, by_code, access_rate)
    (out / "network.yaml").write_text(network_yaml(network), encoding="utf-8")
    write_csv(
        out / "capacity.csv",
        ["service", "provider", "slots", "basis", "source", "designation", "unit_name",
         "annual_volume_day0", "offered_load_day0"],
        ([sn.spec.service, u.provider, u.slots, u.basis, u.source, u.designation, u.name,
          f"{u.volume:.1f}", f"{u.load:.2f}"] for sn in network for u in sn.units),
    )

    write_csv(
        out / "price_index.csv",
        ["financial_year", "annual_pct", "factor_to_2023_24", "status", "source"],
        ([y, "" if math.isnan(r) else f"{r:.2f}", f"{f:.4f}", s, src]
         for y, r, f, s, src in price_index()),
    )

    lists = waiting_lists(services, population, access_rate, read_rtt(shared / RTT_FILE))
    write_csv(
        out / "waiting_lists.csv",
        ["service", "source_measure", "raw_waiting", "raw_median_weeks", "raw_p92_weeks",
         "raw_pct_within_standard", "raw_over_52_weeks", "modelled_elective_per_month",
         "function_clock_stops_per_month", "scale", "size", "median_weeks", "p92_weeks",
         "over_52_weeks", "status", "source"],
        ([w.service, w.function, w.raw_waiting, w.raw_median_weeks, w.raw_p92_weeks,
          w.raw_pct_within, w.raw_over_52, f"{w.modelled_flow_per_month:.1f}",
          w.function_flow_per_month, w.scale, w.size, w.median_weeks, w.p92_weeks,
          w.over_52_weeks, w.status, w.source] for w in lists),
    )
    problems = check_waiting_lists(services, lists)
    write_csv(
        out / "calibration_targets.csv",
        ["kpi", "scope", "key", "observed", "tolerance", "unit", "source"],
        calibration_targets(lists),
    )
    rows = budget_rows(services, groups, network, population, access_rate)
    write_csv(
        out / "budget.csv",
        ["kind", "id", "programme", "delegable", "paid_at_cost", "episodes_per_year",
         "price_gbp", "spend_gbp", "economic_cost_gbp"],
        rows,
    )

    print(f"icss.csv: {len(icss)} rows, population {population:,}")
    print(f"providers.csv: {len(providers)} rows (dropped without coordinates: {dropped})")
    for sn in network:
        print(f"network {sn.spec.service}: {sn.comment}; {sum(u.slots for u in sn.units)} slots")
    print(budget_markdown(rows))
    if problems:
        raise SystemExit("services.yaml initial_waiting_list is out of date:\n  "
                         + "\n  ".join(problems))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
