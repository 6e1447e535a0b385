"""Extended justified representation up to one project: MES satisfies it, greedy need not.

Peters, Pierczyński, Skowron, "Proportional participatory budgeting with additive utilities"
(NeurIPS 2021), for approval ballots with additive utilities u_i(W) = Σ_{p ∈ W ∩ A_i} u(p),
where u(p) is the cost of p (cost satisfaction) or 1 (cardinality satisfaction):

A group S of voters is T-cohesive for a set of projects T if every voter in S approves all of
T and S can pay for T with its share of the budget: |S| / n · budget ≥ cost(T). An outcome W
satisfies EJR up to one project if for every T-cohesive group S some voter i ∈ S has
u_i(W) ≥ u_i(T), or u_i(W + {a}) > u_i(T) for some a ∈ T \\ W. MES with utilities u
satisfies it (their Theorem on MES and EJR up to one project).
"""

from fractions import Fraction
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from gemeinsam.budgeting.rules.election import BallotKind, Election, Project
from gemeinsam.budgeting.rules.mes import equal_shares


def violates_ejr_up_to_one(election: Election, outcome: list[str], satisfaction: str):
    """The first (T, failing voters) that breaks EJR up to one project, else None.

    Brute force over all T. Among the voters approving T, those that fail (u_i(W) < u_i(T)
    and no single a ∈ T \\ W lifts them above u_i(T)) form the largest group that could
    violate the property; a violation exists iff they alone are T-cohesive."""
    cost = {p.id: p.cost for p in election.projects}
    utility = {p: (c if satisfaction == "cost" else Fraction(1)) for p, c in cost.items()}
    chosen = set(outcome)
    n = len(election.ballots)
    for size in range(1, len(cost) + 1):
        for subset in combinations(cost, size):
            group = set(subset)
            target = sum(utility[p] for p in group)
            missing = group - chosen
            failing = []
            for voter, ballot in enumerate(election.ballots):
                if not group <= ballot:
                    continue
                have = sum(utility[p] for p in ballot & chosen)
                if have >= target or any(have + utility[a] > target for a in missing):
                    continue
                failing.append(voter)
            if len(failing) * election.budget >= sum(cost[p] for p in group) * n:
                return group, failing
    return None


def approval(budget, costs: dict[str, int], *ballots: str) -> Election:
    return Election(
        budget=Fraction(budget),
        projects=[Project(pid, Fraction(cost)) for pid, cost in costs.items()],
        kind=BallotKind.APPROVAL,
        ballots=[frozenset(b.split()) for b in ballots],
    )


def test_the_check_finds_a_majority_taking_everything():
    costs = {"a1": 1, "a2": 1, "a3": 1, "a4": 1, "b": 1}
    election = approval(4, costs, *["a1 a2 a3 a4"] * 3, "b")
    # Greedy funds a1..a4; the lone b voter owns a quarter of the budget, enough for b.
    assert violates_ejr_up_to_one(election, ["a1", "a2", "a3", "a4"], "cost") == ({"b"}, [3])
    assert violates_ejr_up_to_one(election, ["a1", "a2", "a3", "a4"], "cardinality")
    outcome = equal_shares(election).selected
    assert "b" in outcome
    assert violates_ejr_up_to_one(election, outcome, "cost") is None


@st.composite
def small_approval_elections(draw) -> Election:
    count = draw(st.integers(1, 8))
    ids = [str(i) for i in range(count)]
    costs = draw(st.lists(st.integers(1, 40), min_size=count, max_size=count))
    budget = draw(st.integers(1, max(1, sum(costs))))
    ballots = draw(
        st.lists(st.frozensets(st.sampled_from(ids), max_size=count), min_size=1, max_size=12)
    )
    return Election(
        budget=Fraction(budget),
        projects=[Project(i, Fraction(c)) for i, c in zip(ids, costs, strict=True)],
        kind=BallotKind.APPROVAL,
        ballots=ballots,
    )


@settings(max_examples=150, deadline=None)
@given(small_approval_elections(), st.sampled_from(["cost", "cardinality"]))
def test_equal_shares_satisfies_ejr_up_to_one_project(election, satisfaction):
    outcome = equal_shares(election, satisfaction).selected
    assert violates_ejr_up_to_one(election, outcome, satisfaction) is None
