"""Progress: plain log lines when stderr is not a terminal, and a callback in the Python API."""

from __future__ import annotations

import io
from pathlib import Path

from sim import api
from sim.presentation.progress import ProgressLog, progress_bar

TINY = Path(__file__).resolve().parent / "tiny.yaml"


def test_log_lines_at_each_tenth_and_the_end_not_every_run():
    stream = io.StringIO()
    context, update = progress_bar(100, "2 scenario(s) x 50 replications", stream)
    assert isinstance(context, ProgressLog)  # a StringIO is not a terminal
    with context:
        for done in range(1, 101):
            update(done, 100)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11  # the first run, then 10%, 20%, ..., 100%
    assert lines[0].startswith("progress: 2 scenario(s) x 50 replications: 1/100 runs (1%)")
    assert lines[-1].startswith("progress: 2 scenario(s) x 50 replications: 100/100 runs (100%)")
    assert "ETA" in lines[5] and "ETA" not in lines[-1] and "/min" in lines[-1]


def test_log_lines_also_after_the_interval():
    log = ProgressLog(1000, "sweep", io.StringIO(), interval=0.0)
    for done in range(1, 6):
        log.update(done, 1000)
    assert len(log.lines) == 5  # every update once the interval has passed


def test_api_run_reports_progress_to_a_callback():
    seen: list[tuple[int, int]] = []
    res = api.run(str(TINY), replications=3, years=0.2, warmup_days=10,
                  progress=lambda done, total: seen.append((done, total)))
    assert [d for d, _ in seen] == [1, 2, 3] and {t for _, t in seen} == {3}
    assert sorted(res.kpis.replication.unique()) == [0, 1, 2]


def test_api_show_and_workbook(tmp_path):
    table = api.show(TINY, "services.cardiac.incidence_per_100k")
    assert list(table.columns) == ["key", "value", "set_in", "kind", "provenance"]
    assert table.value.iloc[0] == api.load_scenario(TINY).services["cardiac"].incidence_per_100k
    book = api.workbook(TINY, tmp_path / "tiny.xlsx")
    assert api.load_scenario(book) == api.load_scenario(TINY)


def test_nothing_logged_when_every_run_was_already_done():
    log = ProgressLog(8, "sweep", io.StringIO())
    log.update(8, 8)  # a --resume that found every run on disk
    assert log.lines == []
