"""Named random streams: one generator per purpose and entity, from one master seed.

A stream is keyed by its *name* (e.g. ``("arrivals", "E54000008", "hiv")``), hashed into the
spawn key of a `numpy.random.SeedSequence`. Adding a provider or a service therefore shifts no
other stream, and two scenarios that share a stream name see the same numbers (common random
numbers).
"""

from __future__ import annotations

import hashlib

import numpy as np


def stream(seed: int, replication: int, *name: str) -> np.random.Generator:
    """The generator for `name` in replication `replication` of master seed `seed`."""
    digest = hashlib.blake2b("/".join(name).encode(), digest_size=16).digest()
    words = [int(w) for w in np.frombuffer(digest, dtype=np.uint32)]
    sequence = np.random.SeedSequence(entropy=seed, spawn_key=(replication, *words))
    return np.random.Generator(np.random.PCG64(sequence))
