"""The pool as groups of interchangeable people, and the pricing integer program over them.

People with the same feature values who share a household with nobody are interchangeable
("groups"); a person with housemates is a group of one. A panel is then a "profile": how many
members it takes from each group. `Pool.best_profile` finds the feasible profile of greatest
weight: one integer count per group, the panel size, the quotas, at most one per household.
"""

from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np

from .instance import Instance

# Relative MIP gap for pricing (HiGHS' default is 1e-4): keeps the pricing error below EPS.
MIP_GAP = 1e-9
# A group whose dual weight exceeds TIGHT is fixed at the stage's level (complementary
# slackness: a positive dual forces the probability to the level in every optimum).
TIGHT = 1e-9

Progress = Callable[[str], None]
Profile = tuple[int, ...]  # members taken from each group, in group order


@dataclass
class Group:
    """Interchangeable people (same values, no housemates), or one person with housemates."""

    members: list[int]  # person indices into Instance.people, in input order
    cap: int  # the most members a panel can hold

    @property
    def size(self) -> int:
        return len(self.members)


def new_highs() -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", 0)  # the same distribution on every run
    return h


class Pool:
    """The instance as groups, with the pricing integer program: one integer count per group,
    the panel size, the quotas and at most one person per household."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        people, k = instance.people, instance.size
        index = {person: i for i, person in enumerate(people)}
        households: dict[str, list[int]] = {}
        for person, key in instance.households.items():
            if person in index:
                households.setdefault(key, []).append(index[person])
        shared = {i for members in households.values() if len(members) > 1 for i in members}
        features = instance.features
        signature = [tuple(instance.values[p][f] for f in features) for p in people]
        by_signature: dict[tuple, list[int]] = {}
        singles: list[list[int]] = []
        for i in range(len(people)):
            if i in shared:
                singles.append([i])
            else:
                by_signature.setdefault(signature[i], []).append(i)
        quota_max = {(q.feature, q.value): q.max for q in instance.quotas}
        self.groups: list[Group] = []
        for members in [*by_signature.values(), *singles]:
            values = signature[members[0]]
            limits = (quota_max.get(pair, k) for pair in zip(features, values, strict=True))
            self.groups.append(Group(members, max(0, min(len(members), k, *limits))))
        self.group_of = {i: g for g, group in enumerate(self.groups) for i in group.members}
        self.sizes = np.array([group.size for group in self.groups], dtype=float)
        self.caps = np.array([group.cap for group in self.groups], dtype=int)
        # For the swap search: each group's quota row per feature (values without a quota get
        # an unconstrained extra row), the rows' bounds, and each group's household (-1: none).
        rows = {(q.feature, q.value): r for r, q in enumerate(instance.quotas)}
        low = [q.min for q in instance.quotas]
        high = [q.max for q in instance.quotas]
        self.codes = np.zeros((len(self.groups), len(features)), dtype=int)
        for g, group in enumerate(self.groups):
            for f, pair in enumerate(zip(features, signature[group.members[0]], strict=True)):
                if pair not in rows:
                    rows[pair] = len(low)
                    low.append(0)
                    high.append(k)
                self.codes[g, f] = rows[pair]
        self.value_min, self.value_max = np.array(low), np.array(high)
        self.household = np.full(len(self.groups), -1)
        self.households = 0
        for h, members in enumerate(m for m in households.values() if len(m) > 1):
            self.household[[self.group_of[i] for i in members]] = h
            self.households = h + 1

        h = new_highs()
        h.setOptionValue("mip_rel_gap", MIP_GAP)
        m = len(self.groups)
        cols = np.arange(m, dtype=np.int32)
        h.addVars(m, np.zeros(m), np.array([group.cap for group in self.groups], dtype=float))
        h.changeColsIntegrality(
            m, cols, np.full(m, int(highspy.HighsVarType.kInteger), dtype=np.uint8)
        )
        h.addRow(k, k, m, cols, np.ones(m))
        for quota in instance.quotas:
            taking = [
                g
                for g, group in enumerate(self.groups)
                if instance.values[people[group.members[0]]][quota.feature] == quota.value
            ]
            h.addRow(
                quota.min, quota.max, len(taking), np.array(taking, np.int32), np.ones(len(taking))
            )
        for members in households.values():
            if len(members) > 1:
                taking = sorted({self.group_of[i] for i in members})
                h.addRow(
                    -highspy.kHighsInf,
                    1.0,
                    len(taking),
                    np.array(taking, np.int32),
                    np.ones(len(taking)),
                )
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        # Each pricing MIP is small and solved thousands of times with new weights: presolve
        # costs more than it saves, and the improving solutions found on the way are kept.
        h.setOptionValue("presolve", "off")
        h.setOptionValue("mip_improving_solution_save", True)
        self.h = h

    def best_profile(self, weights: np.ndarray) -> tuple[Profile, float] | None:
        """A feasible profile of greatest Σ count · weight, with that sum; None if the quotas
        admit no panel."""
        m = len(self.groups)
        self.h.changeColsCost(m, np.arange(m, dtype=np.int32), weights.astype(float))
        self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        profile = tuple(round(value) for value in self.h.getSolution().col_value[:m])
        return profile, float(np.dot(profile, weights))

    def improving(self, weights: np.ndarray, above: float) -> list[Profile]:
        """Other profiles the last `best_profile` met with Σ count · weight above `above`."""
        m = len(self.groups)
        found = []
        for solution in self.h.getSavedMipSolutions():
            profile = tuple(round(value) for value in solution.col_value[:m])
            if float(np.dot(profile, weights)) > above:
                found.append(profile)
        return found

    def improve(self, profile: np.ndarray, weights: np.ndarray, rounds: int = 50) -> np.ndarray:
        """A feasible profile at least as heavy as the feasible `profile`, by greedy swaps:
        one member out of group a, one into group b, wherever the quotas and households
        still hold and b outweighs a. A cheap pricing heuristic; proves nothing."""
        profile = profile.copy()
        for _ in range(rounds):
            counts = np.bincount(
                self.codes.ravel(), np.repeat(profile, self.codes.shape[1]), len(self.value_min)
            )
            taken = np.flatnonzero(profile > 0)
            open_ = np.flatnonzero((profile < self.caps) & (weights > weights[taken].min()))
            if len(open_) == 0:
                break
            out, into = self.codes[taken], self.codes[open_]
            may_leave = (counts > self.value_min)[out]  # (taken, F)
            may_enter = (counts < self.value_max)[into]  # (open, F)
            allowed = np.all(
                (out[:, None, :] == into[None, :, :])
                | (may_leave[:, None, :] & may_enter[None, :, :]),
                axis=2,
            )
            # A housemate may enter only if its household is free, or freed by the one leaving.
            home, homes_taken = self.household[open_], self.household[taken]
            occupied = np.zeros(self.households + 1, dtype=bool)  # the last: "no household"
            occupied[homes_taken] = True
            occupied[-1] = False
            busy = occupied[home]
            allowed &= ~busy[None, :] | (home[None, :] == homes_taken[:, None])
            gain = np.where(allowed, weights[open_][None, :] - weights[taken][:, None], -np.inf)
            a, b = np.unravel_index(np.argmax(gain), gain.shape)
            if gain[a, b] <= 1e-12:
                break
            profile[taken[a]] -= 1
            profile[open_[b]] += 1
        return profile
