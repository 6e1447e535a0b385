"""An election as the rules see it: a budget, projects with costs, and the voters' ballots.

Pure Python, no Django: the platform, the Pabulib reader and the benchmark all build one.
Numbers are exact (`Fraction`), as pabutools reads them, so that no rule's outcome can
depend on rounding.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction


class BallotKind(StrEnum):
    APPROVAL = "approval"  # a set of projects
    CUMULATIVE = "cumulative"  # points per project
    ORDINAL = "ordinal"  # projects in order of preference, best first
    CHOOSE_1 = "choose-1"  # one project (Pabulib's choose-1; read as approval of one)


@dataclass(frozen=True)
class Project:
    id: str
    cost: Fraction
    name: str = ""
    # Further columns of the source (Pabulib: votes, score, category, target, selected, ...).
    extra: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)


# A ballot: approval → frozenset of project ids; cumulative → {project id: points};
# ordinal → tuple of project ids, best first.
Ballot = frozenset[str] | Mapping[str, int] | tuple[str, ...]


@dataclass
class Election:
    """One election. `projects` keep the source's order; ballots refer to project ids."""

    budget: Fraction
    projects: list[Project]
    kind: BallotKind
    ballots: list[Ballot]
    voter_ids: list[str] = field(default_factory=list)
    # The source's metadata (Pabulib META section) and per-voter columns (age, sex, ...).
    meta: dict[str, str] = field(default_factory=dict)
    voter_extra: list[dict[str, str]] = field(default_factory=list)
    # Ballot constraints where the source states them (Pabulib min_length, max_sum_points ...).
    min_length: int | None = None
    max_length: int | None = None
    max_sum_points: int | None = None

    def __post_init__(self) -> None:
        ids = [p.id for p in self.projects]
        if len(set(ids)) != len(ids):
            raise ValueError("project ids must be unique")

    @property
    def project_ids(self) -> list[str]:
        return [p.id for p in self.projects]

    def project(self, project_id: str) -> Project:
        return self._by_id()[project_id]

    def cost(self, project_ids: Sequence[str]) -> Fraction:
        by_id = self._by_id()
        return sum((by_id[p].cost for p in project_ids), Fraction(0))

    def _by_id(self) -> dict[str, Project]:
        cached = self.__dict__.get("_project_index")
        if cached is None or len(cached) != len(self.projects):
            cached = {p.id: p for p in self.projects}
            self.__dict__["_project_index"] = cached
        return cached


@dataclass(frozen=True)
class Outcome:
    """What a rule selected, in the order it selected them, with what it can explain."""

    selected: list[str]
    total_cost: Fraction
    budget: Fraction
    rule: str
    # Rule-specific explanations, e.g. for MES per project: supporters' remaining money
    # and the price it would have needed (see mes.py).
    details: dict = field(default_factory=dict)
