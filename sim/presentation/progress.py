"""The one progress display every long `specsim` command shows: runs done, rate and ETA.

In a terminal it is a bar that redraws itself; when stderr is not a terminal (a log file, a CI
job, a batch scheduler) it is plain lines, `progress: 12/40 runs (30%), 4.1/min, ETA 6m50s`,
written at the start, at each tenth of the way and at most every `interval` seconds
otherwise, and at the end, so a log shows a run is alive without thousands of lines (and
nothing when a resumed sweep finds every run done).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TextIO

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as Bar

from sim.experiment.runner import Progress

LOG_INTERVAL_SECONDS = 30.0
"""Longest gap between two log lines while runs keep finishing."""


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s" if minutes \
        else f"{secs}s"


class ProgressLog(AbstractContextManager["ProgressLog"]):
    """Progress as plain lines on `stream`; `update(done, total)` is the callback."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None,
                 interval: float = LOG_INTERVAL_SECONDS):
        self.total, self.label, self.interval = total, label, interval
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()
        self.first: int | None = None
        self.last_time = -float("inf")
        self.last_tenth = -1
        self.lines: list[str] = []

    def update(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if self.first is None:
            self.first = done  # runs found on disk by --resume do not count in the rate
            if done >= total:  # everything was already done (--resume): nothing to report
                return
        tenth = (10 * done) // max(total, 1)
        if not (done >= total or tenth > self.last_tenth or now - self.last_time >= self.interval):
            return
        self.last_time, self.last_tenth = now, tenth
        rate = (done - self.first) / max(now - self.start, 1e-9)
        eta = f", ETA {_duration((total - done) / rate)}" if rate > 0 and done < total else ""
        speed = f", {rate * 60:.1f}/min{eta}" if done > self.first else ""
        line = (f"progress: {self.label}: {done}/{total} runs ({100 * done / max(total, 1):.0f}%)"
                f"{speed}")
        self.lines.append(line)
        print(line, file=self.stream, flush=True)

    def __exit__(self, *exc: object) -> None:
        return None


def progress_bar(total: int, label: str,
                 stream: TextIO | None = None) -> tuple[AbstractContextManager[Any], Progress]:
    """A transient bar in a terminal, else a `ProgressLog`, and its `update(done, total)`
    callback (runs per minute, ETA)."""
    stream = stream or sys.stderr
    if not stream.isatty():
        log = ProgressLog(total, label, stream)
        return log, log.update
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


def messages(bar: AbstractContextManager[Any]) -> Callable[[str], None]:
    """Where a long command prints a line without breaking its progress display: through the
    bar's console in a terminal, else a plain line on stderr beside the progress lines."""
    console = getattr(bar, "console", None)
    if console is not None:
        return console.print
    return lambda text: print(text, file=sys.stderr, flush=True)
