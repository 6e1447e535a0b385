"""The audit log of budgeting: reviews, codes, paper ballots, imports and counts are recorded
on the process with their facts, never with what anyone voted, and shown on the staff page."""

import json
from decimal import Decimal
from fractions import Fraction

import pytest
from django.urls import reverse
from django.utils import translation

from gemeinsam.budgeting.models import Proposal
from gemeinsam.budgeting.rules.election import BallotKind, Election, Project
from gemeinsam.budgeting.services import ballots, codes, imports, proposals, results
from gemeinsam.core import audit

from .test_ballots import ids, make_budgeting
from .test_results import close_voting, majority_election

pytestmark = pytest.mark.django_db


def events(budgeting) -> list:
    """The process's events, oldest first."""
    return list(reversed(audit.events_for(budgeting)))


def test_a_review_is_recorded_with_its_result_but_not_its_reason(staff):
    budgeting = make_budgeting()
    proposal = Proposal.objects.get(pk=ids(budgeting)[0])
    proposals.review_proposal(
        staff, proposal, feasibility="not_feasible", reason="Das Land ist zuständig."
    )
    proposals.review_proposal(staff, proposal, feasibility="feasible", final_cost=Decimal("350"))
    refused, accepted = events(budgeting)
    assert (refused.actor, refused.verb) == (staff, "budgeting.proposal_not_feasible")
    assert refused.data == {
        "proposal": proposal.pk,
        "feasibility": "not_feasible",
        "final_cost": None,
    }
    assert accepted.verb == "budgeting.proposal_feasible"
    assert accepted.data["final_cost"] == "350"
    assert "zuständig" not in json.dumps(refused.data)
    with translation.override("en"):
        assert audit.describe(accepted) == f"Proposal {proposal.pk} reviewed: feasible"


def test_generated_codes_are_recorded_by_batch_and_count_never_the_codes(staff):
    budgeting = make_budgeting(voting_codes=True)
    batch, printed = codes.generate_codes(staff, budgeting, 3)
    (event,) = events(budgeting)
    assert (event.actor, event.verb, event.target) == (staff, "budgeting.generate_codes", budgeting)
    assert event.data == {"batch": batch, "count": 3}
    stored = json.dumps(event.data)
    assert not any(code in stored or codes.code_hash(code) in stored for code in printed)
    with translation.override("en"):
        assert audit.describe(event) == "Voting codes generated: batch 1, 3 codes"


def test_paper_ballots_are_recorded_by_count_not_by_content(staff):
    budgeting = make_budgeting()
    p = ids(budgeting)
    ballots.enter_paper_ballot(staff, budgeting, {p[0]: 1}, reference="P-001")
    ballots.enter_paper_ballot(staff, budgeting, {p[1]: 1, p[2]: 1}, reference="P-002")
    assert [(e.actor, e.verb, e.data) for e in events(budgeting)] == [
        (staff, "budgeting.enter_paper_ballot", {"count": 1}),
        (staff, "budgeting.enter_paper_ballot", {"count": 2}),
    ]


def test_an_online_ballot_is_not_recorded(resident):
    budgeting = make_budgeting()
    ballots.cast_ballot(resident, budgeting, {ids(budgeting)[0]: 1})
    assert events(budgeting) == []


def test_an_import_is_recorded_with_its_numbers():
    budgeting = make_budgeting(costs=())
    election = Election(
        budget=Fraction(1000),
        projects=[Project("a", Fraction(600)), Project("b", Fraction(300))],
        kind=BallotKind.APPROVAL,
        ballots=[frozenset({"a"}), frozenset({"a", "b"}), frozenset({"b"})],
    )
    imports.import_election(budgeting, election)
    (event,) = events(budgeting)
    assert (event.actor, event.verb) == (None, "budgeting.import_ballots")
    assert event.data == {"proposals": 2, "ballots": 3}


def test_counts_are_recorded_provisional_or_published(staff, django_capture_on_commit_callbacks):
    budgeting = majority_election()
    results.count_now(budgeting)
    close_voting(budgeting)
    with django_capture_on_commit_callbacks(execute=True):
        final = results.request_count(staff, budgeting)
    provisional, published = events(budgeting)
    assert (provisional.actor, provisional.verb) == (None, "budgeting.count_provisional")
    assert provisional.data["final"] is False and provisional.data["ballots"] == 10
    assert (published.actor, published.verb) == (staff, "budgeting.publish_result")
    assert published.data == {"count": final.pk, "rule": "mes", "ballots": 10, "final": True}
    with translation.override("en"):
        assert audit.describe(published) == (
            f"Result published: count {final.pk}, 10 ballots counted by the rule mes"
        )


def test_the_review_page_shows_the_history_of_changes(staff, login):
    budgeting = make_budgeting(voting_codes=True)
    codes.generate_codes(staff, budgeting, 2)
    page = login(staff).get(reverse("budgeting:review_list", args=[budgeting.slug]))
    assert page.status_code == 200
    with translation.override(page.wsgi_request.LANGUAGE_CODE):
        heading = translation.gettext("History of changes")
        described = audit.describe(events(budgeting)[0])
    html = page.content.decode()
    assert f"<h2>{heading}</h2>" in html
    assert described in html
