"""One replication of one scenario: the SimPy processes of MODEL_SPEC sections 3 and 4.

`Simulation.run()` returns a :class:`RunResult` of columnar patient records and unit and
commissioner accounts; the KPIs of MODEL_SPEC section 5 are computed from it in
:mod:`sim.model.kpis`. The model knows nothing of replications or executors.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import simpy

from sim.config.schema import Scenario
from sim.model.distributions import residual
from sim.model.network import Candidate, Network, build_network
from sim.model.outcomes import adverse_probability
from sim.model.patients import Patients, generate_patients
from sim.model.rng import stream
from sim.model.unit import TreatmentUnit

PENDING, MANAGED_LOCALLY, UNMET, TREATED = 0, 1, 2, 3
REVIEW_DAYS = 365.0 / 4.0
MAX_CUT_LEVEL = 3
_CHUNK = 8192  # patients whose numbers `_referrals` holds as Python objects at once


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
    payer: np.ndarray

    @classmethod
    def empty(cls, n: int) -> PatientRecords:
        nan = np.full(n, np.nan)
        return cls(
            status=np.zeros(n, np.int8), decision=nan.copy(), start=nan.copy(),
            unit=np.full(n, -1, np.int32), volume=nan.copy(), adverse=np.zeros(n, bool),
            escalated=np.zeros(n, bool), esc_unit=np.full(n, -1, np.int32),
            esc_start=nan.copy(), esc_adverse=np.zeros(n, bool),
            crossings=np.zeros(n, np.int8), handover=np.zeros(n), km=nan.copy(),
            displaced=np.zeros(n, bool), discharge=nan.copy(), payer=np.full(n, -1, np.int32),
        )


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


class _Resume:
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


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: with ~10^5 live events and generators its passes
    took half the run time (measured), and the hot path creates no reference cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
        self.network = network or build_network(scenario)
        self.env = simpy.Environment()
        net = self.network
        self.units = [
            TreatmentUnit(self.env, u.slots, net.services[u.service].mean_service_days)
            for u in net.units
        ]
        self.patients = generate_patients(net, self.seed, replication, self.horizon,
                                          stream_salt)
        self.records = PatientRecords.empty(len(self.patients))
        # hot-path look-ups as Python lists (numpy scalar indexing costs ~100 ns a time)
        self._rows = self._pack()
        self._handover_mean = scenario.pathway.handover_delay_days
        self._payer = [sn.payer.tolist() for sn in net.services]
        self._crosses = [sn.crosses.tolist() for sn in net.services]
        self._nearest = [sn.nearest.tolist() for sn in net.services]
        self._outcome = [(o.p_floor, o.p_ceiling - o.p_floor, o.v_half, o.k)
                         for o in (sn.spec.outcome for sn in net.services)]
        n_comm = len(net.commissioners)
        self.access = np.array([
            min(1.0, max(0.0, c.rules.access_rate + c.rules.access_rate_sd
                         * stream(self.seed, replication, "access",
                                  c.key + self.salt).standard_normal()))
            for c in net.commissioners
        ])
        self.base_access = self.access.copy()
        self.cut_level = np.zeros(n_comm, dtype=np.int64)
        self.late_until = np.full(n_comm, -1.0)
        n_years = int(math.ceil(self.horizon / 365.0)) + 1
        self.spend_by_year = np.zeros((n_comm, n_years))
        self.spend_window = np.zeros(n_comm)
        self.capacity_cuts = 0
        self.controlled_units = [
            [k for k, u in enumerate(net.units) if u.icb in c.footprint and u.service in c.services]
            for c in net.commissioners
        ]

    # -- the run ---------------------------------------------------------------------------
    def run(self) -> RunResult:
        env = self.env
        if self.scenario.pathway.prefill:
            self._prefill()
        self._launch(self._referrals())  # no Process: its wake-ups are fresh events
        env.process(self._budget_review())
        env.process(self._contracts())
        env.process(self._end_of_warmup())
        with _cyclic_gc_paused():
            env.run(until=self.horizon)
        for unit in self.units:
            unit.close_stats()
        net = self.network
        budget = np.array([self._budget(c, self.warmup, self.horizon)
                           for c in range(len(net.commissioners))])
        return RunResult(
            scenario=self.scenario, network=net, patients=self.patients, records=self.records,
            warmup=self.warmup, horizon=self.horizon,
            unit_busy_area=np.array([u.busy_area for u in self.units]),
            unit_slot_area=np.array([u.slot_area for u in self.units]),
            spend_window=self.spend_window, budget_window=budget,
            capacity_cuts=self.capacity_cuts, events=next(env._eid),  # type: ignore[attr-defined]
        )

    def _prefill(self) -> None:
        """Start each unit with the patients a stationary system would have in treatment, so
        long-stay services (secure care, dialysis) need no years-long warm-up."""
        for spec, unit in zip(self.network.units, self.units, strict=True):
            sn = self.network.services[spec.service]
            service = sn.spec
            rng = stream(self.seed, self.replication, "prefill", sn.id,
                         spec.provider + self.salt)
            n = min(int(rng.poisson(spec.expected_busy)), unit.slots)
            for remaining in residual(service.treatment_days, rng, n):
                unit.occupy()
                self.env.timeout(float(remaining)).callbacks.append(
                    lambda _event, unit=unit: unit.release()
                )

    def _end_of_warmup(self):
        yield self.env.timeout(self.warmup)
        for unit in self.units:
            unit.reset_stats()

    def _referrals(self):
        """Every patient's access decision, in time order.

        Nothing a patient does between referral and decision (local assessment) touches shared
        state, so no event is spent on it: patients managed locally are recorded at once, and
        the others start at their decision time (referral + assessment).
        """
        env = self.env
        p, rec = self.patients, self.records
        decide_at = p.referral + p.assess
        local = p.local
        rec.status[local] = MANAGED_LOCALLY
        rec.decision[local] = decide_at[local]
        specialised = np.flatnonzero(~local)
        order = np.argsort(decide_at[specialised], kind="stable")
        patients = specialised[order]
        decide = decide_at[patients]
        launch, patient = self._launch, self._patient
        for first in range(0, len(patients), _CHUNK):  # Python numbers a chunk at a time
            last = first + _CHUNK
            for pid, t in zip(patients[first:last].tolist(), decide[first:last].tolist(),
                              strict=True):
                if t > env.now:
                    yield env.timeout(t - env.now)
                launch(patient(pid))

    @staticmethod
    def _launch(steps: Iterator[simpy.Event]) -> None:
        """Drive a patient's generator from event callbacks: a `simpy.Process` without its
        start-up and end events (two of every patient's six). The generator yields fresh,
        untriggered events only."""
        _Resume(steps.send)(None)

    def _pack(self) -> np.ndarray:
        """The per-patient numbers `_patient` reads, one row per patient, so that a patient
        reads them with one `tolist()` instead of sixteen numpy scalar look-ups."""
        p = self.patients
        return np.column_stack([
            p.service, p.icb, p.priority, p.referral, p.assess, p.u_access, p.e_handover_in,
            p.e_approval, p.u_outcome, p.treat, p.u_escalate, p.e_handover_esc, p.u_outcome2,
            p.treat2, p.e_handover_out, p.step_down,
        ]).astype(np.float64)

    # -- the pathway of one patient ----------------------------------------------------------
    def _patient(self, pid: int) -> Iterator[simpy.Event]:
        env, rec = self.env, self.records
        net = self.network
        (s_index, i_f, priority_f, referral, assess, u_access, e_handover_in, e_approval,
         u_outcome, treat, u_escalate, e_handover_esc, u_outcome2, treat2, e_handover_out,
         step_down) = self._rows[pid].tolist()
        s = int(s_index)
        sn = net.services[s]
        i = int(i_f)
        priority = int(priority_f)
        service = sn.spec
        handover_mean = self._handover_mean

        # local assessment (ICS-commissioned) is over: `_referrals` starts us at the decision
        # access decision by the commissioner of the specialised stage
        payer = self._payer[s][i]
        now = env.now
        rec.payer[pid] = payer
        rec.decision[pid] = now
        if priority == 1 and u_access >= self.access[payer]:
            rec.status[pid] = UNMET
            return
        rules = net.commissioners[payer].rules

        # routing, hand-over, out-of-area approval, late contracts
        choice = self._route(sn.candidates[i], rules.w_wait)
        crossings = 0
        handover = 0.0
        crosses = self._crosses[s][i]
        if crosses:
            crossings += 1
            handover += handover_mean * e_handover_in
        if choice.outside:
            handover += rules.approval_delay_days * e_approval
        delay = handover
        if now < self.late_until[payer]:
            delay += rules.late_contract_delay_days
        if delay > 0:
            yield env.timeout(delay)

        # wait and treatment
        unit = self.units[choice.unit]
        grant = unit.join(priority, referral)
        if grant is not None:
            yield grant
        now = env.now
        volume = unit.record_start(now)
        outcome = service.outcome
        p_floor, span, v_half, k = self._outcome[s]  # adverse_probability, inlined
        adverse = u_outcome < p_floor + span / (1.0 + (max(volume, 0.0) / v_half) ** k)
        rec.status[pid] = TREATED
        rec.start[pid] = now
        rec.unit[pid] = choice.unit
        rec.volume[pid] = volume
        rec.adverse[pid] = adverse
        rec.km[pid] = choice.km
        rec.displaced[pid] = choice.unit != self._nearest[s][i]
        self._pay(payer, service.tariff_gbp, now)
        yield env.timeout(treat + (outcome.extra_days if adverse else 0.0))
        unit.release()

        # escalation of an adverse outcome to a national centre (NHSE-commissioned)
        last_payer_crosses = crosses
        if (adverse and u_escalate < outcome.escalation_share
                and not net.units[choice.unit].national_centre and sn.centres[i]):
            national = net.national
            if payer != national:
                crossings += 1
                esc_delay = handover_mean * e_handover_esc
                handover += esc_delay
                if esc_delay > 0:
                    yield env.timeout(esc_delay)
            centre_choice = self._route(sn.centres[i], net.commissioners[national].rules.w_wait)
            centre = self.units[centre_choice.unit]
            grant = centre.join(0, referral)
            if grant is not None:
                yield grant
            now = env.now
            esc_adverse = u_outcome2 < adverse_probability(outcome, centre.record_start(now))
            rec.escalated[pid] = True
            rec.esc_unit[pid] = centre_choice.unit
            rec.esc_start[pid] = now
            rec.esc_adverse[pid] = esc_adverse
            self._pay(national, service.tariff_gbp, now)
            yield env.timeout(treat2 + (outcome.extra_days if esc_adverse else 0))
            centre.release()
            last_payer_crosses = True

        # step-down to local care and discharge (no shared capacity: computed, not simulated)
        hand_back = 0.0
        if last_payer_crosses:
            crossings += 1
            hand_back = handover_mean * e_handover_out
        rec.crossings[pid] = crossings
        rec.handover[pid] = handover + hand_back
        rec.discharge[pid] = env.now + hand_back + step_down

    def _route(self, options: list[Candidate], w_wait: float) -> Candidate:
        """Lowest score w_distance*km + w_wait*expected_wait + w_out_of_area*[outside] wins.

        Options are sorted by their fixed part and the wait term is never negative, so the scan
        stops as soon as a fixed part alone cannot beat the best total.
        """
        units = self.units
        best = options[0]
        best_total = best.base_score + w_wait * units[best.unit].expected_wait_days()
        for option in options[1:]:
            if option.base_score >= best_total:
                break
            total = option.base_score + w_wait * units[option.unit].expected_wait_days()
            if total < best_total:
                best, best_total = option, total
        return best

    # -- commissioners -----------------------------------------------------------------------
    def _pay(self, commissioner: int, amount: float, now: float) -> None:
        self.spend_by_year[commissioner, int(now // 365.0)] += amount
        if now >= self.warmup:
            self.spend_window[commissioner] += amount

    def _budget(self, commissioner: int, start: float, end: float) -> float:
        """Budget for [start, end): the annual budget at t=0 growing at `budget_growth`."""
        c = self.network.commissioners[commissioner]
        growth = c.rules.budget_growth
        if end <= start:
            return 0.0
        if growth == 0:
            return c.budget0 * (end - start) / 365.0
        rate = math.log1p(growth)
        return c.budget0 * ((1 + growth) ** (end / 365.0) - (1 + growth) ** (start / 365.0)) / rate

    def _budget_review(self):
        """Quarterly: a `deprioritise` commissioner over budget (financial year to date) by more
        than its threshold cuts capacity on the units it commissions and tightens access; back
        within budget, it restores one step. `absorb` commissioners do nothing."""
        env, net = self.env, self.network
        reviewers = [k for k, c in enumerate(net.commissioners)
                     if c.rules.budget_policy == "deprioritise" and c.budget0 > 0]
        if not reviewers:
            return
        while True:
            yield env.timeout(REVIEW_DAYS)
            now = env.now
            year = int((now - 1e-9) // 365.0)
            for k in reviewers:
                rules = net.commissioners[k].rules
                budget = self._budget(k, year * 365.0, now)
                spend = self.spend_by_year[k, year]
                level = self.cut_level[k]
                if spend > budget * (1.0 + rules.review_threshold) and level < MAX_CUT_LEVEL:
                    level += 1
                    self.capacity_cuts += 1
                elif spend <= budget and level > 0:
                    level -= 1
                else:
                    continue
                self.cut_level[k] = level
                self.access[k] = max(0.0, self.base_access[k] - level * rules.access_tighten_step)
                keep = (1.0 - rules.capacity_cut_share) ** level
                for u in self.controlled_units[k]:
                    unit = self.units[u]
                    unit.set_slots(max(1, round(unit.base_slots * keep)))

    def _contracts(self):
        """Annual contract round: a commissioner signing late delays new referrals for a while."""
        env, net = self.env, self.network
        late = [(k, c) for k, c in enumerate(net.commissioners)
                if c.rules.late_contract_probability > 0 and c.rules.late_contract_days > 0]
        if not late:
            return
        n_years = int(math.ceil(self.horizon / 365.0))
        draws = {k: stream(self.seed, self.replication, "contracts",
                           c.key + self.salt).random(n_years)
                 for k, c in late}
        for year in range(n_years):
            if year:
                yield env.timeout(365.0)
            for k, c in late:
                if draws[k][year] < c.rules.late_contract_probability:
                    self.late_until[k] = env.now + c.rules.late_contract_days


def simulate(scenario: Scenario, replication: int, **kwargs) -> RunResult:
    """Build and run one replication."""
    return Simulation(scenario, replication, **kwargs).run()
