"""The runs of `specsim advise`: delegation plans, their scenarios, a run budget, and resume.

A plan is a set of moves (service or service group -> arrangement) applied to one scenario's
`commissioning.services`; the empty plan is the scenario itself. Replication r of every plan
uses the scenario's seed and index r, so plans are compared under common random numbers.

Runs are stored as sweeps store theirs (`sim.experiment.sweep.execute`: one atomic Parquet
file per run in `DIR/runs/`), so an interrupted advise resumes without running anything twice.
The budget counts every run the advice *asks for*, whether it ran now or was found on disk, so
a resumed advice takes exactly the decisions the first attempt took (results are read back
from the same files either way).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.config import Scenario, config_hash
from sim.config.arrangements import ARRANGEMENTS
from sim.experiment.executors import Executor
from sim.experiment.outputs import read_table
from sim.experiment.runner import Progress, RunTask
from sim.experiment.store import write_atomic, write_json
from sim.experiment.sweep import SweepRun, SweepStateError, execute

Move = tuple[str, str]
"""(service or service group id, arrangement)."""
BASE_ID = "scenario"


class AdviseStateError(SweepStateError):
    """The output folder holds a different advice, or runs without --resume."""


class BudgetExhausted(Exception):
    """Asking for these runs would exceed the run budget (nothing was run)."""


@dataclass(frozen=True, order=True)
class Plan:
    """Service -> arrangement moves applied to the scenario; sorted, one move per line."""

    moves: tuple[Move, ...] = ()

    @classmethod
    def of(cls, moves: Iterable[Move]) -> Plan:
        found = dict(moves)
        return cls(tuple(sorted(found.items())))

    @property
    def id(self) -> str:
        """A short stable name (scenario name and file stem)."""
        if not self.moves:
            return BASE_ID
        digest = hashlib.sha1(json.dumps(self.moves).encode()).hexdigest()[:10]
        return f"plan-{digest}"

    @property
    def label(self) -> str:
        """How a planner reads it: 'hiv -> ics, renal_dialysis -> ics'."""
        return ", ".join(f"{s} -> {a}" for s, a in self.moves) or "the scenario as it is"

    @property
    def lines(self) -> set[str]:
        return {s for s, _ in self.moves}

    def plus(self, move: Move) -> Plan:
        return Plan.of([*self.moves, move])

    def minus(self, line: str) -> Plan:
        return Plan.of(m for m in self.moves if m[0] != line)


@dataclass(frozen=True)
class Line:
    """A service or service group whose commissioning a plan may change."""

    id: str
    name: str
    kind: str  # "service" or "service group"
    arrangement: str  # in the scenario


def candidate_lines(base: Scenario, groups: bool) -> list[Line]:
    """Delegable services (and delegable service groups if `groups`), in the scenario's order."""
    lines = [Line(sid, s.name, "service", base.commissioning.arrangement_for(sid, s.delegable))
             for sid, s in base.services.items() if s.delegable]
    if groups:
        lines += [Line(gid, g.name, "service group",
                       base.commissioning.arrangement_for(gid, g.delegable))
                  for gid, g in base.service_groups.items() if g.delegable]
    return lines


def candidate_moves(lines: Sequence[Line], arrangements: Sequence[str]) -> list[Move]:
    """Every (line, arrangement) that changes the scenario: line-major order."""
    for a in arrangements:
        if a not in ARRANGEMENTS:
            raise ValueError(f"unknown arrangement {a!r}; allowed: {', '.join(ARRANGEMENTS)}")
    return [(line.id, a) for line in lines for a in arrangements if a != line.arrangement]


def plan_scenario(base: Scenario, plan: Plan) -> Scenario:
    """The scenario with the plan's moves in `commissioning.services`, named by the plan."""
    data = base.model_dump()
    data["commissioning"]["services"].update(dict(plan.moves))
    data["name"] = plan.id
    data["description"] = f"{base.name} with {plan.label}"
    return Scenario.model_validate(data)


@dataclass
class AdviseRuns:
    """The runs of one advice in `folder/runs`, within `budget` runs in total."""

    base: Scenario
    seed: int
    years: float
    warmup_days: float
    folder: Path
    executor: Executor
    budget: int
    progress: Progress | None = None
    asked: set[tuple[str, int]] = field(default_factory=set)
    ran: int = 0  # runs simulated by this process (the rest were found on disk)
    done: int = 0  # runs asked for and on disk

    @property
    def runs_dir(self) -> Path:
        return self.folder / "runs"

    @property
    def used(self) -> int:
        return len(self.asked)

    @property
    def remaining(self) -> int:
        return self.budget - self.used

    def cost(self, plans: Iterable[Plan], replications: Iterable[int]) -> int:
        """Runs that `ensure` would add to the budget."""
        reps = list(replications)
        return sum(1 for p in set(plans) for r in reps if (p.id, r) not in self.asked)

    def ensure(self, plans: Sequence[Plan], replications: Iterable[int]) -> None:
        """Make sure replications `replications` of every plan exist on disk: run what is
        missing (in plan then replication order), or raise BudgetExhausted before any run."""
        reps = list(replications)
        plans = list(dict.fromkeys(plans))
        if self.used + self.cost(plans, reps) > self.budget:
            raise BudgetExhausted(f"{self.cost(plans, reps)} more runs needed, "
                                  f"{self.remaining} left of {self.budget}")
        wanted = [(p, r) for p in plans for r in reps if (p.id, r) not in self.asked]
        self.asked.update((p.id, r) for p, r in wanted)
        todo = [SweepRun(0, RunTask(plan_scenario(self.base, p), r, self.seed, self.years,
                                    self.warmup_days), {})
                for p, r in wanted if not self._file(p, r).exists()]
        self.done += len(wanted) - len(todo)
        self._tick()
        for k, (data, error) in self.executor.map_unordered(execute, todo):
            run = todo[k]
            if data is None:
                raise RuntimeError(f"run {run.task.scenario.name} replication "
                                   f"{run.task.replication} failed: "
                                   f"{(error or '').strip().splitlines()[-1][:300]}")
            write_atomic(self.runs_dir / f"{run.task.scenario.name}-{run.task.replication}"
                         ".parquet", data)
            self.ran += 1
            self.done += 1
            self._tick()

    def kpis(self, plan: Plan, replications: Iterable[int]) -> pd.DataFrame:
        """The tidy KPI table of a plan's stored runs (scenario column: the plan id)."""
        return pd.concat([read_table(self._file(plan, r)) for r in replications],
                         ignore_index=True)

    def _file(self, plan: Plan, replication: int) -> Path:
        return self.runs_dir / f"{plan.id}-{replication}.parquet"

    def _tick(self) -> None:
        if self.progress:
            self.progress(self.done, self.budget)


def fingerprint(base: Scenario, settings: dict, extra: dict) -> dict:
    """What must match for --resume to continue an advice in the same folder."""
    return {"scenario_hash": config_hash(base), **settings, **extra}


def check_state(folder: Path, stamp: dict, resume: bool) -> None:
    """Refuse a folder holding another advice (or runs, without --resume); then record ours."""
    state = folder / "advise.json"
    runs = folder / "runs"
    has_runs = runs.exists() and any(runs.glob("*.parquet"))
    if not resume and (state.exists() or has_runs):
        raise AdviseStateError(f"{folder} already holds runs; rerun with --resume to finish "
                               f"them, or choose another --out")
    if resume and state.exists():
        stored = json.loads(state.read_text(encoding="utf-8")).get("fingerprint")
        if stored != stamp:
            raise AdviseStateError(f"{state} was written by a different advice (scenario, "
                                   f"footprints, objective or settings changed); --resume needs "
                                   f"the same command")
    runs.mkdir(parents=True, exist_ok=True)
    write_json(state, {"fingerprint": stamp})
