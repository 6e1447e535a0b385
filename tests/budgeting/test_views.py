"""Pages, permissions (role by phase) and the API of budgeting."""

import json

import pytest
from django.urls import reverse

from gemeinsam.budgeting.models import Ballot, BallotItem, Feasibility, Proposal
from gemeinsam.budgeting.services import proposals
from gemeinsam.core.predicates import can
from gemeinsam.participation.models import PhaseType

from .test_ballots import ids, make_budgeting

PHASES = [PhaseType.IDEA_COLLECTION, PhaseType.EVALUATION, PhaseType.VOTING, PhaseType.RESULT]


@pytest.mark.parametrize("phase_type", PHASES)
@pytest.mark.parametrize("persona", ["anonymous", "resident", "staff"])
def test_permission_matrix(db, request, persona, phase_type):
    budgeting = make_budgeting(phase_type=phase_type, voting_codes=True)
    user = request.getfixturevalue(persona) if persona != "anonymous" else None
    if user is None:
        from django.contrib.auth.models import AnonymousUser

        user = AnonymousUser()
    signed_in = persona != "anonymous"
    is_staff = persona == "staff"
    voting = phase_type == PhaseType.VOTING
    expected = {
        "budgeting.view_process": True,
        "budgeting.submit_proposal": signed_in and phase_type == PhaseType.IDEA_COLLECTION,
        "budgeting.vote": signed_in and voting,
        "budgeting.vote_with_code": voting,
        "budgeting.review_proposal": is_staff,
        "budgeting.manage_codes": is_staff,
        "budgeting.enter_paper_ballot": is_staff and voting,
    }
    actual = {perm: can(user, perm, budgeting) for perm in expected}
    assert actual == expected


def test_blocked_participant_cannot_vote(resident):
    from gemeinsam.participation.models import Block

    budgeting = make_budgeting()
    Block.objects.create(process=budgeting.process, user=resident, reason="Spam")
    assert not can(resident, "budgeting.vote", budgeting)


def test_process_page_lists_proposals_with_costs_and_public_reasons(db, anonymous, staff):
    budgeting = make_budgeting(costs=(1500, 250))
    rejected = Proposal.objects.filter(budgeting=budgeting).first()
    proposals.review_proposal(
        staff, rejected, feasibility=Feasibility.NOT_FEASIBLE, reason="Kein öffentlicher Grund"
    )
    html = anonymous.get(reverse("budgeting:process", args=["haushalt"])).content.decode()
    assert "1.000 EUR" in html  # the budget
    assert "250 EUR" in html
    assert "Kein öffentlicher Grund" in html


def test_ballot_page_needs_login_without_codes(db, anonymous):
    budgeting = make_budgeting()
    response = anonymous.get(reverse("budgeting:ballot", args=[budgeting.process.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_check_my_ballot_explains_an_exceeded_budget_without_javascript(resident, login):
    budgeting = make_budgeting(knapsack=True, costs=(600, 500, 100))
    p = ids(budgeting)
    client = login(resident)
    url = reverse("budgeting:ballot", args=["haushalt"])
    response = client.post(url, {"action": "check", f"p-{p[0]}": "1", f"p-{p[1]}": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "1.100 EUR" in html and "100 EUR mehr als das Budget von 1.000 EUR" in html
    assert not Ballot.objects.exists()
    ok = client.post(url, {"action": "check", f"p-{p[0]}": "1", f"p-{p[2]}": "1"})
    assert 'id="ballot-ok"' in ok.content.decode() and "700 EUR" in ok.content.decode()
    refused = client.post(url, {"action": "submit", f"p-{p[0]}": "1", f"p-{p[1]}": "1"})
    assert refused.status_code == 200 and not Ballot.objects.exists()


def test_submit_confirm_and_change(resident, login):
    budgeting = make_budgeting()
    p = ids(budgeting)
    client = login(resident)
    url = reverse("budgeting:ballot", args=["haushalt"])
    response = client.post(url, {"action": "submit", f"p-{p[0]}": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("budgeting:ballot_done", args=["haushalt"])
    done = client.get(response["Location"]).content.decode()
    assert "P0" in done and "P1" not in done
    page = client.get(url).content.decode()
    assert f'id="p-{p[0]}" value="1" data-cost="400" checked' in page
    client.post(url, {"action": "submit", f"p-{p[1]}": "1", f"p-{p[2]}": "1"})
    assert set(BallotItem.objects.values_list("proposal_id", flat=True)) == {p[1], p[2]}


def test_non_numbers_are_refused_with_a_message(resident, login):
    budgeting = make_budgeting(ballot_kind="cumulative")
    p = ids(budgeting)
    response = login(resident).post(
        reverse("budgeting:ballot", args=["haushalt"]), {"action": "submit", f"p-{p[0]}": "x"}
    )
    assert "ganze Zahlen" in response.content.decode() and not Ballot.objects.exists()


def test_ballot_page_query_count_does_not_grow_with_proposals(
    resident, login, django_assert_max_num_queries
):
    make_budgeting(costs=list(range(1, 60)))
    client = login(resident)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("budgeting:ballot", args=["haushalt"])).status_code == 200


def test_proposal_with_cost_in_collection_phase(resident, login):
    budgeting = make_budgeting(phase_type=PhaseType.IDEA_COLLECTION, costs=())
    client = login(resident)
    url = reverse("budgeting:proposal_create", args=["haushalt"])
    data = {"title": "Trinkbrunnen", "description": "Am Platz", "cost_estimate": "12500"}
    response = client.post(url, data)
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.cost_estimate == 12500 and proposal.feasibility == Feasibility.PENDING
    assert proposal.idea.author == resident and proposal.budgeting == budgeting


def test_staff_review_sets_feasibility_reason_and_final_cost(staff, resident, login):
    budgeting = make_budgeting(costs=(100,))
    proposal = Proposal.objects.get(budgeting=budgeting)
    url = reverse("budgeting:review", args=["haushalt", proposal.pk])
    prefix = f"r{proposal.pk}-"
    assert login(resident).post(url, {prefix + "feasibility": "feasible"}).status_code == 403
    client = login(staff)
    assert client.get(reverse("budgeting:review_list", args=["haushalt"])).status_code == 200
    client.post(url, {prefix + "feasibility": "not_feasible", prefix + "rejection_reason": ""})
    proposal.refresh_from_db()
    assert proposal.feasibility == Feasibility.FEASIBLE  # refused: no public reason
    client.post(url, {prefix + "feasibility": "feasible", prefix + "final_cost": "180"})
    proposal.refresh_from_db()
    assert proposal.final_cost == 180 and proposal.cost == 180 and proposal.reviewed_by == staff


def test_staff_enter_paper_ballot_page(staff, resident, login):
    budgeting = make_budgeting()
    p = ids(budgeting)
    url = reverse("budgeting:paper_ballot", args=["haushalt"])
    assert login(resident).get(url).status_code == 403
    client = login(staff)
    response = client.post(url, {"reference": "17", f"p-{p[0]}": "1"})
    assert response.status_code == 302
    ballot = Ballot.objects.get()
    assert ballot.source == "paper" and ballot.entered_by == staff and ballot.reference == "17"


def test_api_lists_proposals_and_reads_and_replaces_my_ballot(resident, login, anonymous):
    budgeting = make_budgeting(knapsack=True, costs=(400, 300, 200, 200))
    p = ids(budgeting)
    listing = anonymous.get("/api/budgeting/haushalt/proposals").json()
    assert [item["id"] for item in listing] == p
    assert [item["cost"] for item in listing] == ["400.00", "300.00", "200.00", "200.00"]
    assert anonymous.get("/api/budgeting/haushalt/ballot").status_code == 401
    client = login(resident)
    url = "/api/budgeting/haushalt/ballot"
    body = {"items": [{"proposal": p[0]}, {"proposal": p[1]}]}
    response = client.put(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    assert response.json()["total_cost"] == "700.00"
    too_much = {"items": [{"proposal": pk} for pk in p]}  # 1100
    response = client.put(url, json.dumps(too_much), content_type="application/json")
    assert response.status_code == 422
    assert "mehr als das Budget" in json.dumps(response.json())
    mine = client.get(url).json()
    assert [item["proposal"] for item in mine["items"]] == sorted(p[:2])
    assert mine["source"] == "online"


def test_api_refuses_votes_outside_the_voting_phase(resident, login):
    budgeting = make_budgeting(phase_type=PhaseType.RESULT)
    body = {"items": [{"proposal": ids(budgeting)[0]}]}
    response = login(resident).put(
        "/api/budgeting/haushalt/ballot", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 403 and not Ballot.objects.exists()


def test_private_process_is_invisible_to_outsiders(resident, login):
    budgeting = make_budgeting()
    budgeting.process.visibility = "private"
    budgeting.process.save()
    client = login(resident)
    assert client.get(reverse("budgeting:process", args=["haushalt"])).status_code == 404
    assert client.get("/api/budgeting/haushalt/proposals").status_code == 404


def test_the_participation_page_links_to_the_budget_at_once(db, anonymous):
    from decimal import Decimal

    from gemeinsam.budgeting.models import BudgetingProcess
    from gemeinsam.participation.models import Process

    process = Process.objects.create(title="Haushalt", slug="haushalt-2027", summary="S")
    url = reverse("participation:process", args=[process.slug])
    assert "/budgeting/" not in anonymous.get(url).content.decode()  # now cached
    BudgetingProcess.objects.create(process=process, budget=Decimal(1000))
    link = reverse("budgeting:process", args=[process.slug])
    assert link in anonymous.get(url).content.decode()


def test_proposal_form_takes_a_place_and_a_picture_like_an_idea(resident, login, berlin):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    make_budgeting(phase_type=PhaseType.IDEA_COLLECTION, costs=())
    client = login(resident)
    url = reverse("budgeting:proposal_create", args=["haushalt"])
    page = client.get(url).content.decode()
    assert "data-place-picker" in page and 'name="image_1"' in page
    buffer = BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, "PNG")
    data = {
        "title": "Trinkbrunnen",
        "description": "Am Helmholtzplatz",
        "cost_estimate": "12500",
        "longitude": "13.4187",
        "latitude": "52.5436",
        "image_1": SimpleUploadedFile("brunnen.png", buffer.getvalue(), "image/png"),
        "alt_1": "Ein grüner Platzhalter",
    }
    assert client.post(url, data).status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.district.name == "Pankow" and proposal.idea.district == proposal.district
    assert proposal.idea.images.get().alt_text == "Ein grüner Platzhalter"
    half = {**data, "latitude": "", "image_1": ""}
    response = client.post(url, half)
    assert response.status_code == 200
    assert "Give both longitude and latitude" in response.content.decode() or (
        "Längen- und Breitengrad" in response.content.decode()
    )
