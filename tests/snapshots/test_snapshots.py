"""Regression snapshots: small fixed runs of every shipped scenario, compared exactly.

Each case runs two replications of a short horizon with the scenario's own seed and compares
the tidy KPI and wait-quantile tables with the CSV files in `tests/snapshots/data/`, number for
number. A refactor that should change nothing must leave them identical; a change that moves
outputs on purpose re-baselines them in the same commit:

    pytest tests/snapshots --update-snapshots

and says so in CHANGELOG.md (`git diff --stat tests/snapshots/data` shows what moved).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.config import load_scenario
from sim.experiment.runner import TABLES, make_tasks, run_tasks

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
CASES = {
    "tiny": ROOT / "tests" / "tiny.yaml",
    "centralised": ROOT / "scenarios" / "centralised.yaml",
    "collaborative": ROOT / "scenarios" / "collaborative.yaml",
    "ics_delegation": ROOT / "scenarios" / "ics_delegation.yaml",
    "selective_delegation": ROOT / "scenarios" / "selective_delegation.yaml",
}
REPLICATIONS, YEARS, WARMUP_DAYS = 2, 0.25, 30.0


def _tables(path: Path) -> dict[str, pd.DataFrame]:
    scenario = load_scenario(path)
    out = run_tasks(make_tasks([scenario], REPLICATIONS, scenario.run.seed, YEARS, WARMUP_DAYS))
    return {name: getattr(out, name) for name in TABLES}


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=["nan"])


@pytest.mark.parametrize("case", sorted(CASES))
def test_outputs_match_snapshot(case: str, request: pytest.FixtureRequest) -> None:
    tables = _tables(CASES[case])
    for name, table in tables.items():
        stored = DATA / f"{case}_{name}.csv"
        if request.config.getoption("--update-snapshots"):
            DATA.mkdir(exist_ok=True)
            table.to_csv(stored, index=False, na_rep="nan")
            continue
        assert stored.exists(), (f"no snapshot {stored.name}; create it with "
                                 "pytest tests/snapshots --update-snapshots")
        # written and read back, so that dtypes compare as they would after a re-baseline
        expected = _read(stored)
        got = table.copy()
        for column in got.columns:
            if got[column].dtype.kind in "iubO":
                got[column] = got[column].astype(expected[column].dtype)
        pd.testing.assert_frame_equal(got, expected, check_exact=True, check_dtype=False,
                                      obj=f"{case} {name}")


def test_snapshot_comparison_detects_a_change(tmp_path: Path) -> None:
    """The comparison is exact: a change in the 17th significant digit is a failure."""
    table = _tables(CASES["tiny"])["kpis"]
    path = tmp_path / "k.csv"
    table.to_csv(path, index=False, na_rep="nan")
    back = _read(path)
    pd.testing.assert_frame_equal(table, back, check_exact=True, check_dtype=False)
    moved = back.copy()
    row = moved.index[moved.value.abs() > 1][0]
    moved.loc[row, "value"] = float(pd.Series([moved.loc[row, "value"]]).iloc[0]) * (1 + 1e-15)
    with pytest.raises(AssertionError):
        pd.testing.assert_frame_equal(table, moved, check_exact=True, check_dtype=False)
