"""A results folder as the report reads it: the tidy tables `specsim run`/`compare` wrote, their
run.json, the scenarios that produced them and one colour per scenario.

Figures and the HTML report take a `ResultsFolder`, never a live run, so `specsim report` can
redraw everything from disk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.config.geography import load_geography
from sim.config.schema import ICS, Provider, Scenario
from sim.presentation.style import scenario_colours

CI_NOTE = "Bars/whiskers: 95% CI."


class ResultsError(ValueError):
    """A results folder lacks a file or a scenario the report needs."""


@dataclass
class ResultsFolder:
    """The stored tables of one run or compare folder, with the scenarios that produced them."""

    kpis: pd.DataFrame
    waits: pd.DataFrame
    meta: dict
    baseline: str
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    names: list[str] = field(init=False)
    colours: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.names = [str(n) for n in pd.unique(self.kpis.scenario)]
        self.colours = scenario_colours(self.names)
        if not self.scenarios:
            self.scenarios = {name: Scenario.model_validate(entry["config"])
                              for name, entry in self.meta.get("scenarios", {}).items()}

    def note(self, how_to_read: str = CI_NOTE) -> str:
        """A figure's source line: scenarios, replications, seed, window; then how to read it."""
        files = ", ".join(self.names)
        return (f"Source: specsim, scenarios {files}; {self.meta.get('replications', '?')} "
                f"replications, seed {self.meta.get('seed', '?')}, "
                f"{self.meta.get('years', '?')} y after {self.meta.get('warmup_days', '?')} d "
                f"warm-up. {how_to_read}")

    def geography(self) -> tuple[tuple[ICS, ...], tuple[Provider, ...]]:
        """ICSs and providers of the (shared) geography, for maps and region groups."""
        scenario = next(iter(self.scenarios.values()))
        return load_geography(scenario.geography)

    def service_name(self, service: str) -> str:
        """A service's short name for an axis (its id if no scenario defines it)."""
        scenario = next(iter(self.scenarios.values()), None)
        if scenario and service in scenario.services:
            name = scenario.services[service].name.split(" (")[0]
            return name if len(name) <= 34 else name[:32] + "…"
        return service


def load_results(folder: Path, baseline: str | None = None) -> ResultsFolder:
    """The stored tables of a run/compare folder; the baseline defaults to the first scenario."""
    missing = [n for n in ("kpis.parquet", "waits.parquet", "run.json")
               if not (folder / n).is_file()]
    if missing:
        raise ResultsError(f"{folder}: missing {', '.join(missing)} (expected the output folder "
                           "of 'specsim run' or 'specsim compare')")
    kpis = pd.read_parquet(folder / "kpis.parquet")
    waits = pd.read_parquet(folder / "waits.parquet")
    meta = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    names = [str(n) for n in pd.unique(kpis.scenario)]
    chosen = baseline or meta.get("baseline") or names[0]
    if chosen not in names:
        raise ResultsError(f"{folder}: baseline {chosen!r} is not a scenario here; allowed: "
                           f"{', '.join(names)}")
    return ResultsFolder(kpis, waits, meta, chosen)
