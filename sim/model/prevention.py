"""Prevention and early intervention by ICSs that commission a pathway end to end (issue 17).

The Shelford Group (2022) welcomed delegation's "focus on early intervention, prevention and
health promotion". With `mechanisms.prevention` on, an ICS whose pathway for a service has no
commissioning boundary (it commissions local care and the specialised stage: `ics` or
`collaborative`) prevents a share of the specialised referrals made after `lag_days`: they
never happen (`effect: referrals`) or are managed locally (`effect: local_management`).

Thinning is keyed like every patient draw: patient k of (ICS, service) meets uniform k of the
stream ("prevention", ICS, service) in every scenario, so switching prevention on moves no
other draw (common random numbers), and a scenario without it is not touched at all.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sim.config.mechanisms import Prevention
from sim.model.network import Network
from sim.model.patients import Patients
from sim.model.rng import stream


@dataclass(frozen=True)
class Prevented:
    """The referrals prevention took away from the specialised stage (one entry each)."""

    ics: np.ndarray
    service: np.ndarray
    referral: np.ndarray

    @classmethod
    def none(cls) -> Prevented:
        empty = np.zeros(0, dtype=np.int32)
        return cls(empty, empty, np.zeros(0))


def prevented_mask(network: Network, rules: Prevention, patients: Patients, seed: int,
                   replication: int, stream_salt: str = "") -> np.ndarray:
    """Which patients prevention takes away: specialised referrals (not already managed
    locally, not on the list at t = 0) made after the lag, in an end-to-end pathway, whose
    uniform falls below the prevented share."""
    p = patients
    prevented = np.zeros(len(p), dtype=bool)
    share = -rules.incidence_change_pct / 100.0
    if not rules.enabled or share <= 0:
        return prevented
    n_icss = len(network.icss)
    key = p.service.astype(np.int64) * n_icss + p.ics
    order = np.lexsort((np.arange(len(p)), p.backlog, key))  # per pair, arrivals in order
    pairs, first = np.unique(key[order], return_index=True)
    bounds = np.append(first, len(order))
    for pair, start, end in zip(pairs.tolist(), bounds[:-1].tolist(), bounds[1:].tolist(),
                                strict=True):
        s, i = divmod(pair, n_icss)
        sn = network.services[s]
        if sn.crosses[i]:
            continue  # someone else commissions part of the pathway: no prevention
        idx = order[start:end]
        idx = idx[~p.backlog[idx]]
        u = stream(seed, replication, "prevention", network.icss[i].code,
                   sn.id + stream_salt).random(len(idx))
        prevented[idx] = ((u < share) & ~p.local[idx] & (p.referral[idx] >= rules.lag_days))
    return prevented


def apply_prevention(network: Network, rules: Prevention, patients: Patients, seed: int,
                     replication: int, stream_salt: str = "") -> tuple[Patients, Prevented]:
    """The patients after prevention, and the referrals it prevented."""
    mask = prevented_mask(network, rules, patients, seed, replication, stream_salt)
    if not mask.any():
        return patients, Prevented.none()
    p = patients
    gone = Prevented(p.ics[mask], p.service[mask], p.referral[mask])
    if rules.effect == "local_management":
        local = p.local.copy()
        local[mask] = True
        return Patients(**{f.name: (local if f.name == "local" else getattr(p, f.name))
                           for f in fields(Patients)}), gone
    keep = ~mask
    return Patients(**{f.name: getattr(p, f.name)[keep] for f in fields(Patients)}), gone
