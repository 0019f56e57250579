"""The access decisions of a run, in time order: the arrival stream that the event loop merges
by time (`engine.start_arrivals`).

Nothing a patient does between referral and decision (local assessment) touches shared state,
so no event is spent on it: patients managed locally are recorded at once, and the others start
their pathway at their decision time (referral + assessment; t = 0 for the waiting lists at
the start).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import NamedTuple

import numpy as np

from sim.model.engine import CHUNK
from sim.model.patients import Patients, decision_times
from sim.model.records import MANAGED_LOCALLY, PatientRecords


class PatientRow(NamedTuple):
    """The numbers one patient's pathway reads: the patient columns `decisions` hands to
    `pathway.decide` as one row of Python numbers (made a chunk at a time, not 14 numpy
    scalar look-ups per patient), in this order, which the pathway unpacks positionally. The
    escalation's own numbers are read by patient id, for the few who escalate."""

    service: int
    ics: int
    priority: int  # 0 urgent, 1 routine
    referral: float
    u_access: float
    e_handover_in: float  # unit-mean exponential draws, scaled by the mean delay
    e_approval: float
    u_outcome: float
    treat: float
    u_escalate: float
    e_handover_out: float
    step_down: float
    backlog: bool  # on the waiting list at t = 0
    emergency: bool  # emergency pathway


def decisions(patients: Patients, records: PatientRecords, horizon: float,
              decide: Callable[[int, tuple], None]) -> Generator[float, None, None]:
    """Yield each specialised patient's decision time; resumed at that time, call
    `decide(pid, row)` (the pathway's first stage; `row` in `PatientRow` order). Records the
    patients managed locally, and the decision day of every patient decided before the
    horizon, at once."""
    p, rec = patients, records
    decide_at = decision_times(p)
    local = p.local
    rec.status[local] = MANAGED_LOCALLY
    rec.decision[local] = decide_at[local]
    specialised = np.flatnonzero(~local)
    # (already in order in a run, `patients.in_decision_order`: then the sort is cheap)
    order = specialised[np.argsort(decide_at[specialised], kind="stable")]
    times = decide_at[order]
    before = times < horizon
    rec.decision[order[before]] = times[before]
    del decide_at, local, specialised, before  # this frame lives all run: 24 B a patient
    columns = [getattr(p, name) for name in PatientRow._fields]
    for first in range(0, len(order), CHUNK):  # Python numbers a chunk at a time
        last = first + CHUNK
        chunk = order[first:last]
        # each patient's numbers as one row of Python numbers, made a chunk at a time and a
        # column at a time (a packed row per patient for the whole run would cost 136 B per
        # patient; integer and flag columns give cached small ints, not new floats)
        rows = zip(*[c[chunk].tolist() for c in columns], strict=True)
        for pid, t, row in zip(chunk.tolist(), times[first:last].tolist(), rows, strict=True):
            yield t  # `run_until` resumes the stream at `t` (`engine.start_arrivals`)
            decide(pid, row)
