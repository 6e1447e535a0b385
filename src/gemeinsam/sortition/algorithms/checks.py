"""Checks of an instance before any solving, and the quotas to blame when no panel exists.

`check_instance` finds what counting alone can show; `conflicting_quotas` asks HiGHS which
quotas cannot hold together (an elastic MIP, then Chinneck's filters for a minimal set).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import highspy

from .instance import Instance, Quota

_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Problem:
    """Something that makes the instance unusable; `feature` and `value` say where, if known."""

    code: str
    message: str
    feature: str | None = None
    value: str | None = None


def _households(instance: Instance, people: Iterable[str]) -> int:
    """How many households `people` live in; people without a household key live alone."""
    return len({instance.households.get(person, f"\0{person}") for person in people})


def check_instance(instance: Instance) -> list[Problem]:
    """Every problem counting can show, in the order: pool, features, values.

    Households are counted loosely: a value's volunteers must live in at least `min`
    households, but households shared across values are not looked at."""
    problems: list[Problem] = []
    k = instance.size
    pool = len(instance.people)
    if k < 1:
        problems.append(Problem("size", f"The panel size must be at least 1, not {k}."))
    if k > pool:
        problems.append(
            Problem("size", f"The panel size {k} is larger than the pool of {pool} people.")
        )
    elif k > (households := _households(instance, instance.people)):
        problems.append(
            Problem(
                "size",
                f"The panel size {k} is larger than the {households} households of the pool "
                "(at most one person per household may be chosen).",
            )
        )

    holders: dict[tuple[str, str], list[str]] = {}
    for person in instance.people:
        for feature in instance.features:
            value = instance.values.get(person, {}).get(feature)
            if value is None:
                problems.append(
                    Problem(
                        "missing_value",
                        f"Person {person} has no value for feature '{feature}'.",
                        feature,
                    )
                )
            else:
                holders.setdefault((feature, value), []).append(person)

    for feature in instance.features:
        quotas = [q for q in instance.quotas if q.feature == feature]
        low = sum(q.min for q in quotas)
        high = sum(q.max for q in quotas)
        if low > k:
            problems.append(
                Problem(
                    "feature_min",
                    f"The minimums of feature '{feature}' add up to {low}, "
                    f"more than the panel size {k}.",
                    feature,
                )
            )
        if high < k:
            problems.append(
                Problem(
                    "feature_max",
                    f"The maximums of feature '{feature}' add up to {high}, "
                    f"less than the panel size {k}.",
                    feature,
                )
            )

    for quota in instance.quotas:
        problems.extend(
            _check_quota(instance, quota, holders.get((quota.feature, quota.value), []))
        )

    quoted = {(q.feature, q.value) for q in instance.quotas}
    for (feature, value), people in holders.items():
        if (feature, value) in quoted:
            continue
        count = len(people)
        problems.append(
            Problem(
                "no_quota",
                f"{count} {_people(count)} {_have(count)} value '{value}' of feature "
                f"'{feature}', which has no row in the quota table.",
                feature,
                value,
            )
        )
    return problems


def _check_quota(instance: Instance, quota: Quota, people: Sequence[str]) -> list[Problem]:
    where = f"value '{quota.value}' of feature '{quota.feature}'"
    if quota.min < 0 or quota.min > quota.max:
        message = f"The quota of {where} has min {quota.min} and max {quota.max}."
        return [Problem("quota_bounds", message, quota.feature, quota.value)]
    if quota.min == 0:
        return []
    if not people:
        message = f"Nobody in the pool has {where}, but its minimum is {quota.min}."
        return [Problem("quota_unavailable", message, quota.feature, quota.value)]
    if quota.min > len(people):
        message = (
            f"The {where} needs at least {quota.min} panel members, "
            f"but only {len(people)} {_people(len(people))} {_have(len(people))} it."
        )
        return [Problem("quota_unavailable", message, quota.feature, quota.value)]
    if quota.min > (households := _households(instance, people)):
        message = (
            f"The {where} needs at least {quota.min} panel members, but the {len(people)} "
            f"volunteers with it live in only {households} households."
        )
        return [Problem("quota_unavailable", message, quota.feature, quota.value)]
    return []


def _people(count: int) -> str:
    return "volunteer" if count == 1 else "volunteers"


def _have(count: int) -> str:
    return "has" if count == 1 else "have"


def conflicting_quotas(instance: Instance) -> list[Quota]:
    """The quotas that together admit no panel, or [] if some panel satisfies them all.

    First a MIP chooses k people, at most one per household, with nonnegative slack on both
    sides of every quota, and minimises the total slack: zero means feasible. Otherwise the
    quotas with positive slack are made strict and the MIP is solved again until it is
    infeasible (Chinneck's elastic filter); a deletion filter then drops every quota the
    conflict does not need. The result is irreducible: without any one of its quotas a panel
    exists (J. W. Chinneck, Feasibility and Infeasibility in Optimization, 2008, ch. 7).

    Raises ValueError if no k people from distinct households exist at all."""
    slack = _minimum_slack(instance, strict=[], elastic=instance.quotas)
    if slack is None:
        raise ValueError(
            f"No panel of {instance.size} people from distinct households exists, "
            "whatever the quotas."
        )
    if not slack:
        return []
    strict: list[Quota] = []
    while slack:
        strict.extend(slack)
        elastic = [q for q in instance.quotas if q not in strict]
        slack = _minimum_slack(instance, strict=strict, elastic=elastic)
    conflict = list(strict)
    for quota in strict:
        rest = [q for q in conflict if q != quota]
        if _minimum_slack(instance, strict=rest, elastic=[]) is None:
            conflict = rest
    return [q for q in instance.quotas if q in conflict]


def _minimum_slack(
    instance: Instance, *, strict: Sequence[Quota], elastic: Sequence[Quota]
) -> list[Quota] | None:
    """The elastic quotas with positive slack in a panel of least total slack that keeps
    every strict quota; None if no such panel exists."""
    highs = highspy.Highs()
    highs.silent()
    chosen = {person: highs.addBinary() for person in instance.people}
    highs.addConstr(highs.qsum(chosen.values()) == instance.size)
    members: dict[str, list[str]] = {}
    for person, household in instance.households.items():
        if person in chosen:
            members.setdefault(household, []).append(person)
    for people in members.values():
        if len(people) > 1:
            highs.addConstr(highs.qsum(chosen[p] for p in people) <= 1)

    slacks = {}
    for quota in [*strict, *elastic]:
        holders = [
            chosen[p]
            for p in instance.people
            if instance.values.get(p, {}).get(quota.feature) == quota.value
        ]
        count = highs.qsum(holders, initial=0)
        if quota in strict:
            highs.addConstr(count >= quota.min)
            highs.addConstr(count <= quota.max)
        else:
            below, above = highs.addVariable(lb=0), highs.addVariable(lb=0)
            highs.addConstr(count + below >= quota.min)
            highs.addConstr(count - above <= quota.max)
            slacks[quota] = (below, above)

    objective = highs.qsum([s for pair in slacks.values() for s in pair], initial=0)
    highs.minimize(objective)
    status = highs.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return None
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"HiGHS stopped with status {highs.modelStatusToString(status)}")
    return [
        quota
        for quota, (below, above) in slacks.items()
        if highs.val(below) > _TOLERANCE or highs.val(above) > _TOLERANCE
    ]
