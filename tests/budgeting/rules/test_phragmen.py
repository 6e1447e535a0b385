"""Sequential Phragmén on small elections worked out by hand."""

from fractions import Fraction

import pytest

from gemeinsam.budgeting.rules import BallotKind, Election, Project, sequential_phragmen


def approval(budget, costs: dict[str, int], *ballots: str) -> Election:
    return Election(
        budget=Fraction(budget),
        projects=[Project(pid, Fraction(cost)) for pid, cost in costs.items()],
        kind=BallotKind.APPROVAL,
        ballots=[frozenset(b.split()) for b in ballots],
    )


def test_loads_are_shared_and_carried_over():
    # a: 3 supporters, cost 3 → load 1 each. b (voters 1, 2 with load 1 + voter 4 at 0):
    # (1 + 1 + 0 + 3) / 3 = 5/3. c (voter 4 alone): 2 / 1 = 2. So b, then c at (5/3 + 2).
    election = approval(100, {"a": 3, "b": 3, "c": 2}, "a b", "a b", "a", "b c")
    outcome = sequential_phragmen(election)
    assert outcome.selected == ["a", "b", "c"]
    assert outcome.details["load"] == {"a": 1, "b": Fraction(5, 3), "c": Fraction(11, 3)}
    assert outcome.total_cost == 8


def test_stops_instead_of_skipping_a_project_that_does_not_fit():
    # a: load 1/2 (voters 1, 2). Then b: (1/2 + 1/2 + 5) / 6 = 1 beats c's 2, but b would
    # exceed the budget, so Phragmén stops, although c would still fit. Greedy takes c.
    election = approval(5, {"a": 1, "b": 5, "c": 2}, "a b", "a b", "b", "b", "b", "b", "c")
    assert sequential_phragmen(election).selected == ["a"]


def test_equal_loads_broken_by_id_as_text():
    election = approval(2, {"9": 1, "10": 1}, "9", "10")
    assert sequential_phragmen(election).selected == ["10", "9"]


def test_projects_above_the_budget_are_never_considered():
    election = approval(5, {"huge": 6, "a": 5}, "huge", "huge", "a")
    assert sequential_phragmen(election).selected == ["a"]


def test_unsupported_projects_come_last_and_only_while_all_fit():
    election = approval(10, {"a": 4, "x": 3, "y": 3}, "a")
    assert sequential_phragmen(election).selected == ["a", "x", "y"]
    election = approval(9, {"a": 4, "x": 3, "y": 3}, "a")
    # After a, x and y tie at infinite load and both fit (4 + 3 ≤ 9): x is taken; then y
    # would need 10 > 9: stop.
    assert sequential_phragmen(election).selected == ["a", "x"]


def test_identical_ballots_weigh_like_separate_voters():
    many = approval(10, {"a": 6, "b": 4, "c": 4}, *(["a"] * 5 + ["b c"] * 3 + ["c"] * 2))
    outcome = sequential_phragmen(many)
    # c: 4/5 (five voters); a: 6/5; b would then need (3 * 4/5 + 4) / 3 and no longer fits.
    assert outcome.selected == ["c", "a"]
    assert outcome.details["load"] == {"c": Fraction(4, 5), "a": Fraction(6, 5)}


def test_needs_approval_ballots():
    election = Election(
        budget=Fraction(1),
        projects=[Project("a", Fraction(1))],
        kind=BallotKind.CUMULATIVE,
        ballots=[{"a": 1}],
    )
    with pytest.raises(ValueError, match="approval"):
        sequential_phragmen(election)
