"""Names a person reads instead of codes: ICSs, regions, trusts, units and scenarios.

The tidy tables keep codes (`E54000008`, `cardiac_surgery/R0A`) because codes join; everything
a planner reads (figure labels, report tables, workbook sheets) goes through `Names`, which
looks the codes up in the scenario's geography (the package data for England).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from sim.config.schema import ICS, Provider, Scenario

# how the shipped scenarios are written in a sentence; other names: underscores become spaces
SCENARIO_TITLES = {
    "centralised": "national commissioning (centralised)",
    "ics_delegation": "delegation to the ICSs",
    "collaborative": "delegation to ICS joint committees",
    "selective_delegation": "selective delegation",
    "england": "the England default",
}


def scenario_title(name: str) -> str:
    """A scenario name as words for a sentence ('ics_delegation' -> 'delegation to the ICSs')."""
    return SCENARIO_TITLES.get(name, name.replace("_", " "))


def short_ics(name: str) -> str:
    """'NHS Cheshire and Merseyside Integrated Care Board' -> 'Cheshire and Merseyside'."""
    name = re.sub(r"^NHS\s+", "", name)
    return re.sub(r"\s+Integrated Care Board$", "", name).strip()


def short_trust(name: str) -> str:
    """'Manchester University NHS Foundation Trust' -> 'Manchester University NHS FT'."""
    return name.replace("NHS Foundation Trust", "NHS FT").replace("NHS Trust", "NHS Trust")


@dataclass
class Names:
    """Look-ups from code to name for one geography (and the services of one scenario)."""

    icss: tuple[ICS, ...]
    providers: tuple[Provider, ...]
    services: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._ics = {i.code: i for i in self.icss}
        self._provider = {p.code: p for p in self.providers}

    @classmethod
    def of(cls, icss: tuple[ICS, ...], providers: tuple[Provider, ...],
           scenario: Scenario | None = None) -> Names:
        services = ({sid: s.name for sid, s in scenario.services.items()}
                    if scenario is not None else {})
        return cls(icss, providers, services)

    def ics(self, code: str) -> str:
        """An ICS's short name ('Cheshire and Merseyside'); unknown codes stay codes."""
        i = self._ics.get(code)
        return short_ics(i.name) if i else str(code)

    def ics_full(self, code: str) -> str:
        i = self._ics.get(code)
        return i.name if i else str(code)

    def region(self, code: str) -> str:
        """The NHS region of an ICS code."""
        i = self._ics.get(code)
        return i.region_name if i else "?"

    def trust(self, code: str) -> str:
        p = self._provider.get(code)
        return short_trust(p.name) if p else str(code)

    def service(self, sid: str) -> str:
        return self.services.get(sid, sid.replace("_", " "))

    def unit(self, key: str) -> str:
        """'cardiac_surgery/R0A' -> 'Adult cardiac surgery at Manchester University NHS FT'."""
        service, _, provider = str(key).partition("/")
        if not provider:
            return self.service(service)
        return f"{self.service(service)} at {self.trust(provider)}"

    def ics_order(self, codes: list[str]) -> list[str]:
        """ICS codes ordered by region, then by name (how the figures and sheets list them)."""
        return sorted(codes, key=lambda c: (self.region(c), self.ics(c)))

    def name_column(self, scope: str, keys: pd.Series) -> pd.Series:
        """What a person reads for the `key` column of a tidy table at `scope`."""
        if scope == "ics":
            return keys.map(self.ics)
        if scope == "unit":
            return keys.map(self.unit)
        if scope == "service":
            return keys.map(self.service)
        if scope == "commissioner":
            return keys.map(self.commissioner)
        return keys.astype(str)

    def commissioner(self, key: str) -> str:
        """'ICS E54000008' -> 'ICS Cheshire and Merseyside'; other commissioners unchanged."""
        kind, _, code = str(key).partition(" ")
        if kind == "ICS" and code in self._ics:
            return f"ICS {self.ics(code)}"
        return str(key)


def names_for(res) -> Names:  # noqa: ANN001 - a ResultsFolder (not imported: no cycle)
    """The look-ups for a results folder's (shared) geography and first scenario's services."""
    icss, providers = res.geography()
    return Names.of(icss, providers, next(iter(res.scenarios.values()), None))
