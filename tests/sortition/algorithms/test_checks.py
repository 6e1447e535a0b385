"""Checks before solving, and the conflicting quotas HiGHS finds, against brute force."""

from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gemeinsam.sortition.algorithms.checks import check_instance, conflicting_quotas
from gemeinsam.sortition.algorithms.instance import Instance, Quota

from .test_io import SHARED, shared_instance


def pool(*people: str, households: dict[str, str] | None = None, **kwargs) -> Instance:
    """People given as 'gender/age' strings, ids 0, 1, …"""
    ids = [str(i) for i in range(len(people))]
    values = {
        i: dict(zip(("gender", "age"), person.split("/"), strict=True))
        for i, person in zip(ids, people, strict=True)
    }
    return Instance(ids, values, households=households or {}, **kwargs)


def quotas(k: int, **bounds: tuple[int, int]) -> list[Quota]:
    """Quotas given as gender_female=(min, max), age_young=…; unnamed values get (0, k)."""
    given_bounds = {tuple(name.split("_", 1)): bound for name, bound in bounds.items()}
    table = {"gender": ["female", "male"], "age": ["young", "old"]}
    return [
        Quota(feature, value, *given_bounds.get((feature, value), (0, k)))
        for feature, values in table.items()
        for value in values
    ]


BALANCED = [f"{g}/{a}" for g in ("female", "male") for a in ("young", "old")] * 5  # 20 people


def codes(instance: Instance) -> list[str]:
    return [problem.code for problem in check_instance(instance)]


@pytest.mark.parametrize(("folder", "features", "people", "n", "k", "rows", "first"), SHARED)
def test_shared_instances_have_no_problems_and_no_conflict(
    folder, features, people, n, k, rows, first
):
    instance = shared_instance(folder, features, people, k)
    assert check_instance(instance) == []
    if n <= 200:
        assert conflicting_quotas(instance) == []


def test_gender_minimums_above_the_panel_size_conflict():
    instance = pool(
        *BALANCED, quotas=quotas(10, gender_female=(6, 10), gender_male=(6, 10)), size=10
    )
    [problem] = check_instance(instance)
    assert problem.code == "feature_min"
    assert problem.feature == "gender"
    assert problem.message == (
        "The minimums of feature 'gender' add up to 12, more than the panel size 10."
    )
    assert conflicting_quotas(instance) == [
        Quota("gender", "female", 6, 10),
        Quota("gender", "male", 6, 10),
    ]


def test_maximums_below_the_panel_size_conflict():
    instance = pool(*BALANCED, quotas=quotas(10, age_young=(0, 4), age_old=(0, 5)), size=10)
    [problem] = check_instance(instance)
    assert problem.message == (
        "The maximums of feature 'age' add up to 9, less than the panel size 10."
    )
    assert conflicting_quotas(instance) == [Quota("age", "young", 0, 4), Quota("age", "old", 0, 5)]


def test_a_minimum_above_the_volunteers_with_the_value_is_the_conflict():
    people = ["female/old", "male/old"] * 9 + ["female/young", "male/young"]
    instance = pool(*people, quotas=quotas(10, age_young=(3, 10)), size=10)
    [problem] = check_instance(instance)
    assert (problem.code, problem.feature, problem.value) == ("quota_unavailable", "age", "young")
    assert problem.message == (
        "The value 'young' of feature 'age' needs at least 3 panel members, "
        "but only 2 volunteers have it."
    )
    assert conflicting_quotas(instance) == [Quota("age", "young", 3, 10)]


def test_volunteers_sharing_a_household_count_once():
    people = ["female/old", "male/old"] * 9 + ["female/young", "male/young", "male/young"]
    households = {"18": "flat 1", "19": "flat 1", "20": "flat 2"}
    instance = pool(*people, households=households, quotas=quotas(10, age_young=(3, 10)), size=10)
    assert [p.message for p in check_instance(instance)] == [
        "The value 'young' of feature 'age' needs at least 3 panel members, "
        "but the 3 volunteers with it live in only 2 households."
    ]
    assert conflicting_quotas(instance) == [Quota("age", "young", 3, 10)]


def test_panel_larger_than_pool_or_households():
    instance = pool(*BALANCED[:8], quotas=quotas(10), size=10)
    assert [p.message for p in check_instance(instance)] == [
        "The panel size 10 is larger than the pool of 8 people."
    ]
    households = {str(i): "same house" for i in range(12)}
    instance = pool(*BALANCED, households=households, quotas=quotas(10), size=10)
    assert codes(instance) == ["size"]
    assert "larger than the 9 households of the pool" in check_instance(instance)[0].message
    with pytest.raises(ValueError, match="whatever the quotas"):
        conflicting_quotas(instance)


def test_value_without_quota_row_is_an_error_and_unused_rows_only_when_needed():
    people = [*BALANCED, "diverse/young"]
    table = [*quotas(10), Quota("age", "middle", 0, 3)]
    instance = pool(*people, quotas=table, size=10)
    assert [p.message for p in check_instance(instance)] == [
        "1 volunteer has value 'diverse' of feature 'gender', which has no row in the quota table."
    ]
    table = [*quotas(10), Quota("age", "middle", 1, 3)]
    instance = pool(*BALANCED, quotas=table, size=10)
    [problem] = check_instance(instance)
    assert problem.message == (
        "Nobody in the pool has value 'middle' of feature 'age', but its minimum is 1."
    )
    assert conflicting_quotas(instance) == [Quota("age", "middle", 1, 3)]


def test_person_without_a_value_and_reversed_bounds_are_reported():
    instance = pool(*BALANCED, quotas=quotas(10, gender_male=(5, 4)), size=10)
    del instance.values["3"]["age"]
    assert codes(instance) == ["missing_value", "quota_bounds"]


def feasible(instance: Instance, table: list[Quota]) -> bool:
    """Brute force: some k people from distinct households meet every quota of `table`."""
    for panel in combinations(instance.people, instance.size):
        homes = [instance.households.get(p, p) for p in panel]
        if len(set(homes)) < len(homes):
            continue
        if all(
            q.min <= sum(instance.values[p][q.feature] == q.value for p in panel) <= q.max
            for q in table
        ):
            return True
    return False


@st.composite
def small_instances(draw):
    n = draw(st.integers(2, 7))
    people = [
        f"{draw(st.sampled_from(['female', 'male']))}/{draw(st.sampled_from(['young', 'old']))}"
        for _ in range(n)
    ]
    k = draw(st.integers(1, n))
    bounds = {}
    for name in ("gender_female", "gender_male", "age_young", "age_old"):
        low = draw(st.integers(0, 3))
        bounds[name] = (low, low + draw(st.integers(0, 3)))
    homes = draw(st.lists(st.sampled_from(["a", "b", ""]), min_size=n, max_size=n))
    households = {str(i): home for i, home in enumerate(homes) if home}
    return pool(*people, households=households, quotas=quotas(k, **bounds), size=k)


@settings(max_examples=80, deadline=None)
@given(small_instances())
def test_conflict_is_irreducible_and_empty_exactly_when_a_panel_exists(instance):
    if not feasible(instance, []):
        with pytest.raises(ValueError):
            conflicting_quotas(instance)
        return
    conflict = conflicting_quotas(instance)
    if feasible(instance, instance.quotas):
        assert conflict == []
        return
    assert conflict
    assert not feasible(instance, conflict)
    for quota in conflict:
        assert feasible(instance, [q for q in conflict if q != quota])


@settings(max_examples=80, deadline=None)
@given(small_instances())
def test_counting_problems_mean_no_panel(instance):
    """The checks are necessary conditions: whatever they report, brute force finds no panel."""
    if check_instance(instance):
        assert not feasible(instance, instance.quotas)
