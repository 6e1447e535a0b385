"""Spreading a lottery over profiles onto concrete panels: every member of a group gets the
same probability, every panel follows the profile it comes from, and the support stays
within the profiles plus one cut per member and number taken."""

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gemeinsam.sortition.algorithms.pool import Group
from gemeinsam.sortition.algorithms.spread import spread, wrap_turns


def fake_pool(sizes: list[int], k: int):
    """What spread() reads of a Pool: the groups' members and the panel size."""
    groups, start = [], 0
    for size in sizes:
        groups.append(Group(list(range(start, start + size)), size))
        start += size
    return SimpleNamespace(groups=groups, instance=SimpleNamespace(size=k))


def check(sizes: list[int], profiles: np.ndarray, weights: np.ndarray):
    k = int(profiles[0].sum())
    pool = fake_pool(sizes, k)
    weights = weights / weights.sum()
    panels = spread(pool, profiles, weights)
    assert sum(p for p, _ in panels) == pytest.approx(1.0, abs=1e-12)
    group_of = np.repeat(np.arange(len(sizes)), sizes)
    chance = np.zeros(sum(sizes))
    rows = {tuple(row) for row in profiles[weights > 0]}
    for probability, members in panels:
        assert probability > 0
        assert len(set(members.tolist())) == len(members) == k
        counts = np.bincount(group_of[members], minlength=len(sizes))
        assert tuple(counts) in rows  # the panel is one of the profiles, made concrete
        chance[members] += probability
    expected = (weights @ profiles) / np.array(sizes)
    assert chance == pytest.approx(expected[group_of], abs=1e-12)
    partial = sum(
        sizes[g] * len({c for c in profiles[weights > 0, g] if 0 < c < sizes[g]})
        for g in range(len(sizes))
    )
    assert len(panels) <= (weights > 0).sum() + partial
    return panels


@st.composite
def lotteries(draw):
    sizes = draw(st.lists(st.integers(1, 6), min_size=1, max_size=6))
    count = draw(st.integers(1, 12))
    rows = [[draw(st.integers(0, size)) for size in sizes] for _ in range(count)]
    # Every profile must take k members: pad with an always-full extra group.
    largest = max(sum(row) for row in rows) + 1
    rows = [[*row, largest - sum(row)] for row in rows]
    sizes = [*sizes, largest]
    weights = [draw(st.floats(0.0, 1.0)) for _ in range(count)]
    weights[0] += 0.01  # not all zero
    return sizes, np.array(rows), np.array(weights)


@settings(max_examples=200, deadline=None)
@given(lotteries())
def test_members_of_a_group_get_equal_shares_on_panels_that_follow_the_profiles(case):
    check(*case)


def test_a_member_who_would_meet_themselves_is_cut_per_number_taken():
    # Three interchangeable people: mostly one of them is taken, briefly two. Seat 1 is open
    # for 0.01 only, less than a member's share, so one wrap-around would seat someone twice.
    sizes = [3, 8, 1]
    profiles = np.array([[1, 8, 1], [1, 8, 1], [2, 8, 0], [1, 8, 1]])
    weights = np.array([0.4, 0.3, 0.01, 0.29])
    end = np.cumsum(weights)
    assert wrap_turns(end - weights, end, profiles[:, 0], np.arange(3)) is None
    panels = check(sizes, profiles, weights)
    assert len(panels) <= 4 + 2 + 2  # profiles, cuts of the ones-wrap, of the twos-wrap


def test_wholly_taken_and_untaken_groups_cut_nothing():
    profiles = np.array([[2, 0, 1], [0, 2, 1]])
    panels = check([2, 2, 1], profiles, np.array([0.25, 0.75]))
    assert [round(p, 12) for p, _ in panels] == [0.25, 0.75]
