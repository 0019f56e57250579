"""Research and innovation: trial recruitment at research-active units (issue 17).

The Shelford Group (2022): critical mass "supports patient recruitment to the research trials
essential to improving treatment and care"; fragmenting provision "could damage innovation,
research and life sciences". With `mechanisms.research` on, a unit is research-active when its
annual volume (treatments started after the warm-up, per year) reaches
`active_share_of_min_volume` times its service's minimum unit volume, and recruits
`recruitment_share` of the patients it treats to trials (an expected count). Which trusts carry
the recruitment is read from the providers' `tertiary` flag (the Shelford Group members in the
England data). The mechanism measures; it changes no patient's pathway.
"""

from __future__ import annotations

import numpy as np

from sim.config.mechanisms import Research
from sim.model.network import Network


def research_active(network: Network, rules: Research, unit_starts: np.ndarray,
                    years: float) -> np.ndarray:
    """Per unit: whether its annual volume reaches the research-active volume."""
    threshold = np.array([rules.active_share_of_min_volume
                          * network.services[u.service].spec.min_unit_volume
                          for u in network.units])
    volume = unit_starts / years if years > 0 else np.zeros(len(unit_starts))
    return (volume > 0) & (volume >= threshold)


def tertiary_units(network: Network) -> np.ndarray:
    """Per unit: whether its trust is tertiary (a Shelford Group member in the England data)."""
    tertiary = {p.code for p in network.providers if p.tertiary}
    return np.array([u.provider in tertiary for u in network.units], dtype=bool)
