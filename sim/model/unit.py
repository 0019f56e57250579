"""A treatment unit: parallel slots and one priority waiting list.

Why not `simpy.PriorityResource`: it re-sorts its whole queue on every request (about 30
completions/s with 100,000 waiting) and its capacity cannot change during a run. Real waiting
lists hold thousands of patients and budget cuts change capacity, so a unit keeps a binary heap
ordered by (priority, referral time, arrival sequence) and a slot count that may go down and
up mid-run. A cut never evicts a patient in treatment: it only stops new starts until the
number busy falls below the new slot count.
"""

from __future__ import annotations

import heapq
from array import array

import simpy
from simpy.events import NORMAL


class TreatmentUnit:
    """One provider's capacity for one service."""

    __slots__ = (
        "env", "slots", "busy", "mean_treatment_days", "waiting_list", "_seq",
        "_starts", "_head", "_stat_t", "busy_area", "slot_area", "base_slots", "grants",
        "wait_days", "release_slot", "_eid",
    )

    def __init__(self, env: simpy.Environment, slots: int, mean_treatment_days: float,
                 grants: list | None = None):
        self.env = env
        # the queue grants are scheduled on (None: SimPy's own), as `Event.succeed` would
        # schedule them there: now, NORMAL, the next event number
        self.grants: list = env._queue if grants is None else grants  # type: ignore[attr-defined]
        self._eid = env._eid  # type: ignore[attr-defined]
        self.slots = slots
        self.base_slots = slots
        self.busy = 0
        self.mean_treatment_days = mean_treatment_days
        # a heap of (priority, referral time, sequence, waiter); routing reads its length
        self.waiting_list: list[tuple[int, float, int, object]] = []
        self._seq = 0
        # a year of start times as C doubles (8 B each; a deque of floats costs 32 B per start)
        self._starts = array("d")
        self._head = 0
        self._stat_t = 0.0
        self.busy_area = 0.0
        self.slot_area = 0.0
        # `expected_wait_days()`, kept current by every change of the list, `busy` or `slots`
        # (routing reads it for each option it scans: about 11 reads per routed patient)
        self.wait_days = self.expected_wait_days()
        # the callbacks of a treatment's end at this unit (`pathway.Step`; shared: never
        # appended to)
        self.release_slot = [self.release]

    # -- waiting list -------------------------------------------------------------------
    def join(self, priority: int, referral_time: float, waiter: object) -> bool:
        """Ask for a slot. True: started at once. False: `waiter` (an event: an object with
        `callbacks`, `_ok` and `_value`, such as `engine.Wake` or the pathway's `Step`) is on
        the list, and is scheduled, due at once, when a slot is given to it.

        The hot methods (`join`, `release`) carry `_accumulate` and `_fill` inline, term for
        term (the same floating point, in the same order): their calls per start and release
        were about 8 % of a run's profile; so does `expected_wait_days` for `wait_days`."""
        busy, slots = self.busy, self.slots
        queue = self.waiting_list
        if busy < slots and not queue:
            now = self.env._now  # type: ignore[attr-defined]
            dt = now - self._stat_t
            if dt > 0:
                self.busy_area += dt * (busy if busy < slots else slots)
                self.slot_area += dt * slots
                self._stat_t = now
            busy += 1
            self.busy = busy
            ahead = busy - slots + 1  # the list is empty
            self.wait_days = (ahead * self.mean_treatment_days / (slots if slots > 1 else 1)
                              if ahead > 0 else 0.0)
            return True
        self._seq += 1
        heapq.heappush(queue, (priority, referral_time, self._seq, waiter))
        ahead = len(queue) + busy - slots + 1
        self.wait_days = (ahead * self.mean_treatment_days / (slots if slots > 1 else 1)
                          if ahead > 0 else 0.0)
        return False

    def release(self, _event: object = None) -> None:
        """A patient leaves its slot; the next patient on the list starts if a slot is free.
        (`_event`: called as the callback of a treatment's end too.)"""
        now = self.env._now  # type: ignore[attr-defined]
        busy, slots = self.busy, self.slots
        dt = now - self._stat_t
        if dt > 0:
            self.busy_area += dt * (busy if busy < slots else slots)
            self.slot_area += dt * slots
            self._stat_t = now
        busy -= 1
        queue = self.waiting_list
        if queue and busy < slots:  # `_fill`: the starts below all fall at `now` (dt = 0)
            grants, eid = self.grants, self._eid
            while queue and busy < slots:
                heapq.heappush(grants, (now, NORMAL, next(eid), heapq.heappop(queue)[3]))
                busy += 1
        self.busy = busy
        ahead = len(queue) + busy - slots + 1
        self.wait_days = (ahead * self.mean_treatment_days / (slots if slots > 1 else 1)
                          if ahead > 0 else 0.0)

    def set_slots(self, slots: int) -> None:
        """Change capacity mid-run (a cut never evicts a patient in treatment)."""
        self._accumulate()
        self.slots = slots
        self._fill()
        self.wait_days = self.expected_wait_days()

    def occupy(self) -> None:
        """Put a patient already in treatment at the start of the run into a slot."""
        self._accumulate()
        self.busy += 1
        self.wait_days = self.expected_wait_days()

    def _fill(self) -> None:
        queue = self.waiting_list
        while queue and self.busy < self.slots:
            waiter = heapq.heappop(queue)[3]
            self._start()
            heapq.heappush(self.grants, (self.env.now, NORMAL, next(self._eid), waiter))

    def _start(self) -> None:
        self._accumulate()
        self.busy += 1

    def drop_waiting(self) -> None:
        """After a run: forget the patients still waiting, so they are freed now (a waiter's
        callbacks may resume a generator whose frame holds it: a cycle only the cyclic GC
        breaks)."""
        for entry in self.waiting_list:
            entry[3].callbacks = None
        self.waiting_list.clear()
        self.wait_days = self.expected_wait_days()

    # -- state seen by routing and outcomes ----------------------------------------------
    def has_free_slot(self) -> bool:
        return self.busy < self.slots and not self.waiting_list

    @property
    def waiting(self) -> int:
        return len(self.waiting_list)

    def expected_wait_days(self) -> float:
        """A planner's estimate of the wait for a new referral: the queue ahead of it shared over
        the unit's slots, times the mean treatment length; zero when a slot is free."""
        ahead = len(self.waiting_list) + self.busy - self.slots + 1
        if ahead <= 0:
            return 0.0
        return ahead * self.mean_treatment_days / max(self.slots, 1)

    def record_start(self, now: float) -> float:
        """Count a treatment start and return the unit's volume over the previous 365 days.

        Before the run has lasted a year the count is annualised over the time elapsed.
        """
        starts = self._starts  # start times, oldest first, from index `_head` on
        starts.append(now)
        horizon = now - 365.0
        head = self._head
        while starts[head] < horizon:
            head += 1
        if head > 4096 and 2 * head > len(starts):  # compact now and then (amortised O(1))
            del starts[:head]
            head = 0
        self._head = head
        count = len(starts) - head - 1  # volume before this patient
        if now >= 365.0:
            return float(count)
        return count * 365.0 / max(now, 1.0)

    # -- utilisation ---------------------------------------------------------------------
    def _accumulate(self) -> None:
        now = self.env.now
        dt = now - self._stat_t
        if dt > 0:
            self.busy_area += dt * min(self.busy, self.slots)
            self.slot_area += dt * self.slots
            self._stat_t = now

    def reset_stats(self) -> None:
        """Start utilisation accounting afresh (called at the end of the warm-up)."""
        self._accumulate()
        self.busy_area = 0.0
        self.slot_area = 0.0

    def close_stats(self) -> None:
        self._accumulate()
