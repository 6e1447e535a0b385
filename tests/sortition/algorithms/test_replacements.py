"""Replacing drop-outs: quotas kept whenever some completion keeps them, the least total
slack and the seeded choice checked against brute force, households, exclusions, shortfall."""

import hashlib
import random
from collections import Counter
from itertools import combinations

import pytest

from gemeinsam.sortition.algorithms.instance import Instance, Quota
from gemeinsam.sortition.algorithms.legacy import legacy_panel
from gemeinsam.sortition.algorithms.replacements import QuotaShortfall, replace

from .test_leximin import shared_instance

FEATURES = {"age": "abc", "area": "xy", "job": "uv"}


def priority(seed: str, person: str) -> float:
    """The priority the docstring promises: SHA-256 of seed, NUL, id; top 52 bits."""
    digest = hashlib.sha256(f"{seed}\x00{person}".encode()).digest()
    return ((int.from_bytes(digest, "big") >> 204) + 0.5) / 2**52


def count(instance: Instance, panel, quota: Quota) -> int:
    return sum(instance.values[p][quota.feature] == quota.value for p in panel)


def slack(instance: Instance, panel) -> int:
    """How far the panel is from its quotas, summed over them."""
    total = 0
    for quota in instance.quotas:
        have = count(instance, panel, quota)
        total += max(0, quota.min - have) + max(0, have - quota.max)
    return total


def eligible(instance: Instance, panel, dropped, excluded) -> list[str]:
    remaining = [p for p in panel if p not in dropped]
    taken = {instance.households.get(p) for p in remaining} - {None}
    return [
        p
        for p in instance.people
        if p not in panel and p not in excluded and instance.households.get(p) not in taken
    ]


def distinct_households(households: dict[str, str], people) -> bool:
    keys = [households[p] for p in people if p in households]
    return len(keys) == len(set(keys))


def tiny_instance(rng: random.Random) -> tuple[Instance, list[str], list[str], list[str]]:
    """8-12 people with three features, shared households, random quotas (often
    unsatisfiable), a panel from distinct households, drop-outs and exclusions."""
    n = rng.randint(8, 12)
    people = [f"v{i}" for i in range(n)]
    values = {p: {f: rng.choice(domain) for f, domain in FEATURES.items()} for p in people}
    households = {p: f"h{rng.randint(0, n - 3)}" for p in people if rng.random() < 0.6}
    k = rng.randint(3, 5)
    panel: list[str] = []
    for person in rng.sample(people, n):
        if len(panel) < k and distinct_households(households, [*panel, person]):
            panel.append(person)
    quotas = []
    for feature, domain in FEATURES.items():
        for value in domain:
            low = rng.choice([0, 0, 1, 2])
            quotas.append(Quota(feature, value, low, low + rng.randint(0, 2)))
    instance = Instance(people, values, quotas, len(panel), households)
    dropped = rng.sample(panel, rng.randint(1, min(3, len(panel))))
    outside = [p for p in people if p not in panel]
    excluded = rng.sample(outside, rng.randint(0, min(2, len(outside))))
    return instance, panel, dropped, excluded


def test_least_slack_and_seeded_choice_match_brute_force_on_tiny_instances():
    rng = random.Random(3)
    compared = 0
    for case in range(150):
        instance, panel, dropped, excluded = tiny_instance(rng)
        seed = f"case {case}"
        result = replace(instance, panel, dropped, seed, excluded=excluded)
        remaining = [p for p in panel if p not in dropped]
        candidates = eligible(instance, panel, dropped, excluded)
        seats = min(len(dropped), len({instance.households.get(p, p) for p in candidates}))
        completions = [
            added
            for added in combinations(candidates, seats)
            if distinct_households(instance.households, added)
        ]
        least = min(slack(instance, remaining + list(added)) for added in completions)

        assert result.shortfall == len(dropped) - seats
        assert len(result.added) == seats
        assert set(result.added) <= set(candidates)
        assert result.panel == remaining + result.added
        assert distinct_households(instance.households, result.panel)
        assert slack(instance, result.panel) == least
        assert result.unkept == [
            QuotaShortfall(q.feature, q.value, q.min, q.max, count(instance, result.panel, q))
            for q in instance.quotas
            if not q.min <= count(instance, result.panel, q) <= q.max
        ]
        best = sorted(
            (
                sum(priority(seed, p) for p in added)
                for added in completions
                if slack(instance, remaining + list(added)) == least
            ),
            reverse=True,
        )
        if len(best) > 1 and best[0] - best[1] < 1e-6:
            continue  # a near tie, which the solver's tolerances may decide either way
        compared += 1
        assert sum(priority(seed, p) for p in result.added) == pytest.approx(best[0], abs=1e-9)
    assert compared > 100


def twin_instance(seed: int) -> tuple[Instance, list[str]]:
    """A pool of 40 with a quota-satisfying panel of 8 (the quotas are built around it)
    and, outside the panel, a twin with the same values of every panel member."""
    rng = random.Random(seed)
    people = [f"p{i}" for i in range(40)]
    values = {p: {f: rng.choice(domain) for f, domain in FEATURES.items()} for p in people}
    panel = people[:8]
    for i, member in enumerate(panel):
        values[people[8 + i]] = dict(values[member])
    households = {p: f"h{i // 2}" for i, p in enumerate(people[16:])}  # pairs share
    quotas = []
    for feature, domain in FEATURES.items():
        for value in domain:
            have = sum(values[p][feature] == value for p in panel)
            quotas.append(Quota(feature, value, max(0, have - rng.randint(0, 1)), have))
    return Instance(people, values, quotas, 8, households), panel


@pytest.mark.parametrize("seed", range(20))
def test_quotas_are_kept_whenever_some_completion_keeps_them(seed):
    instance, panel = twin_instance(seed)
    rng = random.Random(seed)
    dropped = rng.sample(panel, rng.randint(1, 4))
    assert instance.panel_problems(panel) == []
    result = replace(instance, panel, dropped, f"s{seed}")
    assert result.unkept == []
    assert result.shortfall == 0
    assert len(result.added) == len(dropped)
    assert instance.panel_problems(result.panel) == []
    assert not set(result.added) & set(panel)


def test_the_same_seed_repeats_the_choice_and_other_seeds_vary_it():
    instance, panel = twin_instance(0)
    dropped = panel[:3]
    first = replace(instance, panel, dropped, "Nachrücken 1")
    assert replace(instance, panel, dropped, "Nachrücken 1") == first
    choices = {tuple(replace(instance, panel, dropped, f"seed {i}").added) for i in range(10)}
    assert len(choices) > 1


def test_interchangeable_candidates_are_chosen_about_equally_often():
    people = ["m0", "m1", "m2", *(f"c{i}" for i in range(5))]
    values = {p: {"age": "young" if p != "m1" else "old"} for p in people}
    quotas = [Quota("age", "young", 2, 2), Quota("age", "old", 1, 1)]
    instance = Instance(people, values, quotas, 3)
    draws = 500
    chosen = Counter(
        replace(instance, ["m0", "m1", "m2"], ["m2"], f"seed {i}").added[0] for i in range(draws)
    )
    assert set(chosen) <= {f"c{i}" for i in range(5)}
    deviation = (draws * 0.2 * 0.8) ** 0.5
    for i in range(5):
        assert abs(chosen[f"c{i}"] - draws / 5) < 5 * deviation


def test_dropped_excluded_and_housemates_are_never_chosen():
    people = ["a", "b", "c", "x", "y", "z", "w"]
    values = {p: {"age": "young"} for p in people}
    # x lives with panel member a, y with b (who drops out), z and w together.
    households = {"a": "1", "x": "1", "b": "2", "y": "2", "z": "3", "w": "3"}
    instance = Instance(people, values, [Quota("age", "young", 0, 3)], 3, households)
    result = replace(instance, ["a", "b", "c"], ["b", "c"], "s", excluded=["y"])
    assert len(result.added) == 1  # only the household of z and w is left
    assert result.added[0] in {"z", "w"}
    assert result.shortfall == 1
    assert result.panel == ["a", *result.added]


def test_two_candidates_of_one_household_cannot_both_fill_a_quota():
    people = ["m0", "m1", "m2", "c0", "c1", "c2"]
    values = {p: {"age": "old"} for p in people} | {"c0": {"age": "young"}, "c1": {"age": "young"}}
    values["m0"] = {"age": "young"}
    quotas = [Quota("age", "young", 3, 3), Quota("age", "old", 0, 0)]
    instance = Instance(people, values, quotas, 3, {"c0": "shared", "c1": "shared"})
    result = replace(instance, ["m0", "m1", "m2"], ["m1", "m2"], "s")
    assert len(result.added) == 2
    assert len({"c0", "c1"} & set(result.added)) == 1
    assert "c2" in result.added
    assert result.unkept == [
        QuotaShortfall("age", "young", 3, 3, 2),
        QuotaShortfall("age", "old", 0, 0, 1),
    ]


def test_nothing_dropped_changes_nothing():
    instance, panel = twin_instance(1)
    result = replace(instance, panel, [], "s")
    assert result.added == []
    assert result.panel == panel
    assert result.unkept == []
    assert result.shortfall == 0


def test_without_candidates_every_seat_is_a_shortfall():
    instance, panel = twin_instance(2)
    outside = [p for p in instance.people if p not in panel]
    result = replace(instance, panel, panel[:2], "s", excluded=outside)
    assert result.added == []
    assert result.panel == panel[2:]
    assert result.shortfall == 2
    assert result.unkept == [
        QuotaShortfall(q.feature, q.value, q.min, q.max, count(instance, panel[2:], q))
        for q in instance.quotas
        if count(instance, panel[2:], q) < q.min
    ]


@pytest.mark.parametrize(
    ("dropped", "message"),
    [
        (["p0", "p99"], "dropped but not on the panel: p99"),
        (["p1", "p1"], "listed more than once as dropped: p1"),
    ],
)
def test_bad_drop_lists_raise(dropped, message):
    instance, panel = twin_instance(3)
    with pytest.raises(ValueError, match=message):
        replace(instance, panel, dropped, "s")


def test_shared_fixture_replacements_match_the_brute_force_least_slack():
    instance = shared_instance("sa_fixture_150_22")
    panel = legacy_panel(instance, random.Random(5))
    assert instance.panel_problems(panel) == []
    for seed in range(3):
        dropped = random.Random(seed).sample(panel, 2)
        result = replace(instance, panel, dropped, f"fixture {seed}")
        remaining = [p for p in panel if p not in dropped]
        candidates = eligible(instance, panel, dropped, ())
        least = min(
            slack(instance, remaining + list(pair))
            for pair in combinations(candidates, 2)
            if distinct_households(instance.households, pair)
        )
        assert slack(instance, result.panel) == least
        assert (result.unkept == []) == (least == 0)
        assert set(result.added) <= set(candidates)
        assert distinct_households(instance.households, result.panel)
