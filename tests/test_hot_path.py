"""The model's hot path stays lean: few events per patient, no garbage that needs the
cyclic collector (which a run pauses), and the collector is back on afterwards."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from sim.config import load_scenario
from sim.model import simulation as simulation_module
from sim.model.pathway import Step
from sim.model.records import UNMET
from sim.model.simulation import Simulation
from sim.model.unit import TreatmentUnit


@pytest.fixture(scope="module")
def england():
    """The England default without its waiting lists at t = 0: those patients wait for a slot
    without an event of their own, which would flatter the events per patient of a short run."""
    scenario = load_scenario("england").model_copy(deep=True)
    for service in scenario.services.values():
        service.initial_waiting_list = None
    return scenario


def _run(scenario, years: float):
    sim = Simulation(scenario, 0, years=years, warmup_days=5.0)
    return sim.run()


def test_events_per_specialised_patient(england):
    res = _run(england, 0.1)
    specialised = int((~res.patients.local).sum())
    # treatment end, and a hand-over or grant for some (the decision is an arrival of
    # `engine.start_arrivals`, no event): well under the six a simpy.Process per patient
    # with an assessment timeout used
    assert 1.0 < res.events / specialised < 2.0  # 1.52 measured; 2.87 with a decision event


@pytest.mark.parametrize("drop", [False, True])
def test_finished_patients_are_freed_without_the_cyclic_gc(england, monkeypatch, drop):
    """Every patient whose pathway ended is freed by reference counting alone: a run pauses
    the cyclic collector, so a reference cycle per patient would be a leak. A patient between
    two stages is one `pathway.Step`, held only by what it waits for (a unit's list, the event
    queue); patients still waiting or in treatment at the horizon are held by the environment
    until the run drops its pending events (`engine.drop_pending`), then freed at once too,
    before the KPIs are computed (peak memory)."""
    if not drop:
        monkeypatch.setattr(simulation_module, "drop_pending", lambda env: None)
        monkeypatch.setattr(TreatmentUnit, "drop_waiting", lambda unit: None)
    sim = Simulation(england, 0, years=0.05, warmup_days=5.0)
    gc.collect()  # the steps of earlier tests' runs, left in their cycles, are gone
    gc.disable()
    try:
        res = sim.run()
        rec = res.records
        # every patient's `Step` still in memory (tracked by the collector, which lists them
        # whether it runs or not)
        alive = {o.pid for o in gc.get_objects() if type(o) is Step and o.pid >= 0}
        decided = np.flatnonzero(~res.patients.local & (rec.decision < res.horizon))
        finished = (rec.status == UNMET) | ~np.isnan(rec.discharge)
        done = decided[finished[decided]]
        waiting = decided[~finished[decided] & np.isnan(rec.start[decided])]
        in_treatment = decided[~finished[decided] & ~np.isnan(rec.start[decided])]
        assert len(done) > 500 and len(waiting) and len(in_treatment)  # 979 measured
        assert not alive & set(done.tolist())
        if drop:
            assert not alive
        else:  # held by the lists and the queue, as they wait and are treated (a patient
            # who escalates is then held by the frame of `escalation` instead, not the step)
            held = in_treatment[~rec.adverse[in_treatment]]
            assert set(waiting.tolist()) | set(held.tolist()) <= alive
            assert alive <= set(waiting.tolist()) | set(in_treatment.tolist())
    finally:
        gc.enable()


def test_gc_restored_after_a_run_even_a_failing_one(england, monkeypatch):
    assert gc.isenabled()
    _run(england, 0.01)
    assert gc.isenabled()
    sim = Simulation(england, 0, years=0.01, warmup_days=1.0)

    def boom(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(simulation_module, "run_until", boom)
    with pytest.raises(RuntimeError):
        sim.run()
    assert gc.isenabled()


def _tickers(env, log: list) -> None:
    """Two SimPy processes logging (time, name) every 1.0 and every 0.5 days."""
    def ticker(name, gap):
        while True:
            yield env.timeout(gap)
            log.append((env.now, name))

    env.process(ticker("a", 1.0))
    env.process(ticker("b", 0.5))


def test_run_until_processes_the_same_events_as_simpy_run():
    """`engine.run_until` is `env.run(until)` with `step` inlined: the same events in the
    same order, none at or after `until`, the same clock and event counter afterwards, and a
    failed event still raises."""
    from heapq import heappush

    import simpy
    from simpy.events import NORMAL

    from sim.model.engine import Wake, events_scheduled, run_until

    def model(env: simpy.Environment, log: list) -> None:
        _tickers(env, log)
        wake = Wake()  # the pathway's timeout, scheduled as `env.timeout(3.0)` would be
        wake.callbacks.append(lambda _e: log.append((env.now, "wake")))
        heappush(env._queue, (env.now + 3.0, NORMAL, next(env._eid), wake))
        ev = env.event()
        env.timeout(2.0).callbacks.append(lambda _e: ev.succeed())
        ev.callbacks.append(lambda _e: log.append((env.now, "ev")))

    runs = []
    for runner in ("simpy", "inlined"):
        env, log = simpy.Environment(), []
        model(env, log)
        if runner == "simpy":
            env.run(until=4.0)
        else:
            run_until(env, 4.0)
        runs.append((log, env.now, events_scheduled(env)))
    assert runs[0] == runs[1]
    assert runs[0][1] == 4.0 and (4.0, "a") not in runs[0][0] and (3.5, "b") in runs[0][0]

    env = simpy.Environment()
    env.timeout(1.0).callbacks.append(lambda _e: env.event().fail(ValueError("bad")))
    with pytest.raises(ValueError, match="bad"):
        run_until(env, 5.0)


def test_side_queue_merges_in_simpys_order():
    """Wake-ups on the environment's side queue are processed exactly where they would be on
    SimPy's own queue: in (time, priority, event number) order, ties at the same time included,
    and an entry at exactly `until` is left for the next run, as SimPy leaves its own."""
    from heapq import heappush

    import simpy
    from simpy.events import NORMAL

    from sim.model.engine import Wake, drop_pending, run_until, side_queue

    def model(env: simpy.Environment, log: list, on_side: bool) -> None:
        _tickers(env, log)
        queue = side_queue(env) if on_side else env._queue
        for k, at in enumerate((0.5, 1.0, 1.0, 2.25, 3.0)):  # ties with the tickers
            wake = Wake()
            wake.callbacks.append(lambda _e, k=k: log.append((env.now, f"w{k}")))
            heappush(queue, (at, NORMAL, next(env._eid), wake))

    logs = []
    for on_side in (False, True):
        env, log = simpy.Environment(), []
        model(env, log, on_side)
        run_until(env, 3.0)
        logs.append((log, env.now, len(env._queue) + len(side_queue(env))))
    assert logs[0] == logs[1]
    names = [name for _t, name in logs[1][0]]
    # the wake-ups were numbered before the tickers' first timeouts, so they win the ties
    assert names[:6] == ["w0", "b", "w1", "w2", "a", "b"] and "w4" not in names  # at `until`
    env = simpy.Environment()
    model(env, [], True)
    drop_pending(env)
    assert not side_queue(env) and not env._queue


def test_inlined_volume_outcome_curve_is_adverse_probability(england):
    """The pathway computes the volume-outcome curve inline; every treated patient's adverse
    flag is what `outcomes.adverse_probability` gives at the recorded volume."""
    from sim.model.outcomes import adverse_probability

    res = _run(england, 0.05)
    p, rec, services = res.patients, res.records, res.network.services
    treated = np.flatnonzero(~np.isnan(rec.start))
    assert len(treated) > 2_000 and rec.adverse[treated].any()  # 4,126 measured
    for pid in treated.tolist():
        outcome = services[p.service[pid]].spec.outcome
        expected = p.u_outcome[pid] < adverse_probability(outcome, float(rec.volume[pid]))
        assert bool(rec.adverse[pid]) == expected


def test_patients_in_treatment_at_the_horizon_have_no_discharge_yet(england):
    """The pathway writes a discharge when the treatment starts (no escalation follows), and
    the run takes it back for patients still in treatment at the horizon: the records say
    what happened by then (no discharge, no hand-back, no crossings counted yet)."""
    res = _run(england, 0.05)
    rec = res.records
    in_treatment = np.flatnonzero(~np.isnan(rec.start) & np.isnan(rec.discharge))
    assert len(in_treatment) > 100
    assert (rec.crossings[in_treatment] == 0).all() and (rec.handover[in_treatment] == 0).all()
    done = ~np.isnan(rec.discharge)
    assert (rec.discharge[done] <= res.horizon + 400).all() and done.sum() > 1000
    # a discharge written by the horizon follows a treatment that ended by then
    assert (rec.discharge[done] >= rec.start[done]).all()


def test_arrivals_go_in_by_time_as_timeouts_would():
    """`engine.start_arrivals`: arrivals are carried out where a process timing out to each
    arrival's time would carry them out (times that tie with no event), those due at the
    start at once, and one at or after `until` waits for the next run."""

    from sim.model.engine import start_arrivals

    times = [0.0, 0.0, 0.3, 1.7, 2.2, 2.2, 5.2]

    def by_process(env, log):
        def arrivals():
            for k, t in enumerate(times):
                if t > env.now:
                    yield env.timeout(t - env.now)
                log.append((env.now, f"p{k}"))
        _tickers(env, log)
        env.process(arrivals())

    def by_stream(env, log):
        def arrivals():
            for k, t in enumerate(times):
                yield t
                log.append((env.now, f"p{k}"))
        start_arrivals(env, arrivals())
        _tickers(env, log)

    logs = [_two_runs(model, 4.0, 6.0) for model in (by_process, by_stream)]
    assert logs[0] == logs[1]
    assert (5.2, "p6") not in logs[1][0] and (5.2, "p6") in logs[1][1]


def _two_runs(model, first: float, second: float) -> tuple[list, list, float]:
    """Build `model(env, log)` on a fresh environment, `run_until` `first` then `second`: the
    log after the first run, after both, and the clock."""
    import simpy

    from sim.model.engine import run_until

    env, log = simpy.Environment(), []
    model(env, log)
    run_until(env, first)
    after_first = list(log)
    run_until(env, second)
    return after_first, log, env.now


def test_later_buckets_go_in_in_simpys_order():
    """Entries kept in `engine.Later` (buckets of a quarter-day, off the heap) are processed
    exactly where they would be on SimPy's own queue: ties with other events, entries in the
    same bucket, at a bucket's first instant, and one at `until` left for the next run."""
    from heapq import heappush

    import simpy
    from simpy.events import NORMAL

    from sim.model.engine import Wake, drop_pending, later

    at_times = (0.5, 1.0, 1.0, 1.1, 2.25, 2.3, 3.0, 7.75)

    def model(env: simpy.Environment, log: list, in_later: bool) -> None:
        _tickers(env, log)
        for k, at in enumerate(at_times):  # ties with the tickers and bucket edges
            wake = Wake()
            wake.callbacks.append(lambda _e, k=k: log.append((env.now, f"w{k}")))
            entry = (at, NORMAL, next(env._eid), wake)
            if in_later:
                later(env).put(entry, env._queue)
            else:
                heappush(env._queue, entry)

    logs = [_two_runs(lambda env, log, in_later=in_later: model(env, log, in_later), 3.0, 8.0)
            for in_later in (False, True)]
    assert logs[0] == logs[1]
    assert (3.0, "w6") not in logs[1][0] and (7.75, "w7") in logs[1][1]
    env = simpy.Environment()
    model(env, [], True)
    assert later(env).buckets
    drop_pending(env)
    assert not later(env).buckets and not later(env).keys and not env._queue


def test_no_cyclic_collection_among_the_patients_of_a_run():
    """The collector is paused from the first patient on, the waiting lists at t = 0 (started
    before the first event) included: a collection among tens of thousands of suspended
    patients is a full pass over every one. At most one, as the result is built after."""
    scenario = load_scenario("england")  # with its waiting lists at t = 0
    sim = Simulation(scenario, 0, years=0.02, warmup_days=5.0)
    collections = []

    def count(phase, info):
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(count)
    try:
        sim.run()
    finally:
        gc.callbacks.remove(count)
    assert len(collections) <= 1


def test_later_moves_one_bucket_at_a_time():
    """When the next event on the heap is far ahead (a review months away while the heap is
    momentarily empty), `Later` moves only its first bucket onto the heap, not every bucket
    up to that event: the heap stays the size of a quarter-day of events."""
    from sim.model.engine import Later

    later, queue = Later(), []
    for k, at in enumerate((1.0, 1.1, 2.0, 5.0)):
        later.put((at, 1, k, None), queue)
    assert later.release_until(90.0, queue) == 1.25
    assert sorted(entry[0] for entry in queue) == [1.0, 1.1]
    assert later.release_until(90.0, queue) == 2.25 and len(queue) == 3
    later.release_until(90.0, queue)
    assert later.release_until(90.0, queue) == 90.25 and not later.keys  # none left before


def test_numbering_patients_in_decision_order_changes_no_event(england, monkeypatch):
    """`patients.in_decision_order` renumbers the patients (memory locality); a run of the
    renumbered patients is the same run: every patient's record, put back in the old
    numbering, equal to the last bit, and the same events, spend and unit areas."""
    from dataclasses import fields

    from sim.model.patients import decision_times

    scenario = england.model_copy(deep=True)
    scenario.services["cardiac_surgery"].initial_waiting_list = (
        load_scenario("england").services["cardiac_surgery"].initial_waiting_list)  # ties at 0
    renumbered = Simulation(scenario, 0, years=0.1, warmup_days=5.0)
    times = decision_times(renumbered.patients)
    assert np.all(np.diff(times) >= 0) and (times == 0).sum() > 100

    monkeypatch.setattr(simulation_module, "in_decision_order", lambda patients: patients)
    as_drawn = Simulation(scenario, 0, years=0.1, warmup_days=5.0)
    order = np.argsort(decision_times(as_drawn.patients), kind="stable")
    assert not np.array_equal(order, np.arange(len(order)))  # the renumbering moves patients
    for f in fields(as_drawn.patients):
        assert np.array_equal(getattr(as_drawn.patients, f.name)[order],
                              getattr(renumbered.patients, f.name))
    a, b = as_drawn.run(), renumbered.run()
    assert a.events == b.events
    for f in fields(a.records):
        assert np.array_equal(getattr(a.records, f.name)[order], getattr(b.records, f.name),
                              equal_nan=True), f.name
    for name in ("unit_busy_area", "unit_slot_area", "spend_window", "spend_fy"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
