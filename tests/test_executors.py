"""The same sweep gives bit-for-bit the same table on 1 worker, 2 workers and a Dask cluster."""

from __future__ import annotations

import pandas as pd
import pytest
from sweep_helpers import write_sweep

from sim.config.sweep import load_sweep
from sim.experiment.executors import DaskExecutor, LocalExecutor
from sim.experiment.sweep import run_sweep

BODY = """name: t
scenarios: [tiny.yaml]
parameters:
  services.cardiac.annual_growth: {low: 0.0, high: 0.1}
  services.cardiac.units.1.slots: {low: 6, high: 12}
design: {kind: lhs, n: 3, seed: 1}
replications: 2
seed: 9
years: 0.4
warmup_days: 20
"""


@pytest.mark.slow
def test_one_two_workers_and_dask_give_identical_tables(tmp_path):
    sweep = load_sweep(write_sweep(tmp_path, BODY))
    one = run_sweep(sweep, tmp_path / "one", LocalExecutor(1)).table
    two = run_sweep(sweep, tmp_path / "two", LocalExecutor(2)).table
    import distributed  # a test dependency: a missing install must fail, not skip
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        dask = run_sweep(sweep, tmp_path / "dask", DaskExecutor(client)).table
    assert one is not None and len(one) == 3 * 2 * 99
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    pd.testing.assert_frame_equal(one, dask, check_exact=True)
    for name in ("two", "dask"):
        assert (tmp_path / name / "sweep.csv").read_bytes() == \
            (tmp_path / "one" / "sweep.csv").read_bytes()
