"""One replication of one scenario: the patient pathway of MODEL_SPEC sections 3 and 4.

`Simulation.run()` returns a :class:`~sim.model.records.RunResult`; the KPIs of MODEL_SPEC
section 5 are computed from it in :mod:`sim.model.kpis`. Who pays and what commissioners do
(budgets, cuts, contracts) lives in :mod:`sim.model.commissioning`; SimPy performance tricks
in :mod:`sim.model.engine`. The model knows nothing of replications or executors.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

import numpy as np
import simpy
from simpy.events import NORMAL

from sim.config.schema import Scenario
from sim.model.arrivals import decisions
from sim.model.commissioning import NATIONAL_INDEX, Commissioners
from sim.model.distributions import residual
from sim.model.engine import (
    Discharge,
    Wake,
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
from sim.model.patients import generate_patients
from sim.model.prevention import apply_prevention
from sim.model.records import TREATED, UNMET, PatientRecords, RunResult
from sim.model.rng import stream
from sim.model.routing import first_free, route, routes
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
        # grants are due at once: on the side queue (`engine.run_until`), with the referrals'
        self.units = [TreatmentUnit(self.env, u.slots, net.services[u.service].mean_service_days,
                                    side_queue(self.env)) for u in net.units]
        self.patients, self.prevented = apply_prevention(  # no-op unless switched on
            net, scenario.mechanisms.prevention,
            generate_patients(net, self.seed, replication, self.horizon, stream_salt),
            self.seed, replication, stream_salt)
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
        # escalation to a national centre: fixed lists (withdrawal never takes a centre)
        self._centres = [[routes(o, self.units).options for o in sn.centres]
                         for sn in net.services]
        self._disruption_days = scenario.commissioning.transition.disruption_days
        # what `_patient` reads, unpacked from one tuple at the decision (one attribute look-up
        # instead of 16): Python lists and memoryviews, as a numpy scalar read costs ~100 ns;
        # the lists are the objects that transitions and withdrawals change in place
        self._hot = (
            self.env, self.records.writer(), net,
            self.env._queue, self.env._eid,  # type: ignore[attr-defined]
            later(self.env),  # treatment ends due after the current quarter-day
            # per service: the volume-outcome curve's terms as `adverse_probability` computes
            # them (p_floor, p_ceiling - p_floor, v_half, k), adverse extra days, escalation share
            [(o.p_floor, o.p_ceiling - o.p_floor, o.v_half, o.k, o.extra_days,
              o.escalation_share) for sn in net.services for o in (sn.spec.outcome,)],
            scenario.pathway.handover_delay_days,
            self.transitions.commissioner, self.transitions.crosses,
            self.transitions.routes,  # per service, per ICS (`routing.Routes`)
            # commissioners' access rates and late-contract ends (changed in place)
            memoryview(self.commissioners.access), memoryview(self.commissioners.late_until),
            self.transitions.disrupted_until,
            ledger.note_episode, ledger.note_payer,
        )

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
                                          self._patient))
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
        no escalation follows (`_patient`); for those still in treatment at the horizon, undo
        that, so the records say what happened by the horizon (no discharge, no hand-back).
        And whether each treated patient was treated away from their nearest unit, written
        here for all at once rather than by the pathway for each."""
        pending = chain(self.env._queue, later(self.env).entries())  # type: ignore[attr-defined]
        pids = [event.pid for _t, _p, _e, event in pending
                if type(event) is Discharge and event.pid >= 0]
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
                far.put((remaining, NORMAL, next(env._eid),  # type: ignore[attr-defined]
                         Discharge(unit.release_slot, -1)), env._queue)  # type: ignore

    def _end_of_warmup(self):
        yield self.env.timeout(self.warmup)
        for unit in self.units:
            unit.reset_stats()

    # -- the pathway of one patient ----------------------------------------------------------
    def _patient(self, pid: int, numbers: tuple[float, ...]) -> Iterator[simpy.Event]:
        """One patient from the access decision to discharge.

        The hot path of a run, written for speed (each line is met by up to 300,000 patients a
        year): the numbers unpacked into locals in `arrivals.PatientRow` order; the clock read
        as `env._now`; records written through memoryviews of their columns; timeouts as
        `engine.Wake`s scheduled through `engine.Later`; a unit's free-slot start
        (`TreatmentUnit.join`) and the volume-outcome curve (`outcomes.adverse_probability`)
        inlined term for term, so the same events are scheduled in the same order and every
        number is the same float.
        """
        (s, i, priority, referral, u_access, e_handover_in, e_approval, u_outcome,
         treat, u_escalate, e_handover_esc, u_outcome2, treat2, e_handover_out, step_down,
         backlog, emergency) = numbers
        del numbers  # the frame lives while the patient waits: keep one copy of the numbers
        (env, rec, net, queue, eid, later, curves, handover_mean, commissioner_of, crosses_of,
         routes_of, access, late_until, disrupted_until, note_episode, note_payer) = self._hot
        p_floor, span, v_half, k_exp, extra_days, escalation_share = curves[s]

        # local assessment (ICS-commissioned) is over: `decisions` starts us at the decision.
        # Access decision by the commissioner of the specialised stage (urgent: always).
        k = commissioner_of[s][i]
        now = env._now
        rec.commissioner[pid] = k  # (the decision day is written by `arrivals.decisions`)
        crosses = crosses_of[s][i]
        crossings, handover = (1 if crosses else 0), 0.0
        if emergency:
            # emergency: always accepted, no approval or hand-over before a bed; a full unit
            # sends the patient on to the next suitable one with a free bed (retrieval)
            (_, unit, choice), transfers = first_free(routes_of[s][i])
            rec.transfers[pid] = transfers
            priority = 0
        else:
            # a patient already on the list was accepted and handed over before t = 0
            if not backlog and priority == 1 and u_access >= access[k]:
                rec.status[pid] = UNMET  # refused: no routing, no hand-over
                return
            rules = net.commissioners[k].rules
            _, unit, choice = route(routes_of[s][i].options, rules.w_wait)
            if not backlog:
                # hand-over if the specialised stage has another commissioner; out-of-area
                # approval; a late contract holds new referrals back
                if crosses:
                    handover += handover_mean * e_handover_in
                if now < disrupted_until[s][i]:  # a change of commissioner settling
                    handover += self._disruption_days
                if choice.outside:
                    handover += rules.approval_delay_days * e_approval
                delay = handover
                if now < late_until[k]:
                    delay += rules.late_contract_delay_days
                if delay > 0:
                    wake = Wake()  # off the heap while not due soon (`engine.Later`)
                    later.put((now + delay, NORMAL, next(eid), wake), queue)
                    yield wake

        # wait for a slot, then treatment (longer after an adverse outcome)
        u = choice.unit
        grant = unit.join(priority, referral)
        if grant is not None:
            yield grant
        now = env._now
        volume = unit.record_start(now)
        adverse = u_outcome < p_floor + span / (1.0 + (volume / v_half) ** k_exp)
        rec.status[pid] = TREATED
        rec.start[pid] = now
        rec.unit[pid] = u
        rec.volume[pid] = volume
        rec.adverse[pid] = adverse
        rec.km[pid] = choice.km  # (`displaced` is written after the run)
        # paid by whoever commissions the pair now: budgets and contracts move together at a
        # change of commissioner, so a patient accepted before it is paid for after it
        k = commissioner_of[s][i]
        note_episode(pid)  # `ledger`: priced and paid at the next settlement
        note_payer(k)
        end = now + (treat + (extra_days if adverse else 0.0))
        if not (adverse and u_escalate < escalation_share
                and not net.units[u].national_centre and net.services[s].centres[i]):
            # no escalation: step-down and discharge are known now (no shared capacity), and
            # the unit takes its slot back at `end` without resuming this generator
            hand_back = 0.0
            if crosses:
                crossings += 1
                hand_back = handover_mean * e_handover_out
            rec.crossings[pid] = crossings
            rec.handover[pid] = handover + hand_back
            rec.discharge[pid] = end + hand_back + step_down
            later.put((end, NORMAL, next(eid), Discharge(unit.release_slot, pid)), queue)
            return
        wake = Wake()
        later.put((end, NORMAL, next(eid), wake), queue)
        yield wake
        unit.release()

        # escalation of an adverse outcome to a national centre (NHSE-commissioned)
        national = NATIONAL_INDEX
        if k != national:
            crossings += 1
            escalation_delay = handover_mean * e_handover_esc
            handover += escalation_delay
            if escalation_delay > 0:
                wake = Wake()
                later.put((env._now + escalation_delay, NORMAL, next(eid), wake), queue)
                yield wake
        _, centre, centre_choice = route(self._centres[s][i],
                                         net.commissioners[national].rules.w_wait)
        grant = centre.join(0, referral)
        if grant is not None:
            yield grant
        now = env._now
        volume = centre.record_start(now)
        escalation_adverse = u_outcome2 < p_floor + span / (1.0 + (volume / v_half) ** k_exp)
        rec.escalated[pid] = True
        rec.esc_unit[pid] = centre_choice.unit
        rec.esc_start[pid] = now
        rec.esc_adverse[pid] = escalation_adverse
        note_episode(~pid)  # an escalation episode
        note_payer(national)
        wake = Wake()
        later.put((now + (treat2 + (extra_days if escalation_adverse else 0)), NORMAL,
                   next(eid), wake), queue)
        yield wake
        centre.release()

        # step-down to local care and discharge (no shared capacity: computed, not simulated;
        # after a national centre the hand-back always crosses to the ICS)
        crossings += 1
        hand_back = handover_mean * e_handover_out
        rec.crossings[pid] = crossings
        rec.handover[pid] = handover + hand_back
        rec.discharge[pid] = env._now + hand_back + step_down


def simulate(scenario: Scenario, replication: int, **kwargs) -> RunResult:
    """Build and run one replication."""
    return Simulation(scenario, replication, **kwargs).run()
