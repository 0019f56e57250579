"""The one progress bar every long `specsim` command shows: runs done, rate and ETA."""

from __future__ import annotations

import time

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as Bar

from sim.experiment.runner import Progress


def progress_bar(total: int, label: str) -> tuple[Bar, Progress]:
    """A transient bar and its `update(done, total)` callback (runs per minute, ETA)."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("runs"), TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
               TextColumn("ETA"), TimeRemainingColumn())
    bar = Bar(*columns, transient=True)
    job = bar.add_task(label, total=total, rate="")
    start = time.perf_counter()
    first: list[int] = []

    def update(done: int, total: int) -> None:
        if not first:
            first.append(done)  # runs found on disk by --resume do not count in the rate
        rate = (done - first[0]) / max(time.perf_counter() - start, 1e-9)
        bar.update(job, completed=done, total=total, rate=f"{rate * 60:.1f}/min")

    return bar, update
