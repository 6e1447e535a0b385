"""Replacing panel members who drop out: one MIP on HiGHS fills their seats from the pool,
keeping the quotas where possible and reporting those it cannot keep.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import highspy
import numpy as np

from .instance import Instance
from .invitations import draw_order_key
from .pool import new_highs

# The least total slack is a whole number (counts and bounds are); the second solve may
# exceed it by no more than this.
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class QuotaShortfall:
    """A quota the new panel misses: `count` members have `value` of `feature`."""

    feature: str
    value: str
    min: int
    max: int
    count: int


@dataclass
class Replacement:
    """Who was added, the new panel (remaining members, then the added), the quotas it
    misses and how many seats stayed empty because the pool ran out."""

    added: list[str]
    panel: list[str]
    unkept: list[QuotaShortfall]
    shortfall: int


def replace(
    instance: Instance,
    panel: Sequence[str],
    dropped: Sequence[str],
    seed: str,
    *,
    excluded: Sequence[str] = (),
) -> Replacement:
    """Fill the seats of `dropped` from the people not on the panel, not `excluded` (e.g.
    who declined before) and not living with a remaining member or with each other.

    One MIP: a binary x_i per candidate, Σ x_i = the seats (or as many as the candidates'
    households allow; the rest is `shortfall`), at most one person per household, and for
    each quota count_remaining + Σ x_i within [min, max] up to nonnegative slack below and
    above. Lexicographically, it first minimises the total slack, then, with the total slack
    held at that optimum, maximises Σ x_i · r_i, where r_i in (0, 1) is person i's priority
    from SHA-256(seed, NUL, id) (`draw_order_key`).

    So among the completions that miss the quotas least, it takes the one that a uniformly
    random priority order prefers: reproducible on any machine from the published seed, but
    not LEXIMIN. LEXIMIN would equalise everyone's chance over a distribution of completions;
    a replacement fills a few seats after the draw, when the panel is public and keeping its
    composition and letting anyone repeat the choice matter more than those chances.

    Raises ValueError if someone dropped is not on the panel or listed twice, or if the
    panel lists an unknown person or one person twice."""
    members = list(panel)
    _check_distinct(members, "on the panel")
    unknown = [person for person in members if person not in instance.values]
    if unknown:
        raise ValueError(f"not in the pool: {', '.join(unknown[:5])}")
    _check_distinct(list(dropped), "as dropped")
    on_panel = set(members)
    strangers = [person for person in dropped if person not in on_panel]
    if strangers:
        raise ValueError(f"dropped but not on the panel: {', '.join(strangers[:5])}")

    leaving = set(dropped)
    remaining = [person for person in members if person not in leaving]
    taken = {instance.households[p] for p in remaining if p in instance.households}
    barred = on_panel | set(excluded)
    candidates = [
        person
        for person in instance.people
        if person not in barred and instance.households.get(person) not in taken
    ]
    households = {instance.households.get(person, f"\0{person}") for person in candidates}
    seats = min(len(dropped), len(households))
    added = _complete(instance, remaining, candidates, seats, seed) if seats else []
    new_panel = remaining + added
    return Replacement(
        added=added,
        panel=new_panel,
        unkept=unkept_quotas(instance, new_panel),
        shortfall=len(dropped) - seats,
    )


def unkept_quotas(instance: Instance, panel: Sequence[str]) -> list[QuotaShortfall]:
    """The quotas `panel` misses, in the quota table's order."""
    result = []
    for quota in instance.quotas:
        count = sum(
            1 for person in panel if instance.values[person].get(quota.feature) == quota.value
        )
        if not quota.min <= count <= quota.max:
            result.append(QuotaShortfall(quota.feature, quota.value, quota.min, quota.max, count))
    return result


def _check_distinct(people: list[str], where: str) -> None:
    twice = sorted({person for person in people if people.count(person) > 1})
    if twice:
        raise ValueError(f"listed more than once {where}: {', '.join(twice[:5])}")


def _priority(seed: str, person: str) -> float:
    """r in (0, 1): the top 52 bits of the person's draw-order hash, plus a half, over 2^52
    (exact in a double, so every machine passes HiGHS the same numbers)."""
    value, _ = draw_order_key(seed, person)
    return ((value >> 204) + 0.5) / 2**52


def _highs() -> highspy.Highs:
    h = new_highs()  # quiet, and the same completion on every run
    # Priority sums of different completions may differ by little: solve to optimality.
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.0)
    return h


def _complete(
    instance: Instance, remaining: list[str], candidates: list[str], seats: int, seed: str
) -> list[str]:
    """`seats` candidates, at most one per household: least total quota slack, then the
    greatest priority sum. Returned in priority order, highest first."""
    h = _highs()
    m, q = len(candidates), len(instance.quotas)
    cols = np.arange(m, dtype=np.int32)
    h.addVars(m + 2 * q, np.zeros(m + 2 * q), np.r_[np.ones(m), np.full(2 * q, highspy.kHighsInf)])
    h.changeColsIntegrality(m, cols, np.full(m, int(highspy.HighsVarType.kInteger), np.uint8))
    h.addRow(seats, seats, m, cols, np.ones(m))

    members: dict[str, list[int]] = {}
    for i, person in enumerate(candidates):
        if person in instance.households:
            members.setdefault(instance.households[person], []).append(i)
    for household in members.values():
        if len(household) > 1:
            h.addRow(
                -highspy.kHighsInf,
                1.0,
                len(household),
                np.array(household, np.int32),
                np.ones(len(household)),
            )

    for j, quota in enumerate(instance.quotas):
        have = sum(instance.values[p].get(quota.feature) == quota.value for p in remaining)
        holders = [
            i
            for i, p in enumerate(candidates)
            if instance.values[p].get(quota.feature) == quota.value
        ]
        below, above = m + 2 * j, m + 2 * j + 1
        index = np.array([*holders, below], np.int32)
        h.addRow(
            quota.min - have,
            highspy.kHighsInf,
            len(index),
            index,
            np.r_[np.ones(len(holders)), 1.0],
        )
        index = np.array([*holders, above], np.int32)
        h.addRow(
            -highspy.kHighsInf,
            quota.max - have,
            len(index),
            index,
            np.r_[np.ones(len(holders)), -1.0],
        )

    slack = np.arange(m, m + 2 * q, dtype=np.int32)
    h.changeColsCost(2 * q, slack, np.ones(2 * q))
    least = round(_solve(h)[1])
    h.addRow(-highspy.kHighsInf, least + _TOLERANCE, 2 * q, slack, np.ones(2 * q))
    priority = [_priority(seed, person) for person in candidates]
    h.changeColsCost(
        m + 2 * q, np.arange(m + 2 * q, dtype=np.int32), np.r_[priority, np.zeros(2 * q)]
    )
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    x, _ = _solve(h)
    chosen = [i for i in range(m) if x[i] > 0.5]
    assert len(chosen) == seats
    return [candidates[i] for i in sorted(chosen, key=lambda i: (-priority[i], candidates[i]))]


def _solve(h: highspy.Highs) -> tuple[list[float], float]:
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"HiGHS stopped with status {h.modelStatusToString(status)}")
    return list(h.getSolution().col_value), float(h.getInfo().objective_function_value)
