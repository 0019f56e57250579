"""Every SimPy performance trick of the model, in one place, with why.

* The patient pathway (`pathway.py`) is plain functions, one per stage, that events call
  back: a patient between stages is one object that is also the event they wait for. Only
  the rare escalation is a generator, which `Resume` drives from event callbacks instead of a
  `simpy.Process`, saving the process's start-up and end events.
* `cyclic_gc_paused` switches the cyclic garbage collector off during a run: with ~10^5 live
  events and generators its passes took half the run time (measured), and the hot path
  creates no reference cycles (`tests/test_hot_path.py` proves finished patients are freed).
* `run_until` is `env.run(until)` with `Environment.step` inlined into one loop: the same
  events in the same order (the stop event is scheduled exactly as SimPy schedules it), without
  a method call and its attribute look-ups per event. It merges a second, small queue (the
  units' grants) with SimPy's, keeping those always-early events out of a heap of thousands
  of pending treatment ends.
* `start_arrivals` hands `run_until` a stream of arrivals in time order (the patients' access
  decisions): a generator that yields the next arrival's time and, when resumed at that time,
  starts it. No event is scheduled for an arrival (it was one of every patient's three): the
  loop compares the next arrival's time with the head of the queues, and an arrival goes
  before any event at a later time (after any at the same time, a tie of measure zero).
* `Wake` is a bare event (the escalation's timeouts and its wait for a centre's slot): a
  slotted object scheduled exactly as a `simpy.Timeout` (same time, priority and event
  number, so the same order), without the constructor, delay check and `schedule` call of
  one; the pathway's `Step` is scheduled the same way. A unit schedules a waiter it gives
  a slot to exactly as `Event.succeed` would (in a run, on the side queue: it is due at
  once). With the arrivals and the pathway's stages, a specialised patient costs about 1.5
  events (a treatment end, and a grant or a hand-over wait for some) where it cost 2.9.
* `Later` keeps the pathway's events due after the current quarter-day (treatment ends and
  hand-over waits) in buckets of a quarter-day, off SimPy's heap: `run_until` moves a bucket
  onto the heap when the clock reaches it. A heap pop costs log(n) tuple comparisons, most of
  them cache misses once the heap holds every pending treatment end (2.3 us at 100,000
  pending against 0.9 at 12,600 and 0.4 at 100, measured): without it a patient cost 27 %
  more at 8x demand.
* `CHUNK` bounds how many patients' numbers are held as Python objects at once (memory).
* `events_scheduled` reads SimPy's event counter for the events-per-patient budget.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from heapq import heapify, heappop, heappush
from math import inf

import simpy
from simpy.events import URGENT, EventPriority

CHUNK = 8192  # patients whose numbers the referral loop holds as Python objects at once


class Resume:
    """The callback that advances one generator to its next event. A class, not a closure
    that appends itself (a reference cycle per patient), so that a finished patient is freed
    by reference counting alone and the cyclic garbage collector can stay off during a run."""

    __slots__ = ("send",)

    def __init__(self, send: Callable[[None], simpy.Event]):
        self.send = send

    def __call__(self, _event: simpy.Event | None) -> None:
        try:
            self.send(None).callbacks.append(self)
        except StopIteration:
            pass


class Wake:
    """A bare event (a timeout, or a waiter on a unit's list): just what `run_until`,
    `Environment.step` and `Resume` read (its callbacks; it always succeeds, with no value)."""

    __slots__ = ("callbacks",)
    _ok = True
    _value = None

    def __init__(self) -> None:
        self.callbacks: list[Callable[[Wake], None]] | None = []


class Later:
    """Events due at or after `limit`, in buckets of `WIDTH` days (an append each), which
    `run_until` moves onto SimPy's heap as the clock reaches them; everything due before
    `limit` is on the heap. The order is SimPy's: an entry keeps its (time, priority, event
    number) key, and a bucket is on the heap before any event at or after its start is
    processed. `WIDTH` is a power of two, so a bucket's bounds are exact doubles."""

    WIDTH = 0.25

    __slots__ = ("limit", "buckets", "keys")

    def __init__(self) -> None:
        self.limit = self.WIDTH  # the end of the current bucket
        self.buckets: dict[int, list[tuple]] = {}
        self.keys: list[int] = []  # a heap of the bucket numbers in `buckets`

    def put(self, entry: tuple, queue: list) -> None:
        """Schedule a (time, priority, event number, event) entry: on `queue` (SimPy's heap)
        if it is due before `limit`, else in its bucket."""
        if entry[0] < self.limit:
            heappush(queue, entry)
            return
        key = int(entry[0] // self.WIDTH)
        bucket = self.buckets.get(key)
        if bucket is None:
            self.buckets[key] = [entry]
            heappush(self.keys, key)
        else:
            bucket.append(entry)

    def release_until(self, now: float, queue: list) -> float:
        """The clock's next event is at `now`, at or after `limit`: move the first bucket onto
        `queue` if it starts at or before `now` (one bucket only: `now` may be a review months
        ahead while the queue is momentarily empty), and return the new limit, the end of
        that bucket or, if none starts before, of `now`'s. The bucket joins the heap in one
        `heapify` (linear, in C) rather than a push each: keys are unique, so any heap of the
        same entries pops them in the same order."""
        keys = self.keys
        current = int(now // self.WIDTH)
        if keys and keys[0] <= current:
            current = heappop(keys)
            queue += self.buckets.pop(current)
            heapify(queue)
        self.limit = limit = (current + 1) * self.WIDTH
        return limit

    def entries(self) -> Iterator[tuple]:
        for bucket in self.buckets.values():
            yield from bucket

    def clear(self) -> None:
        self.buckets.clear()
        self.keys.clear()


def later(env: simpy.Environment) -> Later:
    """The environment's `Later` (made on first use)."""
    try:
        return env._later  # type: ignore[attr-defined]
    except AttributeError:
        env._later = found = Later()  # type: ignore[attr-defined]
        return found


def run_until(env: simpy.Environment, until: float) -> None:
    """Process every event before `until`, as `env.run(until=until)` does (SimPy 4: a stop
    event at `until` with URGENT priority, so events at exactly `until` are not processed),
    with `step` inlined. A failed event that nobody defused raises, as in SimPy.

    The environment's `side_queue` is merged with SimPy's queue in key order, so the events
    and their order are those of one queue; `later` buckets go onto the queue as the clock
    reaches them; the arrivals of `start_arrivals` go in by time."""
    at = float(until)
    if at <= env.now:
        raise ValueError(f"until ({at}) must be greater than the current simulation time")
    stop = simpy.Event(env)
    stop._ok = True  # type: ignore[attr-defined]
    stop._value = None  # type: ignore[attr-defined]
    env.schedule(stop, URGENT, at - env.now)
    queue = env._queue  # type: ignore[attr-defined]
    side = side_queue(env)
    arrivals = getattr(env, "_arrivals", None)  # [generator, next arrival's time] or None
    stream, arrival = (arrivals[0], arrivals[1]) if arrivals else (None, inf)
    far = later(env)
    limit = far.limit
    try:
        while True:
            # keys are unique (event numbers), so `<` never compares two events
            source = side if side and side[0] < queue[0] else queue  # `stop` is on `queue`
            head = source[0][0]
            if head >= limit:  # the clock reaches the next bucket: its events go on the heap
                limit = far.release_until(head, queue)
                continue
            if arrival < head:  # strictly before the next event (and `until`)
                env._now = arrival  # type: ignore[attr-defined]
                arrival = next(stream, inf)  # type: ignore[call-overload]
                continue
            now, _, _, event = heappop(source)
            env._now = now  # type: ignore[attr-defined]
            if event is stop:  # SimPy puts its stop event back on the queue (an event number)
                env.schedule(stop, EventPriority(-1))
                return
            callbacks, event.callbacks = event.callbacks, None
            for callback in callbacks:
                callback(event)
            if not event._ok and not hasattr(event, "_defused"):
                exc = type(event._value)(*event._value.args)
                exc.__cause__ = event._value
                raise exc
    finally:
        if arrivals:
            arrivals[1] = arrival


def start_arrivals(env: simpy.Environment, stream: Generator[float, None, None]) -> None:
    """Give `run_until` a stream of arrivals: `stream` yields each arrival's time (never
    decreasing) and is resumed at that time to carry it out. Arrivals due now are carried out
    at once, here (the waiting lists at t = 0, before any process starts)."""
    arrival = next(stream, inf)
    while arrival <= env.now:
        arrival = next(stream, inf)
    env._arrivals = [stream, arrival]  # type: ignore[attr-defined]


def side_queue(env: simpy.Environment) -> list:
    """A second event queue of `env` (made on first use), in SimPy's form: a heap of (time,
    priority, event number, event), which `run_until` merges with SimPy's own in key order.
    The units keep their grants there (due at once): always among the earliest events, on
    SimPy's queue each would climb the whole heap when pushed and again when popped."""
    try:
        return env._side_queue  # type: ignore[attr-defined]
    except AttributeError:
        side: list = []
        env._side_queue = side  # type: ignore[attr-defined]
        return side


def drop_pending(env: simpy.Environment) -> None:
    """After a run: drop every event still scheduled. A pending patient and the environment
    reference each other (patient -> stage callback -> pathway -> environment -> queue ->
    patient), so without this the patients still waiting or in treatment at the horizon
    (hundreds of thousands at 8x demand) would stay in memory until the next cyclic
    collection, on top of the KPI tables computed next. Callbacks are cut too: an escalating
    patient's frame holds the event it waits for, whose callback resumes it (a cycle of its
    own)."""
    far = later(env)
    for queue in (env._queue, side_queue(env), list(far.entries())):  # type: ignore
        for _time, _priority, _eid, event in queue:
            event.callbacks = None
        queue.clear()
    far.clear()
    env._arrivals = None  # type: ignore[attr-defined]  # the stream's frame holds its patients


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the duration of a run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def events_scheduled(env: simpy.Environment) -> int:
    """How many events `env` has scheduled so far. SimPy numbers events with a private
    counter (`Environment._eid`, an `itertools.count`); reading it costs nothing per event,
    where counting in a wrapped `schedule` would add a call to every event."""
    return next(env._eid)  # type: ignore[attr-defined]
