"""What one replication produced: patient records in columns, and unit and commissioner
accounts. KPIs, invariants and warm-up analysis read these without importing SimPy."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from sim.config.schema import Scenario
from sim.model.groups import GroupActivity
from sim.model.network import Network
from sim.model.patients import Patients
from sim.model.prevention import Prevented
from sim.model.prices import Pricing

# a patient's status at the end of a run
PENDING, MANAGED_LOCALLY, UNMET, TREATED = 0, 1, 2, 3


@dataclass
class PatientRecords:
    """What happened to each patient (index = patient id), in preallocated columns."""

    status: np.ndarray
    decision: np.ndarray  # time of the local-management or access decision
    start: np.ndarray  # start of specialised treatment
    unit: np.ndarray
    volume: np.ndarray  # unit volume over the previous 365 days at the start
    adverse: np.ndarray
    escalated: np.ndarray
    esc_unit: np.ndarray
    esc_start: np.ndarray
    esc_adverse: np.ndarray
    crossings: np.ndarray
    handover: np.ndarray  # hand-over and out-of-area approval delays, days
    km: np.ndarray
    displaced: np.ndarray
    discharge: np.ndarray
    commissioner: np.ndarray  # who decided access to the specialised stage (-1: nobody)
    transfers: np.ndarray  # emergency: full units passed over before a bed; -1: none free

    @classmethod
    def empty(cls, n: int) -> PatientRecords:
        nan = np.full(n, np.nan)
        return cls(
            status=np.zeros(n, np.int8), decision=nan.copy(), start=nan.copy(),
            unit=np.full(n, -1, np.int32), volume=nan.copy(), adverse=np.zeros(n, bool),
            escalated=np.zeros(n, bool), esc_unit=np.full(n, -1, np.int32),
            esc_start=nan.copy(), esc_adverse=np.zeros(n, bool),
            crossings=np.zeros(n, np.int8), handover=np.zeros(n), km=nan.copy(),
            displaced=np.zeros(n, bool), discharge=nan.copy(),
            commissioner=np.full(n, -1, np.int32), transfers=np.zeros(n, np.int16),
        )

    def writer(self) -> RecordWriter:
        return RecordWriter(self)


class RecordWriter:
    """Memoryviews of every `PatientRecords` column, for the pathway's scalar writes (about a
    dozen per treated patient): a memoryview item write costs about 60% of numpy's scalar
    setitem and lands in the same array, so the records are current during the run."""

    __slots__ = tuple(f.name for f in fields(PatientRecords))

    def __init__(self, records: PatientRecords):
        for name in self.__slots__:
            setattr(self, name, memoryview(getattr(records, name)))


@dataclass
class RunResult:
    """Everything one replication produced, for KPIs and invariant checks."""

    scenario: Scenario
    network: Network
    patients: Patients
    records: PatientRecords
    warmup: float
    horizon: float
    unit_busy_area: np.ndarray  # slot-days busy after the warm-up, per unit
    unit_slot_area: np.ndarray  # slot-days available after the warm-up, per unit
    spend_window: np.ndarray  # tariff paid after the warm-up, per commissioner
    budget_window: np.ndarray  # budget for the same period, per commissioner
    capacity_cuts: int
    events: int
    groups: GroupActivity | None = None  # service groups' episodes and cost
    spend_fy: np.ndarray | None = None  # per commissioner and financial year after warm-up
    pricing: Pricing | None = None  # episode prices (None: the tariff)
    prevented: Prevented = field(default_factory=Prevented.none)  # mechanisms.prevention
    withdrawn: dict[int, float] | None = None  # units withdrawn by their provider -> day
