"""The access decisions of a run, in time order: the arrival stream that the event loop merges
by time (`engine.start_arrivals`).

Nothing a patient does between referral and decision (local assessment) touches shared state,
so no event is spent on it: patients managed locally are recorded at once, and the others start
their pathway at their decision time (referral + assessment; t = 0 for the waiting lists at
the start).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from typing import NamedTuple

import numpy as np

from sim.model.engine import CHUNK, Resume
from sim.model.patients import Patients
from sim.model.records import MANAGED_LOCALLY, PatientRecords


class PatientRow(NamedTuple):
    """The numbers one patient's pathway reads: the patient columns `decisions` hands to
    `_patient` as one row of Python numbers (made a chunk at a time, not 17 numpy scalar
    look-ups per patient), in this order, which `_patient` unpacks positionally."""

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
    e_handover_esc: float
    u_outcome2: float
    treat2: float  # the escalation treatment's length
    e_handover_out: float
    step_down: float
    backlog: bool  # on the waiting list at t = 0
    emergency: bool  # emergency pathway


def decisions(patients: Patients, records: PatientRecords, horizon: float,
              pathway: Callable[[int, tuple], Iterator]) -> Generator[float, None, None]:
    """Yield each specialised patient's decision time; resumed at that time, start their
    `pathway(pid, row)` (a generator of events; `row` in `PatientRow` order). Records the
    patients managed locally, and the decision day of every patient decided before the
    horizon, at once."""
    p, rec = patients, records
    decide_at = np.where(p.backlog, 0.0, p.referral + p.assess)
    local = p.local
    rec.status[local] = MANAGED_LOCALLY
    rec.decision[local] = decide_at[local]
    specialised = np.flatnonzero(~local)
    order = specialised[np.argsort(decide_at[specialised], kind="stable")]
    decide = decide_at[order]
    before = decide < horizon
    rec.decision[order[before]] = decide[before]
    del decide_at, local, specialised, before  # this frame lives all run: 24 B a patient
    columns = [getattr(p, name) for name in PatientRow._fields]
    for first in range(0, len(order), CHUNK):  # Python numbers a chunk at a time
        last = first + CHUNK
        chunk = order[first:last]
        # each patient's numbers as one row of Python numbers, made a chunk at a time and a
        # column at a time (a packed row per patient for the whole run would cost 136 B per
        # patient; integer and flag columns give cached small ints, not new floats)
        rows = zip(*[c[chunk].tolist() for c in columns], strict=True)
        for pid, t, row in zip(chunk.tolist(), decide[first:last].tolist(), rows, strict=True):
            yield t  # `run_until` resumes the stream at `t` (`engine.start_arrivals`)
            steps = pathway(pid, row)  # its first step now; an `engine.Resume` only for a
            try:  # patient who waits (not one refused, or treated without a wait)
                steps.send(None).callbacks.append(Resume(steps.send))
            except StopIteration:
                pass
            steps = None  # this frame holds no patient between arrivals
