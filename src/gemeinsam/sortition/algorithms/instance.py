"""A panel-selection instance: volunteers with feature values, quotas, households, a size.

Every algorithm takes an `Instance` and returns a `Distribution` (a lottery over panels
that satisfy all quotas and the household rule); `Distribution.draw(seed)` picks one.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Quota:
    """How many panel members must have `value` of `feature`: between `min` and `max`."""

    feature: str
    value: str
    min: int
    max: int


@dataclass
class Instance:
    """Volunteers (`people`, ids in input order), each with one value per feature."""

    people: list[str]
    values: dict[str, dict[str, str]]  # person id -> feature -> value
    quotas: list[Quota]
    size: int  # the panel size k
    # Person id -> household key (e.g. address and postcode); at most one per household.
    # People without an entry share a household with nobody.
    households: dict[str, str] = field(default_factory=dict)
    # Person id -> other input column -> value (names, contact, address), kept for the output.
    details: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def features(self) -> list[str]:
        return list(dict.fromkeys(q.feature for q in self.quotas))

    def quota(self, feature: str, value: str) -> Quota:
        return next(q for q in self.quotas if q.feature == feature and q.value == value)

    def panel_problems(self, panel) -> list[str]:
        """What is wrong with a panel: its size, unknown people, a quota missed, two people
        of one household. Empty for a valid panel."""
        members = list(panel)
        problems = []
        if len(members) != self.size:
            problems.append(f"the panel has {len(members)} members, not {self.size}")
        twice = sorted({person for person in members if members.count(person) > 1})
        if twice:
            problems.append(f"listed more than once: {', '.join(twice[:5])}")
        unknown = [person for person in members if person not in self.values]
        if unknown:
            problems.append(f"unknown people: {', '.join(unknown[:5])}")
        known = [person for person in members if person in self.values]
        for quota in self.quotas:
            count = sum(
                1 for person in known if self.values[person].get(quota.feature) == quota.value
            )
            if not quota.min <= count <= quota.max:
                problems.append(
                    f"{quota.feature} = {quota.value}: {count} members, "
                    f"quota {quota.min} to {quota.max}"
                )
        seen: dict[str, str] = {}
        for person in known:
            household = self.households.get(person)
            if household and household in seen:
                problems.append(f"{seen[household]} and {person} share a household")
            elif household:
                seen[household] = person
        return problems
