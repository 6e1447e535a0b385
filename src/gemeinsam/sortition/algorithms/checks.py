"""Checks of an instance before any solving, and the quotas to blame when no panel exists.

`check_instance` finds what counting alone can show; `conflicting_quotas` asks HiGHS which
quotas cannot hold together (an elastic MIP, then Chinneck's filters for a minimal set).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import highspy

from gemeinsam.lib.messages import format_message, gettext_noop

from .instance import Instance, Quota

_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Problem:
    """Something that makes the instance unusable; `feature` and `value` say where, if known.

    `template` and `params` are kept apart for translation; `message` is the English."""

    code: str
    template: str
    params: Mapping[str, object] = field(default_factory=dict)
    feature: str | None = None
    value: str | None = None

    @property
    def message(self) -> str:
        return format_message(self.template, self.params)


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
        problems.append(
            Problem(
                "size",
                gettext_noop("The panel size must be at least 1, not %(size)s."),
                {"size": k},
            )
        )
    if k > pool:
        problems.append(
            Problem(
                "size",
                gettext_noop("The panel size %(size)s is larger than the pool of %(pool)s people."),
                {"size": k, "pool": pool},
            )
        )
    elif k > (households := _households(instance, instance.people)):
        problems.append(
            Problem(
                "size",
                gettext_noop(
                    "The panel size %(size)s is larger than the %(households)s households of "
                    "the pool (at most one person per household may be chosen)."
                ),
                {"size": k, "households": households},
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
                        gettext_noop("Person %(person)s has no value for feature '%(feature)s'."),
                        {"person": person, "feature": feature},
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
                    gettext_noop(
                        "The minimums of feature '%(feature)s' add up to %(total)s, "
                        "more than the panel size %(size)s."
                    ),
                    {"feature": feature, "total": low, "size": k},
                    feature,
                )
            )
        if high < k:
            problems.append(
                Problem(
                    "feature_max",
                    gettext_noop(
                        "The maximums of feature '%(feature)s' add up to %(total)s, "
                        "less than the panel size %(size)s."
                    ),
                    {"feature": feature, "total": high, "size": k},
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
        # Singular and plural as two templates: English and German share the rule n != 1.
        if len(people) == 1:
            template = gettext_noop(
                "%(count)s volunteer has value '%(value)s' of feature '%(feature)s', "
                "which has no row in the quota table."
            )
        else:
            template = gettext_noop(
                "%(count)s volunteers have value '%(value)s' of feature '%(feature)s', "
                "which has no row in the quota table."
            )
        params = {"count": len(people), "value": value, "feature": feature}
        problems.append(Problem("no_quota", template, params, feature, value))
    return problems


def _check_quota(instance: Instance, quota: Quota, people: Sequence[str]) -> list[Problem]:
    params = {"value": quota.value, "feature": quota.feature, "min": quota.min}
    if quota.min < 0 or quota.min > quota.max:
        template = gettext_noop(
            "The quota of value '%(value)s' of feature '%(feature)s' has min %(min)s "
            "and max %(max)s."
        )
        params["max"] = quota.max
        return [Problem("quota_bounds", template, params, quota.feature, quota.value)]
    if quota.min == 0:
        return []
    if not people:
        template = gettext_noop(
            "Nobody in the pool has value '%(value)s' of feature '%(feature)s', "
            "but its minimum is %(min)s."
        )
        return [Problem("quota_unavailable", template, params, quota.feature, quota.value)]
    params["count"] = len(people)
    if quota.min > len(people):
        if len(people) == 1:
            template = gettext_noop(
                "The value '%(value)s' of feature '%(feature)s' needs at least %(min)s panel "
                "members, but only %(count)s volunteer has it."
            )
        else:
            template = gettext_noop(
                "The value '%(value)s' of feature '%(feature)s' needs at least %(min)s panel "
                "members, but only %(count)s volunteers have it."
            )
        return [Problem("quota_unavailable", template, params, quota.feature, quota.value)]
    if quota.min > (households := _households(instance, people)):
        template = gettext_noop(
            "The value '%(value)s' of feature '%(feature)s' needs at least %(min)s panel "
            "members, but the %(count)s volunteers with it live in only %(households)s "
            "households."
        )
        params["households"] = households
        return [Problem("quota_unavailable", template, params, quota.feature, quota.value)]
    return []


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
