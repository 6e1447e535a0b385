"""LEXIMIN and MAXIMIN on HiGHS: feasible panels, sortition-algorithms' MAXIMIN (HiGHS) as the
oracle for the smallest probability, level-by-level leximin optimality, reproducible draws."""

import random
from collections import Counter

import numpy as np
import pytest

from gemeinsam.sortition.algorithms import relaxation
from gemeinsam.sortition.algorithms.distribution import Distribution
from gemeinsam.sortition.algorithms.instance import Instance, Quota
from gemeinsam.sortition.algorithms.io import read_instance
from gemeinsam.sortition.algorithms.leximin import level_bounds, leximin, maximin
from gemeinsam.sortition.algorithms.pool import Pool

from ...conftest import shared_data
from ..reference import sa_maximin_min_probability

SHARED = {
    "example_small_20": ("categories.csv", "respondents.csv", 20, ()),
    "sa_fixture_150_22": (
        "features.csv",
        "candidates.csv",
        22,
        ("primary_address1", "primary_zip"),
    ),
}


def shared_instance(folder: str) -> Instance:
    features, people, k, household = SHARED[folder]
    root = shared_data() / "sortition" / folder
    return read_instance(root / features, root / people, k, household_columns=household)


def random_instance(seed: int) -> Instance:
    """A pool of 10-16 with two features and a few shared households; the quotas are built
    around one random panel, so at least that panel is feasible."""
    rng = random.Random(seed)
    n, k = rng.randint(10, 16), rng.randint(3, 5)
    people = [f"v{i}" for i in range(n)]
    values = {p: {"age": rng.choice("abc"), "area": rng.choice("xy")} for p in people}
    households = {p: f"h{rng.randint(0, n - 3)}" for p in people}
    members = Counter(households.values())
    singles = [p for p in people if members[households[p]] == 1]
    panel = rng.sample(singles, min(k, len(singles)))
    k = len(panel)
    quotas = []
    for feature, domain in (("age", "abc"), ("area", "xy")):
        for value in domain:
            taken = sum(values[p][feature] == value for p in panel)
            quotas.append(Quota(feature, value, max(0, taken - rng.randint(0, 1)), taken + 1))
    return Instance(people, values, quotas, k, households)


def assert_valid(instance: Instance, distribution: Distribution):
    assert distribution.people == instance.people
    assert sum(distribution.probabilities) == pytest.approx(1.0, abs=1e-9)
    assert min(distribution.probabilities) > 0
    chance = distribution.person_probabilities()
    assert sum(chance.values()) == pytest.approx(instance.size, abs=1e-7)
    for panel in distribution.panels:
        assert len(panel) == len(set(panel)) == instance.size
        assert list(panel) == sorted(panel)
        for quota in instance.quotas:
            count = sum(instance.values[p][quota.feature] == quota.value for p in panel)
            assert quota.min <= count <= quota.max, (quota, panel)
        households = [instance.households[p] for p in panel if p in instance.households]
        assert len(households) == len(set(households))


def assert_leximin_optimal(instance: Instance, distribution: Distribution):
    """No level can rise without lowering a smaller one: holding everyone below a level at
    their probability, the best guarantee for the rest is that level (within 1e-4)."""
    excluded = set(distribution.never_selected())  # in no feasible panel (checked elsewhere)
    chance = {p: v for p, v in distribution.person_probabilities().items() if p not in excluded}
    levels = sorted(set(round(p, 6) for p in chance.values()))
    for level in levels:
        below = {p: value for p, value in chance.items() if value < level - 1e-6}
        _, upper = level_bounds(instance, below, distribution.panels)
        assert upper <= level + 1e-4, (level, upper)


@pytest.mark.parametrize("folder", sorted(SHARED))
def test_leximin_on_shared_instances_is_feasible_and_matches_maximin_oracle(folder):
    instance = shared_instance(folder)
    distribution = leximin(instance)
    assert_valid(instance, distribution)
    assert distribution.algorithm == "leximin"
    assert distribution.min_probability == pytest.approx(
        sa_maximin_min_probability(instance), abs=1e-4
    )
    ours = maximin(instance)
    assert_valid(instance, ours)
    assert ours.min_probability == pytest.approx(distribution.min_probability, abs=1e-4)


def test_leximin_on_example_small_gives_everyone_ten_percent():
    # Paper, Table S6 / replication README: LEXIMIN min 10.0 %, Gini 0.0 %.
    distribution = leximin(shared_instance("example_small_20"))
    assert set(round(p, 6) for p in distribution.person_probabilities().values()) == {0.1}
    assert distribution.gini == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("folder", sorted(SHARED))
def test_leximin_on_shared_instances_is_leximin_optimal(folder):
    instance = shared_instance(folder)
    assert_leximin_optimal(instance, leximin(instance))


@pytest.mark.parametrize("seed", range(8))
def test_leximin_on_random_instances(seed):
    instance = random_instance(seed)
    distribution = leximin(instance)
    assert_valid(instance, distribution)
    assert_leximin_optimal(instance, distribution)
    assert distribution.min_probability == pytest.approx(
        sa_maximin_min_probability(instance), abs=1e-4
    )
    assert maximin(instance).min_probability == pytest.approx(
        distribution.min_probability, abs=1e-4
    )


def test_people_in_no_feasible_panel_get_zero_and_are_reported():
    people = ["a", "b", "c", "d"]
    values = {p: {"x": "one"} for p in people[:3]} | {"d": {"x": "two"}}
    quotas = [Quota("x", "one", 2, 2), Quota("x", "two", 0, 0)]
    distribution = leximin(Instance(people, values, quotas, 2))
    assert distribution.person_probabilities()["d"] == 0
    assert distribution.never_selected() == ["d"]
    assert distribution.min_probability == 0
    assert distribution.person_probabilities()["a"] == pytest.approx(2 / 3)


def test_infeasible_quotas_raise():
    instance = Instance(["a", "b"], {"a": {"x": "1"}, "b": {"x": "1"}}, [Quota("x", "1", 0, 1)], 2)
    with pytest.raises(ValueError, match="quotas"):
        leximin(instance)


def test_draw_is_reproducible_and_depends_on_the_seed():
    distribution = leximin(shared_instance("sa_fixture_150_22"))
    assert distribution.draw("2026-05-01 Lotto 3 17 22") == distribution.draw(
        "2026-05-01 Lotto 3 17 22"
    )
    reloaded = Distribution.from_json(distribution.to_json())
    rng = random.Random(7)
    seeds = [f"seed {rng.getrandbits(64)}" for _ in range(40)]
    draws = [distribution.draw(seed) for seed in seeds]
    assert draws == [reloaded.draw(seed) for seed in seeds]
    assert len(set(draws)) > 10
    assert all(panel in set(distribution.panels) for panel in draws)


def test_draw_follows_the_grid_weights():
    distribution = Distribution(
        panels=[("b",), ("a",)], probabilities=[0.25, 0.75], algorithm="test", people=["a", "b"]
    )
    assert distribution.grid_weights() == [750_000_000, 250_000_000]  # canonical: ("a",) first
    counts = Counter(distribution.draw(str(i)) for i in range(2000))
    assert 1350 < counts[("a",)] < 1650


def test_json_round_trip_is_stable():
    distribution = leximin(random_instance(3))
    text = distribution.to_json()
    again = Distribution.from_json(text)
    assert again.to_json() == text
    assert again.person_probabilities() == pytest.approx(distribution.person_probabilities())
    assert again.commitment(b"pool") == distribution.commitment(b"pool")
    assert distribution.commitment(b"pool") != distribution.commitment(b"other pool")


def test_the_draw_is_the_documented_integer_rule_on_the_published_weights():
    """Another machine repeats the draw from the published JSON alone: SHA-256 of the seed
    as an integer u, the first panel whose cumulative weight exceeds u · GRID / 2^256.
    Computed here from the JSON by the rule as documented, in a fresh interpreter with
    another hash seed too."""
    import hashlib
    import json
    import os
    import subprocess
    import sys

    distribution = leximin(shared_instance("sa_fixture_150_22"))
    published = json.loads(distribution.to_json())
    weights = [panel["weight"] for panel in published["panels"]]
    assert sum(weights) == published["grid"]
    for seed in ("4 8 15 16 23 42", "Lotto 2026-11-21", "ß ü 🎲"):
        u = int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest(), "big")
        cumulative, expected = 0, None
        for panel, weight in zip(published["panels"], weights, strict=True):
            cumulative += weight
            if u * published["grid"] < cumulative * 2**256:
                expected = tuple(panel["members"])
                break
        assert distribution.draw(seed) == expected
        script = (
            "import sys; from gemeinsam.sortition.algorithms.distribution import Distribution;"
            "d = Distribution.from_json(sys.stdin.read()); print(' '.join(d.draw(sys.argv[1])))"
        )
        env = dict(os.environ, PYTHONHASHSEED="12345")
        again = subprocess.run(
            [sys.executable, "-c", script, seed],
            input=distribution.to_json(),
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        assert tuple(again.stdout.split()) == expected


def test_relaxation_shortcut_gives_the_column_generation_levels(monkeypatch):
    # The shortcut normally starts at SHORTCUT_GROUPS groups; forced here on a pool of 60.
    rng = random.Random(1)
    people = [f"v{i}" for i in range(60)]
    values = {
        p: {"age": rng.choice("abc"), "area": rng.choice("xyz"), "edu": rng.choice("lh")}
        for p in people
    }
    households = {p: f"h{rng.randint(0, 55)}" for p in people}
    quotas = [
        *(Quota("age", v, 2, 3) for v in "abc"),
        *(Quota("area", v, 2, 4) for v in "xyz"),
        *(Quota("edu", v, 3, 5) for v in "lh"),
    ]
    instance = Instance(people, values, quotas, 8, households)
    exact = leximin(instance)  # 54 groups: column generation
    monkeypatch.setattr(relaxation, "SHORTCUT_GROUPS", 0)
    fast = leximin(instance)
    assert fast.algorithm == "leximin"
    assert relaxation.decompose(Pool(instance)) is not None  # the shortcut, not a fallback
    assert_valid(instance, fast)
    assert sorted(fast.person_probabilities().values()) == pytest.approx(
        sorted(exact.person_probabilities().values()), abs=1e-7
    )


@pytest.mark.parametrize("seed", range(8))
def test_swaps_keep_profiles_feasible_and_never_lighter(seed):
    """The swap heuristic in front of the pricing MIP: from a feasible profile it reaches a
    feasible one at least as heavy (quotas and households checked on a concrete panel)."""
    instance = random_instance(seed)
    pool = Pool(instance)
    rng = np.random.default_rng(seed)
    weights = rng.random(len(pool.groups))
    start, _ = pool.best_profile(rng.random(len(pool.groups)))
    start = np.array(start)
    better = pool.improve(start, weights)
    assert better @ weights >= start @ weights - 1e-12
    assert (better <= pool.caps).all() and better.sum() == instance.size
    panel = [
        instance.people[i]
        for g, count in enumerate(better)
        for i in pool.groups[g].members[: int(count)]
    ]
    assert instance.panel_problems(panel) == []
    _, best_value = pool.best_profile(weights)
    assert better @ weights <= best_value + 1e-9
