"""The KPI catalogue: it lists exactly what a run emits, scope by scope; every value lies within
its bounds; the readers (groups, invariants, CIs, tables, figures) take a KPI's properties from
it, so a new KPI is a row here plus its computation in kpis.py; and there is one formatter."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.stats import summarise
from sim.config import load_scenario
from sim.experiment.runner import make_tasks, run_tasks
from sim.model import kpis
from sim.model.kpi_catalogue import (
    CATALOGUE,
    COST_PARTS,
    COST_TOTAL,
    HEADLINE_KPIS,
    KPIS,
    Kpi,
    format_interval,
    format_number,
    format_value,
)
from sim.presentation import style

ROOT = Path(__file__).resolve().parents[1]
# the two files a new KPI touches: where it is computed and where it is described
KPI_FILES = {"kpis.py", "kpi_catalogue.py"}


@pytest.fixture(scope="module")
def tiny_kpis() -> pd.DataFrame:
    scenario = load_scenario(ROOT / "tests" / "tiny.yaml")
    return run_tasks(make_tasks([scenario], 2, 7, 0.3, 30.0)).kpis


def test_catalogue_lists_exactly_what_a_run_emits(tiny_kpis) -> None:
    emitted = set(zip(tiny_kpis.kpi, tiny_kpis.scope, strict=True))
    # a claim mechanism's KPIs appear only when it is switched on (tests/test_mechanisms.py)
    described = {(k.id, scope) for k in CATALOGUE for scope in k.scopes if not k.mechanism}
    assert emitted - described == set(), "emitted but not in the catalogue"
    assert described - emitted == set(), "in the catalogue but not emitted"


def test_values_lie_within_their_bounds(tiny_kpis) -> None:
    for kpi, values in tiny_kpis.groupby("kpi").value:
        low, high = KPIS[kpi].bounds
        v = values.dropna().to_numpy()
        assert ((v >= low) & (v <= high)).all(), kpi
        if KPIS[kpi].indicator:
            assert set(np.unique(v)) <= {0.0, 1.0}, kpi


def test_groups_headline_and_cost_parts_come_from_the_catalogue() -> None:
    assert (*kpis.PATIENT_KPIS, *kpis.WAITING_KPIS, *kpis.COST_KPIS,
            *kpis.SYSTEM_KPIS) == tuple(KPIS)
    assert kpis.HEADLINE_KPIS == HEADLINE_KPIS and len(HEADLINE_KPIS) == 10
    assert HEADLINE_KPIS[:2] == ("wait_mean_days", "wait_p92_days")  # panel (a) order
    assert COST_TOTAL not in COST_PARTS and "cost_per_treated_gbp" not in COST_PARTS
    assert all(KPIS[p].group == "cost" and KPIS[p].money for p in COST_PARTS)
    for k in CATALOGUE:
        assert k.label and k.unit and k.scopes and k.bounds[0] < k.bounds[1], k.id
        assert k.direction in ("higher_is_better", "higher_is_worse", "neutral"), k.id


def test_cost_parts_add_up_to_the_total(tiny_kpis) -> None:
    wide = tiny_kpis[tiny_kpis.scope.isin(["overall", "service"])].pivot_table(
        index=["replication", "scope", "key"], columns="kpi", values="value")
    assert np.allclose(wide[list(COST_PARTS)].sum(axis=1), wide[COST_TOTAL])


def _literal_kpi_lists(tree: ast.AST) -> list[int]:
    sizes = []
    for node in ast.walk(tree):
        items = (node.keys if isinstance(node, ast.Dict)
                 else node.elts if isinstance(node, ast.Tuple | ast.List | ast.Set) else [])
        named = [n for n in items if isinstance(n, ast.Constant) and n.value in KPIS]
        sizes.append(len(named))
    return sizes


def test_a_new_kpi_is_a_two_file_change() -> None:
    """No other module keeps its own list of KPIs (labels, groups, parts, bounds) or tells a
    KPI's kind from its name ('pct_' prefix, '_gbp' suffix): naming a few KPIs to plot is fine,
    a table of them is a second catalogue."""
    for path in sorted((ROOT / "sim").rglob("*.py")):
        if path.name in KPI_FILES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert max(_literal_kpi_lists(tree), default=0) <= 3, f"{path}: a list of KPIs"
        affixes = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
                   and n.value in ("pct_", "_gbp", "_days", "p_")]
        assert not affixes, f"{path}: tells a KPI's kind from its name ({affixes})"


def test_a_new_row_reaches_labels_scales_bounds_and_the_formatter(monkeypatch) -> None:
    new = Kpi("share_seen_in_week", "patient", "Seen within a week", "%", "higher_is_better",
              ("overall",), bounds=(0.0, 100.0), display_unit="%")
    monkeypatch.setitem(KPIS, new.id, new)
    assert style.label(new.id) == "Seen within a week (%)" and style.scale(new.id) == 1.0
    rows = pd.DataFrame({"scenario": "s", "replication": [0, 1, 2], "scope": "overall",
                         "key": "all", "kpi": new.id, "value": [99.0, 100.0, 100.0]})
    assert summarise(rows).ci_high.iloc[0] == 100.0  # cut at the bound
    assert format_value(new.id, 99.67) == "99.7"


def test_every_kpi_has_a_label_and_formats() -> None:
    for k in CATALOGUE:
        assert style.label(k.id).startswith(k.label)
        assert k.format(1234.5) and format_value(k, math.nan) == "-"
    assert style.label("cost_total_gbp") == "Total cost (£m)"
    assert style.scale("cost_total_gbp") == 1e-6 and style.scale("wait_mean_days") == 1.0


@pytest.mark.parametrize(("kpi", "value", "text"), [
    ("wait_mean_days", 17.0, "17"),
    ("wait_mean_days", 0.1234, "0.123"),
    ("wait_mean_days", 999.7, "1,000"),
    ("referrals", 12345.6, "12,346"),
    ("wait_mean_days", 0.0, "0"),
    ("wait_mean_days", math.nan, "-"),
    ("cost_total_gbp", 1_234_567.0, "£1.23m"),
    ("cost_total_gbp", 98_765.0, "£98.8k"),
    ("cost_total_gbp", 999_999.0, "£1m"),
    ("cost_total_gbp", 2.5e9, "£2.5bn"),
    ("cost_per_treated_gbp", 78.4, "£78"),
    ("budget_variance_gbp", -2.5e6, "-£2.5m"),
    ("cost_total_gbp", 0.0, "£0"),
    ("not_a_kpi", 1.5, "1.5"),
])
def test_format_value(kpi: str, value: float, text: str) -> None:
    assert format_value(kpi, value) == text


def test_format_interval_shares_one_money_suffix() -> None:
    assert format_interval("cost_total_gbp", 980e3, 850e3, 1.11e6) == "£0.98m [£0.85m, £1.11m]"
    assert format_interval("wait_mean_days", 17.0, 10.4, 23.6) == "17 [10.4, 23.6]"
    assert format_interval("wait_mean_days", 17.0, math.nan, math.nan) == "17"
    assert format_number(5.55e-3) == "0.00555"
