"""The patient pathway of MODEL_SPEC sections 3 and 4, from the access decision to discharge.

A pathway is a few plain functions, one per stage, that the event loop calls in turn: the
decision (called by the arrival stream, `arrivals.decisions`), the end of a hand-over wait,
the grant of a slot. Between stages a patient is one `Step`, which is both what they carry
(their numbers, the unit chosen, crossings and hand-over days so far) and the event they wait
for: scheduled with SimPy's key (time, priority, event number) and a stage's one-element
callback list, shared by every patient at that stage. No generator, no resumption object,
no event object of its own per wait (without the generator per patient, a run's simulation
takes 11 % fewer instructions, cachegrind: benchmarks/README.md). The rare escalation to a
national centre, with two waits of its own, is a generator (`escalation`), started at the end
of the first treatment.

The hot path of a run (each line is met by up to 300,000 patients a year): the numbers are
unpacked in `arrivals.PatientRow` order; the clock is read as `env._now`; records are written
through memoryviews of their columns; waits go through `engine.Later`; the volume-outcome curve
(`outcomes.adverse_probability`) is inlined term for term in `treat`, so every number is the
same float.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import simpy
from simpy.events import NORMAL

from sim.model.commissioning import NATIONAL_INDEX, Commissioners
from sim.model.engine import Resume, Wake, later
from sim.model.ledger import EpisodeLedger
from sim.model.network import Network
from sim.model.outcomes import adverse_probability
from sim.model.records import TREATED, UNMET, RecordWriter
from sim.model.routing import first_free, route, routes
from sim.model.transition import Transitions
from sim.model.unit import TreatmentUnit


class Step:
    """A patient between two stages of the pathway, and the event that starts the next one: a
    hand-over wait's end, a unit's grant of a slot (`TreatmentUnit.join`), or a discharge
    (whose callbacks are the unit's `release_slot`). `crossings` is 0 or 1 until the
    treatment starts: whether the specialised stage crossed to another commissioner at the
    decision."""

    __slots__ = ("callbacks", "pid", "numbers", "unit", "choice", "crossings", "handover")
    _ok = True  # what `engine.run_until` reads of an event: it always succeeds, with no value
    _value = None

    def __init__(self, pid: int, numbers: tuple, unit: TreatmentUnit, choice: object,
                 crossings: int, handover: float) -> None:
        self.callbacks: list[Callable[[Step], None]] | None = None
        self.pid = pid
        self.numbers = numbers
        self.unit = unit
        self.choice = choice
        self.crossings = crossings
        self.handover = handover

    def discharging(self) -> bool:
        """Whether this step is pending as the end of a treatment (the unit's slot back)."""
        return self.callbacks is self.unit.release_slot


def pathway(env: simpy.Environment, rec: RecordWriter, net: Network, units: list[TreatmentUnit],
            transitions: Transitions, commissioners: Commissioners, ledger: EpisodeLedger,
            handover_mean: float, disruption_days: float,
            patients_escalation: tuple[np.ndarray, ...]) -> Callable[[int, tuple], None]:
    """The pathway's first stage, `decide(pid, numbers)`, for the arrival stream. Every list
    it reads is the object that transitions and withdrawals change in place (who commissions
    each (service, ICS), whether it crosses, its routing table); commissioners' access rates
    and late-contract ends are read through memoryviews (a numpy scalar read costs ~100 ns).
    `patients_escalation` is the (e_handover_esc, u_outcome2, treat2) columns, read by patient
    id for the few who escalate."""
    queue, eid = env._queue, env._eid  # type: ignore[attr-defined]
    put = later(env).put  # waits due after the current quarter-day go in its buckets
    # per service: the volume-outcome curve's terms as `adverse_probability` computes them
    # (p_floor, p_ceiling - p_floor, v_half, k), adverse extra days, escalation share
    curves = [(o.p_floor, o.p_ceiling - o.p_floor, o.v_half, o.k, o.extra_days,
               o.escalation_share) for sn in net.services for o in (sn.spec.outcome,)]
    commissioner_of, crosses_of = transitions.commissioner, transitions.crosses
    routes_of, disrupted_until = transitions.routes, transitions.disrupted_until
    access = memoryview(commissioners.access)
    late_until = memoryview(commissioners.late_until)
    rules_of = [c.rules for c in net.commissioners]
    national_rules = rules_of[NATIONAL_INDEX]
    note_episode, note_payer = ledger.note_episode, ledger.note_payer
    # whether an adverse outcome at a unit may escalate: not at a national centre, and only
    # where the (service, ICS) has centres to go to (fixed lists: withdrawal never takes one)
    centres = [[routes(o, units).options for o in sn.centres] for sn in net.services]
    at_centre = [u.national_centre for u in net.units]
    outcomes = [sn.spec.outcome for sn in net.services]  # the escalation's (rare) curve
    e_handover_esc, u_outcome2, treat2 = patients_escalation

    def decide(pid: int, numbers: tuple) -> None:
        """The access decision by the commissioner of the specialised stage, routing, and the
        hand-over, approval and late-contract waits before joining a unit's list."""
        (s, i, priority, _, u_access, e_handover_in, e_approval, _, _, _, _, _,
         backlog, emergency) = numbers
        k = commissioner_of[s][i]
        rec.commissioner[pid] = k  # (the decision day is written by `arrivals.decisions`)
        crossings = 1 if crosses_of[s][i] else 0
        if emergency:
            # emergency: always accepted, no approval or hand-over before a bed; a full unit
            # sends the patient on to the next suitable one with a free bed (retrieval)
            (_, unit, choice), transfers = first_free(routes_of[s][i])
            rec.transfers[pid] = transfers
            join(Step(pid, numbers, unit, choice, crossings, 0.0), 0)
            return
        # a patient already on the list was accepted and handed over before t = 0
        if not backlog and priority == 1 and u_access >= access[k]:
            rec.status[pid] = UNMET  # refused: no routing, no hand-over
            return
        rules = rules_of[k]
        _, unit, choice = route(routes_of[s][i].options, rules.w_wait)
        if backlog:
            join(Step(pid, numbers, unit, choice, crossings, 0.0), priority)
            return
        # hand-over if the specialised stage has another commissioner; out-of-area approval;
        # a late contract holds new referrals back
        now = env._now  # type: ignore[attr-defined]
        handover = 0.0
        if crossings:
            handover += handover_mean * e_handover_in
        if now < disrupted_until[s][i]:  # a change of commissioner settling
            handover += disruption_days
        if choice.outside:
            handover += rules.approval_delay_days * e_approval
        delay = handover
        if now < late_until[k]:
            delay += rules.late_contract_delay_days
        step = Step(pid, numbers, unit, choice, crossings, handover)
        if delay > 0:
            step.callbacks = handed_over
            put((now + delay, NORMAL, next(eid), step), queue)
            return
        join(step, priority)

    def join(step: Step, priority: int) -> None:
        """Join the chosen unit's list; treatment starts now if a slot is free, else when the
        unit grants one (the step is scheduled, with `treat` as its callback)."""
        step.callbacks = slot_given
        if step.unit.join(priority, step.numbers[3], step):
            treat(step)

    def treat(step: Step) -> None:
        """Treatment starts (longer after an adverse outcome); with no escalation to follow,
        step-down and discharge are known now (no shared capacity) and the unit takes its slot
        back at the end of treatment without another stage."""
        (s, i, _, _, _, _, _, u_outcome, treat_days, u_escalate, e_handover_out,
         step_down, _, _) = step.numbers
        pid, unit, choice = step.pid, step.unit, step.choice
        now = env._now  # type: ignore[attr-defined]
        volume = unit.record_start(now)
        p_floor, span, v_half, k_exp, extra_days, escalation_share = curves[s]
        adverse = u_outcome < p_floor + span / (1.0 + (volume / v_half) ** k_exp)
        rec.status[pid] = TREATED
        rec.start[pid] = now
        rec.unit[pid] = choice.unit
        rec.volume[pid] = volume
        rec.adverse[pid] = adverse
        rec.km[pid] = choice.km  # (`displaced` is written after the run)
        # paid by whoever commissions the pair now: budgets and contracts move together at a
        # change of commissioner, so a patient accepted before it is paid for after it
        k = commissioner_of[s][i]
        note_episode(pid)  # `ledger`: priced and paid at the next settlement
        note_payer(k)
        end = now + (treat_days + (extra_days if adverse else 0.0))
        if adverse and u_escalate < escalation_share and not at_centre[choice.unit] \
                and centres[s][i]:
            steps = escalation(step, k, end)
            steps.send(None).callbacks.append(Resume(steps.send))  # type: ignore[union-attr]
            return
        crossings, hand_back = step.crossings, 0.0
        if crossings:  # the hand-back crosses too
            crossings += 1
            hand_back = handover_mean * e_handover_out
        rec.crossings[pid] = crossings
        rec.handover[pid] = step.handover + hand_back
        rec.discharge[pid] = end + hand_back + step_down
        step.callbacks = unit.release_slot
        put((end, NORMAL, next(eid), step), queue)

    def escalation(step: Step, k: int, end: float) -> Iterator[simpy.Event]:
        """An adverse outcome escalated to a national centre (NHSE-commissioned): the first
        treatment ends, a hand-over if the first unit was commissioned locally, a centre's
        list and treatment, then step-down to local care (computed, not simulated)."""
        pid, unit, numbers = step.pid, step.unit, step.numbers
        s, i, referral, e_handover_out, step_down = (numbers[0], numbers[1], numbers[3],
                                                      numbers[10], numbers[11])
        crossings, handover = step.crossings, step.handover
        del step, numbers
        wake = Wake()
        put((end, NORMAL, next(eid), wake), queue)
        yield wake
        unit.release()
        if k != NATIONAL_INDEX:
            crossings += 1
            escalation_delay = handover_mean * float(e_handover_esc[pid])
            handover += escalation_delay
            if escalation_delay > 0:
                wake = Wake()
                put((env._now + escalation_delay, NORMAL, next(eid), wake),  # type: ignore
                    queue)
                yield wake
        _, centre, centre_choice = route(centres[s][i], national_rules.w_wait)
        wake = Wake()
        if not centre.join(0, referral, wake):
            yield wake
        now = env._now  # type: ignore[attr-defined]
        volume = centre.record_start(now)
        adverse = float(u_outcome2[pid]) < adverse_probability(outcomes[s], volume)
        extra_days = curves[s][4]
        rec.escalated[pid] = True
        rec.esc_unit[pid] = centre_choice.unit
        rec.esc_start[pid] = now
        rec.esc_adverse[pid] = adverse
        note_episode(~pid)  # an escalation episode
        note_payer(NATIONAL_INDEX)
        wake = Wake()
        put((now + (float(treat2[pid]) + (extra_days if adverse else 0)), NORMAL, next(eid),
             wake), queue)
        yield wake
        centre.release()
        # after a national centre the hand-back always crosses to the ICS
        crossings += 1
        hand_back = handover_mean * e_handover_out
        rec.crossings[pid] = crossings
        rec.handover[pid] = handover + hand_back
        rec.discharge[pid] = env._now + hand_back + step_down  # type: ignore[attr-defined]

    def after_handover(step: Step) -> None:
        join(step, step.numbers[2])

    # each stage's callbacks, shared by every patient at that stage (`run_until` only reads)
    handed_over = [after_handover]
    slot_given = [treat]
    return decide
