#!/usr/bin/env python3
"""Print the provenance table of every parameter of the England default (Markdown).

Why: a reviewer must see, for each number the default data feeds the model, whether it is
cited, derived from cited figures, or illustrative. The provenance already lives next to the
values (the `sources` entries of services.yaml, the comments of defaults.yaml); this script
collects it into one table for docs/model.md, and tests/test_model_doc.py checks the document
still lists every row, so the table cannot silently fall behind the data.

Usage: python scripts/parameter_table.py > /tmp/table.md   (paste into docs/model.md)
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python scripts/parameter_table.py` from a checkout
    sys.path.insert(0, str(ROOT))
from sim.presentation.show import commented_lines  # noqa: E402

DATA = ROOT / "sim" / "data" / "england"
STATUSES = ("cited", "derived", "illustrative")
# keys of defaults.yaml that are not model parameters (names, run settings, data switches)
NOT_PARAMETERS = ("name", "description", "description.", "geography.dataset", "run.",
                  "commissioning.default", "commissioning.services")
# keys whose children are one row (a table of values, not parameters one by one)
GROUPED = ("commissioning.collaboratives.", "finance.allocation.base_spend_gbp.")


def _status(note: str) -> tuple[str, str]:
    """Split 'cited: text' into ('cited', 'text'); anything else is an unlabelled choice."""
    for status in STATUSES:
        if note.startswith(status):
            text = note[len(status):].lstrip(" :;")
            return status, text or "no public figure; modelling choice"
    return "illustrative", note or "modelling choice (no source comment)"


def _flatten(prefix: str, value: object) -> list[tuple[str, object]]:
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in _flatten(f"{prefix}.{k}", v)]
    return [(prefix, value)]


def service_rows() -> list[tuple[str, str, str, str]]:
    """(parameter, value, status, source) for every service parameter in services.yaml."""
    services = yaml.safe_load((DATA / "services.yaml").read_text(encoding="utf-8"))
    rows = []
    for sid, spec in services.items():
        sources = spec.get("sources", {})
        for key, value in spec.items():
            if key in ("sources", "name"):
                continue
            for path, leaf in (_flatten(key, value) if key == "outcome" else [(key, value)]):
                status, text = _status(sources.get(path, ""))
                if path not in sources:
                    text = "NO SOURCE ENTRY"
                rows.append((f"services.{sid}.{path}", _show(leaf), status, text))
    return rows


def default_rows() -> list[tuple[str, str, str, str]]:
    """(parameter, value, status, source) for every parameter line of defaults.yaml."""
    rows = []
    text = (DATA / "defaults.yaml").read_text(encoding="utf-8")
    for keys, value, note in commented_lines(text):
        path = ".".join(keys)
        if not value or value == ">-":
            if path == "commissioning.collaboratives":
                rows.append((path, "9 groups of ICSs", *_status(note or "illustrative")))
            if path == "finance.allocation.base_spend_gbp":
                rows.append((path, "one per line (budget.csv)", *_status(note)))
            continue
        if path.startswith(GROUPED) or any(
                path == p or (p.endswith(".") and path.startswith(p)) for p in NOT_PARAMETERS):
            continue
        rows.append((path, value, *_status(note)))
    return rows


def data_rows() -> list[tuple[str, str, str, str]]:
    return [
        ("geography: icss.csv (42 ICSs: population, region, centroid)", "ONS mid-2024",
         "cited", "ONS mid-2024 population estimates and ICB boundary points (ATTRIBUTION.md)"),
        ("geography: providers.csv (201 trusts: location, host ICB, Shelford flag, size)",
         "ODS 2025 Q1", "cited", "ODS etr snapshot, HQ postcodes; kinds heuristic from names "
         "(ATTRIBUTION.md caveats)"),
        ("network.yaml: designated units (PICU 24 PICANet units in 20 trusts, 27 major trauma "
         "centres, 3 high secure hospitals)", "real lists", "cited",
         "PICANet 2020 organisation key, NHS.uk and public pages per unit "
         "(designated_units.csv, ATTRIBUTION.md)"),
        ("network.yaml: other units (renal, HIV, OG, cardiac, neurosurgery, CF, vascular, "
         "medium secure)", "p-median rule", "illustrative",
         "no public designation list; unit counts cite AUGIS 2019, HFMA 2009, SBNS 2006, "
         "King's Fund where a figure exists (ATTRIBUTION.md)"),
        ("network.yaml: slots per unit (capacity.csv)", "day-0 demand", "derived",
         "cited national bed totals for PICU (314), medium secure (3,500) and high secure "
         "(700) split by load; elsewhere day-0 offered load / target utilisation "
         "(sim/data/england/README.md)"),
    ]


def group_rows() -> list[tuple[str, str, str, str]]:
    """(parameter, value, status, source) for every key of service_groups.yaml."""
    path = DATA / "service_groups.yaml"
    if not path.exists():
        return []
    groups = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = []
    for gid, spec in groups.items():
        sources = spec.get("sources", {})
        for key, value in spec.items():
            if key in ("sources", "name"):
                continue
            status, text = _status(sources.get(key, ""))
            if key not in sources:
                text = "NO SOURCE ENTRY"
            rows.append((f"service_groups.{gid}.{key}", _show(value), status, text))
    return rows


def _show(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def table() -> str:
    lines = ["| parameter | value | status | source or rationale |", "| --- | --- | --- | --- |"]
    for row in data_rows() + default_rows() + service_rows() + group_rows():
        lines.append("| " + " | ".join(cell.replace("|", "/") for cell in row) + " |")
    return "\n".join(lines)


def counts() -> dict[str, int]:
    rows = data_rows() + default_rows() + service_rows() + group_rows()
    return {status: sum(r[2] == status for r in rows) for status in STATUSES}


if __name__ == "__main__":
    sys.stdout.write(table() + "\n")
    sys.stderr.write(f"{counts()}\n")
