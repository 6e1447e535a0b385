"""The demo shows budgeting at work: a Pankow budget in its voting phase, and real Pabulib
ballots from Budapest-Józsefváros, counted and published."""

import hashlib

import pytest
from django.apps import apps
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from gemeinsam.budgeting import selectors
from gemeinsam.budgeting.demo import (
    DEMO_CODES,
    PABULIB_FILE,
    PABULIB_SLUG,
    VOTING_SLUG,
    load_demo_content,
)
from gemeinsam.budgeting.models import BallotSource, BudgetingProcess, Feasibility
from gemeinsam.budgeting.rules.pabulib import read_pabulib
from gemeinsam.budgeting.rules.solve import solve
from gemeinsam.budgeting.services import ballots
from gemeinsam.core.demo import load_demo_content as load_core_demo
from gemeinsam.core.models import User
from gemeinsam.participation.models import PhaseType

pytestmark = pytest.mark.django_db

PABULIB_SHA256 = "14e8548f94cb251942ac82198ed80378e8a20a556160ecfcf01136aab51f3c3f"


@pytest.fixture(scope="module")
def _loaded(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module (counting Budapest takes seconds) in a
    transaction rolled back at its end; each test runs in a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_core_demo()
        load_demo_content()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(_loaded, db) -> BudgetingProcess:
    return BudgetingProcess.objects.get(process__slug=VOTING_SLUG)


@pytest.fixture
def budapest(demo) -> BudgetingProcess:
    return BudgetingProcess.objects.get(process__slug=PABULIB_SLUG)


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for label in ("budgeting", "participation")
        for model in apps.get_app_config(label).get_models()
    }


def test_the_pankow_budget_is_voting_on_feasible_proposals_in_pankow(demo):
    assert demo.process.slug == VOTING_SLUG
    assert demo.process.phase_at().type == PhaseType.VOTING
    assert [phase.type for phase in demo.process.phases.order_by("position")] == [
        PhaseType.IDEA_COLLECTION,
        PhaseType.EVALUATION,
        PhaseType.VOTING,
        PhaseType.RESULT,
    ]
    assert demo.budget == 250_000 and demo.max_projects == 5 and demo.voting_codes
    on_ballot = list(selectors.ballot_proposals(demo))
    assert len(on_ballot) == 10
    assert all(p.final_cost and p.reviewed_by for p in on_ballot)
    assert {p.idea.district.name for p in on_ballot} == {"Pankow"}
    assert sum(p.cost for p in on_ballot) > demo.budget  # voters have to choose


def test_one_proposal_is_rejected_in_public_and_one_awaits_review(demo, anonymous):
    rejected = demo.proposals.get(feasibility=Feasibility.NOT_FEASIBLE)
    assert demo.proposals.filter(feasibility=Feasibility.PENDING).count() == 1
    page = anonymous.get(reverse("budgeting:process", args=[VOTING_SLUG])).content.decode()
    assert rejected.rejection_reason in page


def test_staff_see_a_provisional_count_of_the_demo_ballots(demo, login):
    sources = set(demo.ballots.values_list("source", flat=True))
    assert sources == {BallotSource.ONLINE, BallotSource.PAPER}
    assert demo.ballots.filter(voter__email__endswith="@demo.gemeinsam.invalid").count() >= 3
    assert selectors.published(demo) is None
    provisional = selectors.newest(demo)
    assert not provisional.final and provisional.ballots == demo.ballots.count()
    staff = User.objects.get(email="verwaltung@demo.gemeinsam.invalid")
    page = login(staff).get(reverse("budgeting:results", args=[VOTING_SLUG])).content.decode()
    first = demo.proposals.get(pk=provisional.data["parts"][0]["selected"][0])
    assert first.idea.title in page


def test_the_printed_demo_codes_vote_without_an_account(demo):
    ballot = ballots.cast_ballot(DEMO_CODES[0], demo, {demo.proposals.first().pk: 1})
    assert ballot.source == BallotSource.CODE
    assert [selectors.code_is_usable(demo, code) for code in DEMO_CODES] == [False, True, True]


def test_the_shipped_pabulib_file_is_the_original_byte_for_byte():
    data = PABULIB_FILE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == PABULIB_SHA256
    assert b"\r\n" in data
    assert PABULIB_SHA256 in (PABULIB_FILE.parent / "README.md").read_text()


def test_the_real_budapest_ballots_are_imported_and_labelled(budapest):
    process = budapest.process
    assert "Echte Daten" in process.title and "Józsefváros" in process.title
    assert "Pabulib" in process.summary and "anonyme" in process.summary
    assert process.phase_at().type == PhaseType.RESULT
    voting = process.phases.get(type=PhaseType.VOTING)
    assert timezone.localdate(voting.starts_at).isoformat() == "2022-07-01"
    assert timezone.localdate(voting.ends_at).isoformat() == "2022-07-25"  # 24th, whole day
    assert budapest.proposals.count() == 33
    assert budapest.ballots.filter(source=BallotSource.IMPORTED).count() == 520
    assert budapest.currency == "HUF"


def test_the_published_budapest_result_is_what_equal_shares_selects(budapest, anonymous):
    result = selectors.published(budapest)
    assert result.final and result.ballots == 520
    assert (budapest.rule, budapest.completion) == ("mes", "add1-greedy")
    external_id = dict(budapest.proposals.values_list("pk", "external_id"))
    winners = [external_id[pk] for pk in result.data["parts"][0]["selected"]]
    expected = solve(read_pabulib(PABULIB_FILE), "mes", "cost", "add1-greedy").selected
    assert winners == list(expected)
    page = anonymous.get(reverse("budgeting:results", args=[PABULIB_SLUG]))
    assert page.status_code == 200
    assert "Egy VÍGabb utca" in page.content.decode()


def test_loading_again_duplicates_nothing(demo):
    before = row_counts()
    load_core_demo()
    load_demo_content()
    assert row_counts() == before
