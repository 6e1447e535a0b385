"""Greedy utilitarian welfare on small elections worked out by hand."""

from fractions import Fraction

import pytest

from gemeinsam.budgeting.rules import BallotKind, Election, Project, greedy_utilitarian


def approval(budget, costs: dict[str, int], *ballots: str) -> Election:
    return Election(
        budget=Fraction(budget),
        projects=[Project(pid, Fraction(cost)) for pid, cost in costs.items()],
        kind=BallotKind.APPROVAL,
        ballots=[frozenset(b.split()) for b in ballots],
    )


def test_most_supported_first_skipping_what_no_longer_fits():
    election = approval(10, {"a": 6, "b": 5, "c": 4}, "a b c", "a b", "a", "b c")
    outcome = greedy_utilitarian(election)
    # a (3 votes) fits, b (3 votes, 5) does not fit into 4, c (2 votes, 4) does.
    assert outcome.selected == ["a", "c"]
    assert outcome.total_cost == 10
    assert outcome.budget == 10


def test_equal_support_is_broken_by_id_as_text():
    election = approval(5, {"9": 5, "10": 5}, "9 10")
    assert greedy_utilitarian(election).selected == ["10"]


def test_cardinality_satisfaction_ranks_supporters_per_cost():
    election = approval(10, {"big": 10, "small1": 3, "small2": 3}, "big", "big", "small1", "small2")
    assert greedy_utilitarian(election, "cost").selected == ["big"]
    assert greedy_utilitarian(election, "cardinality").selected == ["small1", "small2"]


def test_unsupported_projects_fill_leftover_money():
    election = approval(10, {"a": 4, "z": 6, "y": 7}, "a")
    assert greedy_utilitarian(election).selected == ["a", "z"]


def test_free_project_with_support_comes_first_under_cardinality():
    election = approval(3, {"a": 3, "free": 0}, "a", "a", "free")
    assert greedy_utilitarian(election, "cardinality").selected == ["free", "a"]
    # Under cost satisfaction a free project brings no satisfaction: density 0, visited last.
    assert greedy_utilitarian(election, "cost").selected == ["a", "free"]


def test_additive_satisfaction_uses_cumulative_points():
    election = Election(
        budget=Fraction(10),
        projects=[Project("a", Fraction(10)), Project("b", Fraction(5)), Project("c", Fraction(5))],
        kind=BallotKind.CUMULATIVE,
        ballots=[{"a": 9, "b": 1}, {"b": 5, "c": 4}, {"c": 2}],
    )
    # points per cost: a 9/10, b 6/5, c 6/5; counted supporters: a 1, b 2, c 2.
    assert greedy_utilitarian(election, "additive").selected == ["b", "c"]
    assert greedy_utilitarian(election, "cost").selected == ["b", "c"]
    with pytest.raises(ValueError, match="cumulative"):
        greedy_utilitarian(approval(1, {"a": 1}, "a"), "additive")


def test_initial_projects_count_as_funded():
    election = approval(10, {"a": 6, "b": 5, "c": 4}, "a b c", "a b", "a", "b c")
    outcome = greedy_utilitarian(election, initial=["b"])
    assert outcome.selected == ["b", "c"]
    assert outcome.total_cost == 9


def test_unknown_satisfaction_is_refused():
    with pytest.raises(ValueError, match="unknown satisfaction"):
        greedy_utilitarian(approval(1, {"a": 1}, "a"), "happiness")
