"""Episode payments, noted during a run and settled in numpy blocks.

An episode's price depends only on what the records hold once its treatment has started (the
patient, service, unit, start day, escalation or not) and on who paid (the commissioner of the
pair at the start, which a dated plan may change later, so it is noted). The pathway notes
(patient, payer) as two list appends; `take` prices the noted episodes at once
(`Pricing.episodes_at`, the same floats as pricing one at a time) and adds them to the spend
arrays with `np.add.at`, which adds in the order given: every total is the same double as
paying each episode when it started. `Commissioners.settle` pays them; whoever reads or writes
spend during a run settles first (`spend_to_date`, `pay_period`), and the run at its end.
"""

from __future__ import annotations

import numpy as np

from sim.model.prices import Pricing
from sim.model.records import PatientRecords


class EpisodeLedger:
    """The episodes started since the last settlement, in the order they started."""

    def __init__(self, records: PatientRecords, service: np.ndarray, tariff: np.ndarray,
                 pricing: Pricing | None):
        self.records = records
        self.service = service  # per patient
        self.tariff = np.asarray(tariff, dtype=float)  # per service
        self.pricing = pricing
        # a first episode notes its patient id; an escalation episode ~id (negative)
        self.episodes: list[int] = []
        self.payers: list[int] = []
        self.note_episode = self.episodes.append  # the pathway's two calls per episode
        self.note_payer = self.payers.append

    def __len__(self) -> int:
        return len(self.episodes)

    def take(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(payer, amount, start day) of every noted episode, in order; the notes are
        cleared. `Commissioners.settle` pays them."""
        codes = np.array(self.episodes, dtype=np.int64)
        payers = np.array(self.payers, dtype=np.int64)
        self.episodes.clear()
        self.payers.clear()
        escalation = codes < 0
        pid = np.where(escalation, ~codes, codes)
        r = self.records
        unit = np.where(escalation, r.esc_unit[pid], r.unit[pid])
        start = np.where(escalation, r.esc_start[pid], r.start[pid])
        service = self.service[pid]
        if self.pricing is None:
            return payers, self.tariff[service], start
        return payers, self.pricing.episodes_at(pid, service, unit, payers, escalation,
                                                start), start
