"""Ballots: validation per kind and budget, one ballot per voter (also under concurrency)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gemeinsam.budgeting import selectors
from gemeinsam.budgeting.models import (
    Ballot,
    BallotItem,
    BallotKind,
    BallotSource,
    BudgetingProcess,
    DistrictBudget,
    Feasibility,
    Proposal,
)
from gemeinsam.budgeting.services import ballots
from gemeinsam.participation.models import Idea, Phase, PhaseType, Process

from ..conftest import DistrictFactory, UserFactory, run_concurrently


def make_budgeting(
    state: str = "during",
    phase_type: str = PhaseType.VOTING,
    costs=(400, 300, 200, 100),
    slug: str = "haushalt",
    **fields,
) -> BudgetingProcess:
    """A budgeting process of budget 1000 whose single phase lies before/around/after now,
    with feasible proposals of the given costs (titles P0, P1, ...)."""
    now = timezone.now()
    start = {
        "before": now + timedelta(days=1),
        "during": now - timedelta(days=1),
        "after": now - timedelta(days=10),
    }[state]
    process = Process.objects.create(title="Bürgerhaushalt", slug=slug, summary="Worum es geht")
    Phase.objects.create(
        process=process, type=phase_type, starts_at=start, ends_at=start + timedelta(days=5)
    )
    budgeting = BudgetingProcess.objects.create(process=process, budget=Decimal(1000), **fields)
    for n, cost in enumerate(costs):
        idea = Idea.objects.create(process=process, title=f"P{n}", description="D")
        Proposal.objects.create(
            idea=idea, budgeting=budgeting, cost_estimate=cost, feasibility=Feasibility.FEASIBLE
        )
    return budgeting


def ids(budgeting: BudgetingProcess) -> list[int]:
    """Proposal ids in title order: P0, P1, ..."""
    return [p.pk for p in selectors.ballot_proposals(budgeting)]


def test_approval_ballot_is_stored_and_replaced(resident):
    budgeting = make_budgeting()
    p = ids(budgeting)
    ballots.cast_ballot(resident, budgeting, {p[0]: 1, p[1]: 1})
    ballots.cast_ballot(resident, budgeting, {p[2]: 1})
    ballot = Ballot.objects.get(budgeting=budgeting, voter=resident)
    assert ballot.source == BallotSource.ONLINE
    assert list(ballot.items.values_list("proposal_id", flat=True)) == [p[2]]
    assert Ballot.objects.count() == 1


def test_knapsack_refuses_a_selection_over_budget_and_says_by_how_much(resident):
    budgeting = make_budgeting(knapsack=True, costs=(600, 500, 100))
    p = ids(budgeting)
    check = ballots.check_ballot(budgeting, {p[0]: 1, p[1]: 1})
    assert check.total_cost == 1100
    assert check.parts[0].over_budget == 100
    assert len(check.errors) == 1
    assert "1.100 EUR" in check.errors[0] or "1,100 EUR" in check.errors[0]
    assert "100 EUR" in check.errors[0]
    with pytest.raises(ValidationError):
        ballots.cast_ballot(resident, budgeting, {p[0]: 1, p[1]: 1})
    assert not Ballot.objects.exists()
    ballots.cast_ballot(resident, budgeting, {p[0]: 1, p[2]: 1})  # 700 fits
    assert BallotItem.objects.count() == 2


def test_without_knapsack_over_budget_approval_is_allowed(resident):
    budgeting = make_budgeting(costs=(600, 500))
    p = ids(budgeting)
    check = ballots.check_ballot(budgeting, {p[0]: 1, p[1]: 1})
    assert check.ok and check.parts[0].over_budget == 100


@pytest.mark.parametrize(("chosen", "ok"), [(1, False), (2, True), (3, True), (4, False)])
def test_approval_minimum_and_maximum(db, chosen, ok):
    budgeting = make_budgeting(min_projects=2, max_projects=3)
    p = ids(budgeting)
    check = ballots.check_ballot(budgeting, dict.fromkeys(p[:chosen], 1))
    assert check.ok is ok


def test_approval_values_other_than_one_are_refused(db):
    budgeting = make_budgeting()
    p = ids(budgeting)
    assert not ballots.check_ballot(budgeting, {p[0]: 2}).ok


def test_empty_ballot_and_foreign_proposal_are_refused(db):
    budgeting = make_budgeting()
    other = make_budgeting(slug="anderer")
    assert not ballots.check_ballot(budgeting, {}).ok
    assert not ballots.check_ballot(budgeting, {ids(other)[0]: 1}).ok


def test_proposals_not_found_feasible_are_not_on_the_ballot(db):
    budgeting = make_budgeting(costs=(100, 200))
    pending = Proposal.objects.filter(budgeting=budgeting).first()
    pending.feasibility = Feasibility.PENDING
    pending.save()
    assert pending.pk not in ids(budgeting)
    assert not ballots.check_ballot(budgeting, {pending.pk: 1}).ok


@pytest.mark.parametrize(("points", "ok"), [((5, 5), True), ((6, 5), False), ((10,), True)])
def test_cumulative_points_may_not_exceed_the_available(db, points, ok):
    budgeting = make_budgeting(ballot_kind=BallotKind.CUMULATIVE, points=10)
    p = ids(budgeting)
    check = ballots.check_ballot(budgeting, dict(zip(p, points, strict=False)))
    assert check.ok is ok
    if not ok:
        assert "11" in check.errors[0] and "10" in check.errors[0]


@pytest.mark.parametrize(
    ("ranks", "ok"),
    [((1, 2), True), ((1, 2, 3), True), ((1, 1), False), ((1, 4), False), ((1, 2, 3, 4), False)],
)
def test_ordinal_ranks_are_distinct_and_at_most_k(db, ranks, ok):
    budgeting = make_budgeting(ballot_kind=BallotKind.ORDINAL, max_rank=3)
    p = ids(budgeting)
    assert ballots.check_ballot(budgeting, dict(zip(p, ranks, strict=False))).ok is ok


def test_district_budgets_are_checked_per_district(db):
    north, south = DistrictFactory(), DistrictFactory()
    budgeting = make_budgeting(knapsack=True, costs=(300, 300, 300))
    DistrictBudget.objects.create(budgeting=budgeting, district=north, amount=500)
    DistrictBudget.objects.create(budgeting=budgeting, district=south, amount=500)
    a, b, c = Proposal.objects.filter(budgeting=budgeting).order_by("idea__title")
    a.district = b.district = north
    c.district = south
    for proposal in (a, b, c):
        proposal.save()
    parts = selectors.parts(budgeting)
    assert [part.budget for part in parts] == [500, 500]
    assert ballots.check_ballot(budgeting, {a.pk: 1, c.pk: 1}).ok  # 300 each side
    check = ballots.check_ballot(budgeting, {a.pk: 1, b.pk: 1})  # 600 in north
    assert len(check.errors) == 1 and north.name in check.errors[0]


def test_ballot_can_be_changed_until_the_voting_phase_ends(resident):
    budgeting = make_budgeting()
    p = ids(budgeting)
    ballots.cast_ballot(resident, budgeting, {p[0]: 1})
    phase = budgeting.process.phases.get()
    phase.ends_at = timezone.now() - timedelta(seconds=1)
    phase.save()
    budgeting.process = Process.objects.get(pk=budgeting.process_id)  # phases load afresh
    with pytest.raises(PermissionDenied):
        ballots.cast_ballot(resident, budgeting, {p[1]: 1})
    assert list(BallotItem.objects.values_list("proposal_id", flat=True)) == [p[0]]


@pytest.mark.parametrize("phase_type", [PhaseType.IDEA_COLLECTION, PhaseType.RESULT])
def test_no_voting_outside_the_voting_phase(resident, phase_type):
    budgeting = make_budgeting(phase_type=phase_type)
    with pytest.raises(PermissionDenied):
        ballots.cast_ballot(resident, budgeting, {ids(budgeting)[0]: 1})


def test_paper_ballots_are_marked_with_who_entered_them(staff, resident):
    budgeting = make_budgeting()
    p = ids(budgeting)
    ballot = ballots.enter_paper_ballot(staff, budgeting, {p[0]: 1, p[1]: 1}, "Blatt 7")
    second = ballots.enter_paper_ballot(staff, budgeting, {p[0]: 1})
    assert ballot.source == second.source == BallotSource.PAPER
    assert ballot.entered_by == staff and ballot.voter is None and ballot.reference == "Blatt 7"
    with pytest.raises(PermissionDenied):
        ballots.enter_paper_ballot(resident, budgeting, {p[0]: 1})
    with pytest.raises(ValidationError):
        ballots.enter_paper_ballot(staff, budgeting, {})


def test_stored_ballots_become_a_rules_election(resident, staff):
    budgeting = make_budgeting(ballot_kind=BallotKind.ORDINAL)
    p = ids(budgeting)
    ballots.cast_ballot(resident, budgeting, {p[2]: 1, p[0]: 2})
    election = selectors.to_election(budgeting)
    assert election.budget == 1000
    assert election.project_ids == [str(pk) for pk in sorted(p)]
    assert [election.project(str(pk)).cost for pk in p] == [400, 300, 200, 100]
    assert election.ballots == [(str(p[2]), str(p[0]))]


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_keep_one_ballot_per_voter():
    budgeting = make_budgeting()
    p = ids(budgeting)
    voters = [UserFactory() for _ in range(4)]
    url = reverse("budgeting:ballot", args=[budgeting.process.slug])

    def vote(user, proposal):
        def call():
            client = Client()
            client.force_login(user)
            response = client.post(url, {"action": "submit", f"p-{proposal}": "1"})
            assert response.status_code == 302, response.content[:500]

        return call

    double_clicks = [vote(voters[0], p[n % 4]) for n in range(6)]
    others = [vote(user, p[0]) for user in voters[1:]]
    assert run_concurrently(double_clicks + others) == []
    assert Ballot.objects.filter(budgeting=budgeting).count() == 4
    assert Ballot.objects.filter(budgeting=budgeting, voter=voters[0]).count() == 1
    # Each ballot holds exactly one item: the replacements never mixed two submissions.
    assert BallotItem.objects.filter(ballot__voter=voters[0]).count() == 1
    assert BallotItem.objects.count() == 4
