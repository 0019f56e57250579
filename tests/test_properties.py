"""Property tests (hypothesis): the waiting list, duration sampling and config merging hold
their rules for any input, not only the hand-picked cases elsewhere."""

from __future__ import annotations

import numpy as np
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config.loader import deep_merge
from sim.config.schema import Distribution
from sim.model.distributions import from_uniform
from sim.model.engine import Wake
from sim.model.unit import TreatmentUnit

joins = st.lists(st.tuples(st.integers(0, 1), st.floats(0, 1000, allow_nan=False)),
                 min_size=1, max_size=60)
actions = st.lists(st.one_of(st.just("release"), st.integers(1, 5)), max_size=80)


@settings(max_examples=200, deadline=None)
@given(slots=st.integers(1, 4), joining=joins, steps=actions)
def test_waiting_list_serves_by_priority_then_referral_time(slots, joining, steps):
    env = simpy.Environment()
    unit = TreatmentUnit(env, slots=slots, mean_treatment_days=1.0)
    started: list[tuple[int, float, int]] = []
    waiting: dict[int, tuple[Wake, tuple[int, float, int]]] = {}
    for seq, (priority, referral) in enumerate(joining):
        grant = Wake()
        key = (priority, referral, seq)
        if unit.join(priority, referral, grant):
            started.append(key)
        else:
            waiting[seq] = (grant, key)
    for step in steps:
        if step == "release":
            if unit.busy == 0:
                continue
            unit.release()
        else:
            unit.set_slots(step)
        granted = {id(entry[3]) for entry in env._queue}  # scheduled: a slot was given
        newly = sorted(key for grant, key in waiting.values() if id(grant) in granted)
        still = [key for grant, key in waiting.values() if id(grant) not in granted]
        # everyone who started now ranks before everyone still waiting
        if newly and still:
            assert max(newly) < min(still)
        for key in newly:
            del waiting[key[2]]
        assert unit.busy >= 0
        assert not waiting or unit.busy >= unit.slots  # no free slot while someone waits
    assert unit.waiting == len(waiting)


@settings(max_examples=50, deadline=None)
@given(kind=st.sampled_from(["exponential", "lognormal", "gamma"]),
       mean=st.floats(0.5, 500), cv=st.floats(0.1, 2.0))
def test_sampled_durations_are_monotone_in_u_and_have_the_configured_mean(kind, mean, cv):
    dist = Distribution(kind=kind, mean=mean, cv=None if kind == "exponential" else cv)
    u = (np.arange(200_000) + 0.5) / 200_000  # a fine grid: a quadrature of the quantile
    x = from_uniform(dist, u)
    assert (np.diff(x) >= 0).all() and (x >= 0).all()
    tolerance = 0.02 if kind == "exponential" or cv <= 1.0 else 0.08  # heavy right tail
    assert abs(x.mean() - mean) / mean < tolerance


keys = st.sampled_from(["a", "b", "c"])
mappings = st.recursive(st.integers(0, 9),
                        lambda inner: st.dictionaries(keys, inner, max_size=3), max_leaves=8)


@settings(max_examples=100, deadline=None)
@given(base=st.dictionaries(keys, mappings, max_size=3),
       override=st.dictionaries(keys, mappings, max_size=3))
def test_deep_merge_keeps_base_and_lets_the_override_win(base, override):
    merged = deep_merge(base, override)
    assert deep_merge(base, {}) == base
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            assert deep_merge(base[key], value) == merged[key]
        else:
            assert merged[key] == value
    for key in base.keys() - override.keys():
        assert merged[key] == base[key]
