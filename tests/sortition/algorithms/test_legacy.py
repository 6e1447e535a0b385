"""The legacy greedy draw: quotas and the household rule hold; probabilities are estimates."""

import math
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gemeinsam.sortition.algorithms.instance import Instance, Quota
from gemeinsam.sortition.algorithms.legacy import (
    LegacyDrawError,
    legacy_panel,
    legacy_probabilities,
)

from .test_io import SHARED, shared_instance


def meets_quotas(instance: Instance, panel: list[str]) -> bool:
    counts = Counter(
        (feature, value) for person in panel for feature, value in instance.values[person].items()
    )
    return all(q.min <= counts[(q.feature, q.value)] <= q.max for q in instance.quotas)


def one_per_household(instance: Instance, panel: list[str]) -> bool:
    homes = [instance.households[p] for p in panel if p in instance.households]
    return len(homes) == len(set(homes))


@pytest.mark.parametrize(("folder", "features", "people", "n", "k", "rows", "first"), SHARED)
def test_legacy_panels_of_the_shared_instances_meet_every_quota(
    folder, features, people, n, k, rows, first
):
    instance = shared_instance(folder, features, people, k)
    rng = random.Random(7)
    for _ in range(3 if n > 200 else 20):
        panel = legacy_panel(instance, rng)
        assert len(panel) == len(set(panel)) == k
        assert set(panel) <= set(instance.people)
        assert meets_quotas(instance, panel)
        assert one_per_household(instance, panel)


def couples(n_households: int) -> Instance:
    """Households of two, a woman and a man, one of them young: quotas bind on both."""
    people, values, households = [], {}, {}
    for h in range(n_households):
        for gender in ("female", "male"):
            person = f"{gender[0]}{h}"
            people.append(person)
            age = "young" if (gender == "female") == (h % 2 == 0) else "old"
            values[person] = {"gender": gender, "age": age}
            households[person] = f"house {h}"
    quotas = [
        Quota("gender", "female", 4, 6),
        Quota("gender", "male", 4, 6),
        Quota("age", "young", 3, 7),
        Quota("age", "old", 3, 7),
    ]
    return Instance(people, values, quotas, size=10, households=households)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32), n_households=st.integers(10, 14))
def test_at_most_one_person_per_household(seed, n_households):
    instance = couples(n_households)
    panel = legacy_panel(instance, random.Random(seed))
    assert len(panel) == 10
    assert one_per_household(instance, panel)
    assert meets_quotas(instance, panel)


def test_with_exactly_k_households_each_sends_one():
    instance = couples(10)
    panel = legacy_panel(instance, random.Random(3))
    assert sorted(instance.households[p] for p in panel) == sorted(f"house {h}" for h in range(10))


def test_same_seed_same_panel():
    instance = couples(12)
    assert legacy_panel(instance, random.Random(42)) == legacy_panel(instance, random.Random(42))


def test_value_with_maximum_zero_is_never_drawn():
    instance = couples(12)
    instance.quotas[3] = Quota("age", "old", 0, 0)
    instance.quotas[2] = Quota("age", "young", 3, 10)
    panel = legacy_panel(instance, random.Random(1))
    assert {instance.values[p]["age"] for p in panel} == {"young"}


def test_impossible_quotas_fail_after_the_attempts():
    instance = couples(12)
    instance.quotas[0] = Quota("gender", "female", 6, 6)
    instance.quotas[1] = Quota("gender", "male", 6, 6)
    with pytest.raises(LegacyDrawError, match="3 attempts"):
        legacy_panel(instance, random.Random(1), max_attempts=3)
    with pytest.raises(LegacyDrawError, match="none of 4 legacy draws"):
        legacy_probabilities(instance, 4, seed=1, max_attempts=2)


def test_estimated_probabilities_sum_to_the_panel_size():
    instance = shared_instance("example_small_20", "categories.csv", "respondents.csv", 20)
    estimate = legacy_probabilities(instance, 300, seed=11)
    assert estimate.estimated is True
    assert estimate.draws + estimate.failed == 300
    assert estimate.draws > 0
    assert set(estimate.probabilities) == set(instance.people)
    assert math.isclose(sum(estimate.probabilities.values()), 20)
    assert all(0 <= p <= 1 for p in estimate.probabilities.values())
    for person, share in estimate.probabilities.items():
        assert estimate.standard_error[person] == pytest.approx(
            math.sqrt(share * (1 - share) / estimate.draws)
        )
    assert 0 < estimate.max_standard_error <= 0.5 / math.sqrt(estimate.draws)
    assert legacy_probabilities(instance, 300, seed=11) == estimate


def test_household_members_share_their_chance():
    """In `couples`, a household's two people are drawn together at most once: their
    estimated probabilities add up to at most 1, and all add up to k."""
    instance = couples(12)
    estimate = legacy_probabilities(instance, 200, seed=5)
    assert math.isclose(sum(estimate.probabilities.values()), 10)
    for h in range(12):
        assert estimate.probabilities[f"f{h}"] + estimate.probabilities[f"m{h}"] <= 1 + 1e-9
