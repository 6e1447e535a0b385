"""The greedy random draw the Sortition Foundation used for years ("legacy" in the
sortition-algorithms package), and an estimate of the selection probabilities it gives.

Flanigan et al. (Nature 2021) call it LEGACY and show it is far from equal: some volunteers
are almost never chosen. It is here as the baseline the fair algorithms are compared with.
"""

import math
import random
from dataclasses import dataclass

from .instance import Instance

MAX_ATTEMPTS = 100  # sortition-algorithms' default `max_attempts`


class LegacyDrawError(RuntimeError):
    """Every attempt of the greedy draw ran into a dead end."""


class _DeadEnd(Exception):
    """This attempt can no longer meet a minimum; start again."""


class _Attempt:
    """The state of one greedy draw: who is still available and each quota's counts."""

    def __init__(self, instance: Instance, rng: random.Random, members: dict[str, list[str]]):
        self.instance = instance
        self.rng = rng
        self.members = members
        self.quotas = {(q.feature, q.value): q for q in instance.quotas}
        # Per quota the available people in input order (a dict as an ordered set).
        self.available: dict[tuple[str, str], dict[str, None]] = {key: {} for key in self.quotas}
        self.selected = dict.fromkeys(self.quotas, 0)
        self.pool: dict[str, None] = {}
        for person in instance.people:
            self.pool[person] = None
            for key in self._keys_of(person):
                self.available[key][person] = None

    def _keys_of(self, person: str) -> list[tuple[str, str]]:
        values = self.instance.values[person]
        keys = [(feature, values.get(feature, "")) for feature in self.instance.features]
        return [key for key in keys if key in self.quotas]

    def remove(self, person: str) -> None:
        del self.pool[person]
        for key in self._keys_of(person):
            self.available[key].pop(person, None)

    def check_reachable(self) -> None:
        for quota in self.instance.quotas:
            key = (quota.feature, quota.value)
            if self.selected[key] + len(self.available[key]) < quota.min:
                raise _DeadEnd

    def most_urgent(self) -> tuple[str, str]:
        """The quota with the highest ratio of people still needed to people available;
        ties go to the first in the quota table (all ratios are 0 once minimums are met)."""
        best, best_ratio = None, -math.inf
        for quota in self.instance.quotas:
            key = (quota.feature, quota.value)
            available = len(self.available[key])
            if available == 0 or quota.max == 0:
                continue
            ratio = max(quota.min - self.selected[key], 0) / available
            if ratio > best_ratio:
                best, best_ratio = key, ratio
        if best is None:
            raise _DeadEnd
        return best

    def select(self, person: str) -> None:
        self.remove(person)
        for key in self._keys_of(person):
            self.selected[key] += 1
        household = self.instance.households.get(person)
        for other in self.members.get(household, []) if household else []:
            if other in self.pool:
                self.remove(other)
        # A value whose maximum is reached takes everyone else with it out of the pool.
        for key in self._keys_of(person):
            if self.selected[key] >= self.quotas[key].max:
                for other in list(self.available[key]):
                    self.remove(other)
        self.check_reachable()

    def run(self) -> list[str]:
        for quota in self.instance.quotas:
            if quota.max == 0:
                for other in list(self.available[(quota.feature, quota.value)]):
                    self.remove(other)
        self.check_reachable()
        panel: list[str] = []
        for _ in range(self.instance.size):
            key = self.most_urgent()
            candidates = list(self.available[key])
            person = candidates[self.rng.randrange(len(candidates))]
            panel.append(person)
            self.select(person)
        # The greedy choice can still miss a quota (a maximum overshot by a person chosen
        # for another feature); sortition-algorithms checks the panel and tries again.
        for quota in self.instance.quotas:
            if not quota.min <= self.selected[(quota.feature, quota.value)] <= quota.max:
                raise _DeadEnd
        return panel


def _households(instance: Instance) -> dict[str, list[str]]:
    members: dict[str, list[str]] = {}
    for person, household in instance.households.items():
        members.setdefault(household, []).append(person)
    return members


def legacy_panel(
    instance: Instance, rng: random.Random, *, max_attempts: int = MAX_ATTEMPTS
) -> list[str]:
    """One panel drawn the legacy way, as person ids in the order they were drawn.

    Each step takes the feature value with the highest ratio of members still needed to
    volunteers still available, and draws one of those volunteers uniformly; their
    household and any value that reached its maximum leave the pool. An attempt that can no
    longer meet every quota starts again, up to `max_attempts` times (LegacyDrawError)."""
    members = _households(instance)
    for _ in range(max_attempts):
        try:
            return _Attempt(instance, rng, members).run()
        except _DeadEnd:
            continue
    raise LegacyDrawError(f"no panel found in {max_attempts} attempts of the legacy draw")


@dataclass(frozen=True)
class LegacyEstimate:
    """Selection probabilities *estimated* from repeated legacy draws, not computed.

    `probabilities[p]` is the share of the successful `draws` that chose p, with
    `standard_error[p]` = sqrt(p (1 - p) / draws); `failed` draws found no panel within
    their attempts and are left out (the estimate is conditional on success)."""

    probabilities: dict[str, float]
    standard_error: dict[str, float]
    draws: int
    failed: int
    estimated: bool = True

    @property
    def max_standard_error(self) -> float:
        return max(self.standard_error.values(), default=0.0)


def legacy_probabilities(
    instance: Instance, draws: int, seed: int, *, max_attempts: int = MAX_ATTEMPTS
) -> LegacyEstimate:
    """Estimate each volunteer's chance of selection by `draws` legacy draws from `seed`.

    The legacy draw has no closed form for its probabilities; this is a Monte Carlo
    estimate with binomial standard errors (Flanigan et al. use 10,000 draws).
    Raises LegacyDrawError if no draw succeeds."""
    rng = random.Random(seed)
    counts = dict.fromkeys(instance.people, 0)
    successes = failed = 0
    for _ in range(draws):
        try:
            panel = legacy_panel(instance, rng, max_attempts=max_attempts)
        except LegacyDrawError:
            failed += 1
            continue
        successes += 1
        for person in panel:
            counts[person] += 1
    if successes == 0:
        raise LegacyDrawError(f"none of {draws} legacy draws found a panel")
    probabilities = {person: count / successes for person, count in counts.items()}
    errors = {
        person: math.sqrt(share * (1 - share) / successes)
        for person, share in probabilities.items()
    }
    return LegacyEstimate(probabilities, errors, successes, failed)
