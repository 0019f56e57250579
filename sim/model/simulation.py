"""One replication of one scenario: the patient pathway of MODEL_SPEC sections 3 and 4.

`Simulation.run()` returns a :class:`~sim.model.records.RunResult`; the KPIs of MODEL_SPEC
section 5 are computed from it in :mod:`sim.model.kpis`. Who pays and what commissioners do
(budgets, cuts, contracts) lives in :mod:`sim.model.commissioning`; SimPy performance tricks
in :mod:`sim.model.engine`. The model knows nothing of replications or executors.
"""

from __future__ import annotations

from itertools import chain

import numpy as np
import simpy
from simpy.events import NORMAL

from sim.config.schema import Scenario
from sim.model.arrivals import decisions
from sim.model.commissioning import Commissioners
from sim.model.distributions import residual
from sim.model.engine import (
    cyclic_gc_paused,
    drop_pending,
    events_scheduled,
    later,
    run_until,
    side_queue,
    start_arrivals,
)
from sim.model.finance import set_up
from sim.model.groups import group_activity
from sim.model.ledger import EpisodeLedger
from sim.model.network import Network, build_network
from sim.model.pathway import Step, pathway
from sim.model.patients import generate_patients, in_decision_order
from sim.model.prevention import apply_prevention
from sim.model.records import PatientRecords, RunResult
from sim.model.rng import stream
from sim.model.standards import derogate
from sim.model.transition import Transitions
from sim.model.unit import TreatmentUnit
from sim.model.withdrawal import Withdrawals


class Simulation:
    """The SimPy model of one scenario for one replication."""

    def __init__(self, scenario: Scenario, replication: int, seed: int | None = None,
                 years: float | None = None, warmup_days: float | None = None,
                 network: Network | None = None, stream_salt: str = ""):
        run = scenario.run
        self.salt = stream_salt  # appended to every stream name; "" keeps common random numbers
        self.scenario = scenario
        self.seed = run.seed if seed is None else seed
        self.replication = replication
        self.warmup = run.warmup_days if warmup_days is None else warmup_days
        self.horizon = self.warmup + 365.0 * (run.years if years is None else years)
        self.network = net = network or build_network(scenario)
        self.env = simpy.Environment()
        # grants are due at once: on the side queue that `engine.run_until` merges with SimPy's
        self.units = [TreatmentUnit(self.env, u.slots, net.services[u.service].mean_service_days,
                                    side_queue(self.env)) for u in net.units]
        patients, self.prevented = apply_prevention(  # no-op unless switched on
            net, scenario.mechanisms.prevention,
            generate_patients(net, self.seed, replication, self.horizon, stream_salt),
            self.seed, replication, stream_salt)
        # patient ids in the order the run meets them (the same events; memory locality)
        self.patients = in_decision_order(patients)
        self.records = PatientRecords.empty(len(self.patients))
        self.groups = (group_activity(net, self.seed, replication, self.horizon,
                                      run.start_date, stream_salt) if net.groups else None)
        self.commissioners = Commissioners(
            self.env, net.commissioners, self.units,
            [[k for k, u in enumerate(net.units) if u.ics in c.footprint
              and u.service in c.services] for c in net.commissioners],
            self.seed, replication, self.warmup, self.horizon, stream_salt)
        # who commissions each (service, ICS) now: switched at each date of a dated plan
        self.transitions = Transitions(net.lines(), self.commissioners,
                                       scenario.commissioning.transition, self.seed,
                                       replication, stream_salt, self.units)
        self.finance = set_up(scenario, net, self.patients, self.groups, self.commissioners,
                              self.seed, replication, self.horizon, stream_salt)
        self._price = self.finance.pricing
        # episodes are noted as they start and paid in blocks (`ledger`)
        self.commissioners.ledger = ledger = EpisodeLedger(
            self.records, self.patients.service,
            np.array([sn.spec.tariff_gbp for sn in net.services]), self._price)
        derogate(self.commissioners, scenario.mechanisms.standards, self.seed, replication,
                 stream_salt)  # no-op unless switched on
        self.withdrawals: Withdrawals | None = None
        p = self.patients
        self._decide = pathway(
            self.env, self.records.writer(), net, self.units, self.transitions,
            self.commissioners, ledger, scenario.pathway.handover_delay_days,
            scenario.commissioning.transition.disruption_days,
            (p.e_handover_esc, p.u_outcome2, p.treat2))

    # -- the run ---------------------------------------------------------------------------
    def run(self) -> RunResult:
        env = self.env
        # the collector is paused from the first patient on: the waiting lists at t = 0 start
        # here (tens of thousands of suspended patients), and a collection among them costs a
        # full pass over every one (0.2 s of a 4 s run, measured)
        with cyclic_gc_paused():
            if self.scenario.pathway.prefill:
                self._prefill()
            # no Process, no event per decision: a stream the event loop merges by time
            start_arrivals(env, decisions(self.patients, self.records, self.horizon,
                                          self._decide))
            groups = self.groups
            self.commissioners.start(None if groups is None else
                                     (groups.begin, groups.end,
                                      groups.cost_by_commissioner(self.network)),
                                     self.finance.shocks)
            if self.transitions.changes:
                env.process(self.transitions.process(env))
            env.process(self._end_of_warmup())
            after = self.scenario.finance.withdraw_after_years
            if after is not None:
                self.withdrawals = Withdrawals(env, self.network, self.records, self.transitions,
                                               self._price, self.warmup, self.horizon, after)
                env.process(self.withdrawals.process())
            run_until(env, self.horizon)
            self._finish_records()
            self.commissioners.settle()
            for unit in self.units:
                unit.close_stats()
                unit.drop_waiting()  # the patients still waiting are freed now (memory)
            # and those in treatment; before the collector is back on, which would otherwise
            # start with a full pass over every one of them (0.1-0.2 s a run)
            drop_pending(env)
        c = self.commissioners
        return RunResult(
            scenario=self.scenario, network=self.network, patients=self.patients,
            records=self.records, warmup=self.warmup, horizon=self.horizon,
            unit_busy_area=np.array([u.busy_area for u in self.units]),
            unit_slot_area=np.array([u.slot_area for u in self.units]),
            spend_window=c.spend_window, budget_window=c.budget_window(),
            capacity_cuts=c.capacity_cuts, events=events_scheduled(env), groups=groups,
            spend_fy=c.spend_fy, pricing=self._price,
            prevented=self.prevented,
            withdrawn=None if self.withdrawals is None else dict(self.withdrawals.withdrawn),
        )

    def _finish_records(self) -> None:
        """A patient's step-down and discharge are written at the start of a treatment that
        no escalation follows (`pathway.treat`); for those still in treatment at the horizon, undo
        that, so the records say what happened by the horizon (no discharge, no hand-back).
        And whether each treated patient was treated away from their nearest unit, written
        here for all at once rather than by the pathway for each."""
        pending = chain(self.env._queue, later(self.env).entries())  # type: ignore[attr-defined]
        pids = [event.pid for _t, _p, _e, event in pending
                if type(event) is Step and event.pid >= 0 and event.discharging()]
        rec, p = self.records, self.patients
        rec.crossings[pids] = 0
        rec.handover[pids] = 0.0
        rec.discharge[pids] = np.nan
        treated = np.flatnonzero(rec.unit >= 0)
        nearest = np.array([sn.nearest for sn in self.network.services])  # (service, ICS)
        rec.displaced[treated] = rec.unit[treated] != nearest[p.service[treated], p.ics[treated]]

    def _prefill(self) -> None:
        """Start each unit with the patients a stationary system would have in treatment, so
        long-stay services (secure care, dialysis) need no years-long warm-up."""
        env, far = self.env, later(self.env)
        for spec, unit in zip(self.network.units, self.units, strict=True):
            sn = self.network.services[spec.service]
            rng = stream(self.seed, self.replication, "prefill", spec.key + self.salt)
            n = min(int(rng.poisson(spec.expected_busy)), unit.slots)
            for remaining in residual(sn.spec.treatment_days, rng, n).tolist():
                unit.occupy()
                # as `env.timeout(remaining)` with `unit.release` as its callback (the same
                # key); in `Later`, as they mostly end beyond the current quarter-day
                step = Step(-1, (), unit, None, 0, 0.0)  # nobody's records: pid -1
                step.callbacks = unit.release_slot
                far.put((remaining, NORMAL, next(env._eid), step),  # type: ignore[attr-defined]
                        env._queue)  # type: ignore[attr-defined]

    def _end_of_warmup(self):
        yield self.env.timeout(self.warmup)
        for unit in self.units:
            unit.reset_stats()


def simulate(scenario: Scenario, replication: int, **kwargs) -> RunResult:
    """Build and run one replication."""
    return Simulation(scenario, replication, **kwargs).run()
