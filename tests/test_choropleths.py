"""Maps (i) access and (j) wait difference by ICS: the shaded numbers are the table's."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.collections import PathCollection, PolyCollection
from report_small import compare_folder

from sim.presentation.choropleths import (
    access_map,
    refused_share_by_ics,
    wait_difference_by_ics,
    wait_difference_map,
)
from sim.presentation.report import load_results


@pytest.fixture(scope="module")
def results():
    return load_results(compare_folder())


def _ics(res, kpi):
    rows = res.kpis[(res.kpis.scope == "ics") & (res.kpis.kpi == kpi)]
    return rows.set_index(["scenario", "replication", "key"]).value


def test_refused_share_is_unmet_over_referrals_per_replication(results):
    unmet, referrals = _ics(results, "unmet_need"), _ics(results, "referrals")
    table = refused_share_by_ics(results)
    name, code = results.names[-1], table.columns[0]
    per_rep = [100 * unmet[(name, r, code)] / referrals[(name, r, code)]
               for r in sorted(results.kpis.replication.unique())]
    assert table.loc[name, code] == pytest.approx(np.mean(per_rep))
    assert ((table >= 0) & (table <= 100)).all().all()


def test_wait_difference_is_paired_and_zero_for_the_baseline_itself(results):
    p92 = _ics(results, "wait_p92_days")
    table = wait_difference_by_ics(results)
    assert results.baseline not in table.index
    name = table.index[0]
    code = table.columns[0]
    reps = sorted(results.kpis.replication.unique())
    expected = np.mean([p92[(name, r, code)] - p92[(results.baseline, r, code)] for r in reps])
    assert table.loc[name, code] == pytest.approx(expected)


def test_maps_have_a_panel_per_scenario_and_a_symmetric_difference_scale(results):
    fig = access_map(results)
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_title()]
    assert [ax.get_title() for ax in panels] == results.names
    assert all(any(isinstance(c, PolyCollection | PathCollection) for c in ax.collections)
               for ax in panels)
    fig = wait_difference_map(results)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible() and ax.get_title()]
    assert titles == [f"{n} - {results.baseline}" for n in results.names
                      if n != results.baseline]
    bar = fig.axes[-1]
    low, high = sorted(bar.get_ylim())
    assert low == pytest.approx(-high) and high >= 1.0
    reach = np.nanmax(np.abs(wait_difference_by_ics(results).to_numpy()))
    assert high == pytest.approx(max(reach, 1.0))
