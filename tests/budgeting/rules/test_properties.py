"""Properties on random small elections: within budget, and the same winners as pabutools."""

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pabutools.election import (
    Additive_Cardinal_Sat,
    Cardinality_Sat,
    Cost_Sat,
)
from pabutools.election.pabulib import parse_pabulib_from_string
from pabutools.rules import greedy_utilitarian_welfare
from pabutools.rules import sequential_phragmen as pabutools_phragmen

from gemeinsam.budgeting.rules import (
    BallotKind,
    Election,
    Project,
    election_as_pabulib,
    greedy_utilitarian,
    parse_pabulib,
    sequential_phragmen,
)

# Ids that sort differently as text and as numbers, so that tie-breaking is exercised.
IDS = ["1", "2", "9", "10", "11", "20", "a", "B"]
SATISFACTIONS = {
    "cost": Cost_Sat,
    "cardinality": Cardinality_Sat,
    "additive": Additive_Cardinal_Sat,
}
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def elections(draw, kind=BallotKind.APPROVAL):
    ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=8, unique=True))
    # Few distinct costs, so that equal densities and loads (ties) are common.
    costs = draw(st.lists(st.integers(0, 6), min_size=len(ids), max_size=len(ids)))
    projects = [
        Project(pid, Fraction(cost) if cost else Fraction(draw(st.sampled_from([0, 1, 3]))), "")
        for pid, cost in zip(ids, costs, strict=True)
    ]
    budget = Fraction(draw(st.integers(0, 20)), draw(st.sampled_from([1, 1, 2])))
    if kind == BallotKind.APPROVAL:
        ballot = st.frozensets(st.sampled_from(ids), max_size=len(ids))
    elif kind == BallotKind.CHOOSE_1:
        ballot = st.frozensets(st.sampled_from(ids), max_size=1)
    elif kind == BallotKind.ORDINAL:
        ballot = st.lists(st.sampled_from(ids), max_size=len(ids), unique=True).map(tuple)
    else:
        # Non-empty: pabutools 1.2.3 cannot read an empty cumulative vote.
        ballot = st.dictionaries(st.sampled_from(ids), st.integers(1, 5), min_size=1)
    ballots = draw(st.lists(ballot, max_size=12))
    return Election(budget=budget, projects=projects, kind=kind, ballots=ballots)


def as_pabutools(election: Election):
    return parse_pabulib_from_string(election_as_pabulib(election))


def assert_within_budget(election: Election, selected: list[str], total_cost: Fraction):
    assert len(set(selected)) == len(selected)
    assert total_cost == election.cost(selected)
    assert total_cost <= election.budget


@SETTINGS
@given(elections(), st.sampled_from(["cost", "cardinality"]))
def test_greedy_on_approval_matches_pabutools(election, satisfaction):
    outcome = greedy_utilitarian(election, satisfaction)
    assert_within_budget(election, outcome.selected, outcome.total_cost)
    instance, profile = as_pabutools(election)
    expected = greedy_utilitarian_welfare(instance, profile, sat_class=SATISFACTIONS[satisfaction])
    assert outcome.selected == [p.name for p in expected]


@SETTINGS
@given(elections(BallotKind.CUMULATIVE), st.sampled_from(["cost", "cardinality", "additive"]))
def test_greedy_on_cumulative_matches_pabutools(election, satisfaction):
    outcome = greedy_utilitarian(election, satisfaction)
    assert_within_budget(election, outcome.selected, outcome.total_cost)
    instance, profile = as_pabutools(election)
    expected = greedy_utilitarian_welfare(instance, profile, sat_class=SATISFACTIONS[satisfaction])
    assert outcome.selected == [p.name for p in expected]


@SETTINGS
@given(elections(BallotKind.ORDINAL), st.sampled_from(["cost", "cardinality"]))
def test_greedy_on_ordinal_ballots_reads_them_as_approval_like_pabutools(election, satisfaction):
    outcome = greedy_utilitarian(election, satisfaction)
    instance, profile = as_pabutools(election)
    expected = greedy_utilitarian_welfare(instance, profile, sat_class=SATISFACTIONS[satisfaction])
    assert outcome.selected == [p.name for p in expected]


@SETTINGS
@given(elections())
def test_phragmen_matches_pabutools(election):
    outcome = sequential_phragmen(election)
    assert_within_budget(election, outcome.selected, outcome.total_cost)
    instance, profile = as_pabutools(election)
    expected = pabutools_phragmen(instance, profile)
    assert sorted(outcome.selected) == sorted(p.name for p in expected)


@SETTINGS
@given(st.one_of(*(elections(kind) for kind in BallotKind)))
def test_written_election_reads_back_equal(election):
    again = parse_pabulib(election_as_pabulib(election))
    assert again.budget == election.budget
    assert again.projects == election.projects
    assert again.ballots == election.ballots
