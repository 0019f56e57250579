"""Benchmark (not a test): a 16-run sweep on 2 local workers against 1 worker.

    PYTHONPATH=. python benchmarks/sweep_speedup.py [--years 0.1]

Runs the embedded England default (8 LHS points x 2 replications, short horizon), once with
1 worker and once with 2, checks the two tables are identical, and prints wall times, the
speed-up and the 1-minute load average before each run (other work on the machine lowers the
speed-up; record it with the numbers).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

from sim.config.sweep import load_sweep
from sim.experiment.executors import LocalExecutor
from sim.experiment.sweep import run_sweep

SWEEP = """name: speedup
scenarios: [england]
parameters:
  services.cardiac_surgery.annual_growth: {{low: 0.0, high: 0.06}}
  commissioning.national.w_wait: {{low: 1.0, high: 4.0}}
design: {{kind: lhs, n: 8, seed: 1}}
replications: 2
seed: 42
years: {years}
warmup_days: 0
"""


def _cpu() -> float:
    """User+system CPU seconds of this process and its finished children (the pool)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=0.1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speedup.yaml"
        path.write_text(SWEEP.format(years=args.years))
        sweep = load_sweep(path)
        times, tables = {}, {}
        for workers in (1, 2):
            load = os.getloadavg()[0]
            cpu0 = _cpu()
            start = time.perf_counter()
            report = run_sweep(sweep, Path(tmp) / f"w{workers}", LocalExecutor(workers))
            times[workers] = time.perf_counter() - start
            cpu = _cpu() - cpu0
            tables[workers] = report.table
            print(f"{workers} worker(s): {report.ran} runs in {times[workers]:.1f} s wall, "
                  f"{cpu:.1f} CPU s (CPU/wall {cpu / times[workers]:.2f}); "
                  f"load average before: {load:.2f}")
        pd.testing.assert_frame_equal(tables[1], tables[2], check_exact=True)
        print(f"speed-up 2 vs 1 workers: {times[1] / times[2]:.2f}x; tables identical; "
              f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
