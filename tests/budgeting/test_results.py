"""Counting: stored ballots → winners, the greedy comparison, explanations; when counts run,
who sees them, and the downloads."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gemeinsam.budgeting import selectors
from gemeinsam.budgeting.models import BudgetingProcess, Result, ResultState
from gemeinsam.budgeting.rules.pabulib import parse_pabulib, read_pabulib
from gemeinsam.budgeting.rules.solve import solve
from gemeinsam.budgeting.services import ballots, results
from gemeinsam.core.roles import Role
from gemeinsam.participation.models import Phase, PhaseType
from gemeinsam.participation.services import processes

from ..conftest import UserFactory, _persona, run_concurrently, shared_data
from .test_ballots import ids, make_budgeting

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def majority_election(state: str = "during") -> BudgetingProcess:
    """Budget 1000; six voters want A0, A1, A2 (300 each), four want B (300).

    Greedy funds the three A (900, B no longer fits); equal shares gives the six voters
    600 (two A) and the four 400 (B)."""
    budgeting = make_budgeting(state=state, costs=(300, 300, 300, 300))
    a0, a1, a2, b = ids(budgeting)
    for _ in range(6):
        ballots.cast_ballot(UserFactory(), budgeting, {a0: 1, a1: 1, a2: 1})
    for _ in range(4):
        ballots.cast_ballot(UserFactory(), budgeting, {b: 1})
    return budgeting


def close_voting(budgeting: BudgetingProcess) -> None:
    """Move the voting phase into the past, as time does."""
    now = timezone.now()
    Phase.objects.filter(process=budgeting.process).update(
        starts_at=now - timedelta(days=3), ends_at=now - timedelta(minutes=1)
    )


@pytest.mark.django_db
def test_count_keeps_the_winners_of_each_rule_and_who_they_reach():
    budgeting = majority_election()
    a0, a1, a2, b = ids(budgeting)
    result = results.count_now(budgeting)
    assert result.state == ResultState.DONE and result.final is False
    (part,) = result.data["parts"]
    assert set(part["greedy"]) == {a0, a1, a2}
    assert set(part["mes"]) == {a0, a1, b}
    assert part["selected"] == part["mes"]  # the process's rule is equal shares
    assert part["covered"] == {"selected": 10, "greedy": 6, "mes": 10}
    votes = {row["proposal"]: row["votes"] for row in part["projects"]}
    assert votes == {a0: 6, a1: 6, a2: 6, b: 4}
    loser = next(row for row in part["projects"] if row["proposal"] == a2)
    # Six supporters paid 100 each for A0 and A1: nothing left of their 100 each.
    assert loser["mes_status"] == "rejected" and loser["supporters_money"] == "0"
    assert result.ballots == 10


@pytest.mark.django_db
def test_count_agrees_with_the_rules_on_the_stored_ballots():
    budgeting = majority_election()
    budgeting.rule, budgeting.completion = "greedy", "none"
    budgeting.save()
    part = results.count_now(budgeting).data["parts"][0]
    election = selectors.to_election(budgeting)
    expected = solve(election, "greedy", "cost")
    assert part["selected"] == [int(p) for p in expected.selected]


@pytest.mark.django_db
def test_a_count_that_fails_is_recorded_not_left_running():
    budgeting = majority_election()
    BudgetingProcess.objects.filter(pk=budgeting.pk).update(completion="unknown")
    budgeting.refresh_from_db()
    result = results.count_now(budgeting)
    assert result.state == ResultState.FAILED
    assert "unknown" in result.error


@pytest.mark.django_db
def test_setting_phases_queues_the_final_count_for_the_end_of_voting(
    staff, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_TASKS
    budgeting = make_budgeting(state="before", phase_type=PhaseType.IDEA_COLLECTION)
    now = timezone.now()
    end = (now + timedelta(days=14)).replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        processes.set_phases(
            staff,
            budgeting.process,
            [
                processes.PhaseSpec(PhaseType.VOTING, now, end),
                processes.PhaseSpec(PhaseType.RESULT, end, end + timedelta(days=30)),
            ],
        )
    queued = Result.objects.get(budgeting=budgeting)
    assert queued.final and queued.state == ResultState.QUEUED and queued.run_after == end
    task = DBTaskResult.objects.get()
    assert task.run_after == end
    assert task.args_kwargs["kwargs"] == {"result_id": queued.pk}

    # Voting is extended by a week: the same count waits for the new end.
    later = end + timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        processes.set_phases(
            staff,
            budgeting.process,
            [processes.PhaseSpec(PhaseType.VOTING, now, later)],
        )
    queued.refresh_from_db()
    assert queued.run_after == later
    assert Result.objects.filter(budgeting=budgeting).count() == 1
    assert DBTaskResult.objects.filter(run_after=later).count() == 1


@pytest.mark.django_db
def test_a_final_count_started_before_voting_closed_waits(settings):
    settings.TASKS = DB_TASKS
    budgeting = majority_election()
    pending = results.schedule_final(budgeting)
    Result.objects.filter(pk=pending.pk).update(run_after=timezone.now() - timedelta(hours=1))
    assert results.run(pending.pk) == "waiting for voting to close"
    pending.refresh_from_db()
    assert pending.state == ResultState.QUEUED
    assert pending.run_after == selectors.voting_end(budgeting.process)
    close_voting(budgeting)
    assert results.run(pending.pk) == "done"
    assert results.run(pending.pk) == "not queued"  # a second task for it does nothing
    assert selectors.published(budgeting).pk == pending.pk


@pytest.mark.django_db
def test_a_count_whose_worker_died_does_not_block_a_new_one(staff, settings):
    settings.TASKS = DB_TASKS
    budgeting = majority_election()
    stuck = Result.objects.create(
        budgeting=budgeting,
        state=ResultState.RUNNING,
        started_at=timezone.now() - timedelta(hours=2),
    )
    fresh = results.request_count(staff, budgeting)
    stuck.refresh_from_db()
    assert stuck.state == ResultState.FAILED and fresh.pk != stuck.pk
    # Asking again joins the queued count.
    assert results.request_count(staff, budgeting).pk == fresh.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_queue_one_count(settings):
    settings.TASKS = DB_TASKS
    budgeting = make_budgeting()
    staff_users = [_persona(Role.STAFF, f"staff{n}@example.org") for n in range(4)]
    found = []
    errors = run_concurrently(
        [lambda u=u: found.append(results.request_count(u, budgeting).pk) for u in staff_users]
    )
    assert errors == []
    assert len(set(found)) == 1
    assert Result.objects.filter(budgeting=budgeting, state=ResultState.QUEUED).count() == 1


@pytest.mark.django_db
def test_results_stay_with_staff_while_voting_runs(staff, resident, login, anonymous):
    budgeting = majority_election()
    url = reverse("budgeting:results", args=[budgeting.slug])
    assert (
        login(resident).post(reverse("budgeting:count_results", args=[budgeting.slug])).status_code
        == 403
    )
    staff_client = login(staff)
    response = staff_client.post(reverse("budgeting:count_results", args=[budgeting.slug]))
    assert response.status_code == 302
    result = Result.objects.get(budgeting=budgeting)
    results.run(result.pk)  # the worker's part (the test's transaction holds on_commit)
    page = staff_client.get(url).content.decode()
    assert "Provisional count" in page or "Vorläufige Auszählung" in page
    assert "P3" in page
    public = anonymous.get(url)
    assert public.status_code == 200
    assert "P3" not in public.content.decode()
    for name in ("result_csv", "result_json", "result_pb", "result_geojson"):
        assert (
            anonymous.get(
                reverse(f"budgeting:{name}", args=[budgeting.slug, result.pk])
            ).status_code
            == 404
        )


@pytest.mark.django_db
def test_first_visit_after_voting_closed_counts_and_publishes(
    anonymous, django_capture_on_commit_callbacks
):
    budgeting = majority_election()
    close_voting(budgeting)
    url = reverse("budgeting:results", args=[budgeting.slug])
    with django_capture_on_commit_callbacks(execute=True):
        first = anonymous.get(url)  # queues the final count; this backend runs it at once
    assert first.status_code == 200
    published = selectors.published(budgeting)
    assert published is not None and published.final
    page = anonymous.get(url).content.decode()
    # Winners, the comparison with greedy, and why A2 lost, all on the page.
    for title in ("P0", "P1", "P2", "P3"):
        assert title in page
    assert 'class="pb-explain"' in page
    assert 'class="pb-budget-bar"' in page


@pytest.mark.django_db
def test_voter_sees_which_of_their_proposals_won(login):
    budgeting = majority_election()
    voter = UserFactory()
    *_, a2, b = ids(budgeting)
    ballots.cast_ballot(voter, budgeting, {a2: 1, b: 1})
    close_voting(budgeting)
    winners = set(results.count_now(budgeting).data["parts"][0]["selected"])
    assert b in winners
    page = login(voter).get(reverse("budgeting:results", args=[budgeting.slug])).content.decode()
    assert page.count('class="pb-badge"') == len(winners & {a2, b})
    assert "Sie gestimmt" in page or "you voted for" in page


@pytest.mark.django_db
def test_downloads_of_the_published_result(anonymous):
    budgeting = majority_election()
    close_voting(budgeting)
    result = results.count_now(budgeting)
    args = [budgeting.slug, result.pk]
    a0, a1, a2, b = ids(budgeting)

    response = anonymous.get(reverse("budgeting:result_csv", args=args))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {int(r["proposal"]) for r in rows if r["selected"] == "1"} == {a0, a1, b}
    assert {int(r["proposal"]) for r in rows if r["greedy"] == "1"} == {a0, a1, a2}

    data = json.loads(anonymous.get(reverse("budgeting:result_json", args=args)).content)
    assert (
        data["final"] is True
        and data["parts"][0]["selected"] == result.data["parts"][0]["selected"]
    )

    text = anonymous.get(reverse("budgeting:result_pb", args=args) + "?part=").content.decode()
    election = parse_pabulib(text)
    assert len(election.ballots) == 10
    assert sorted(election.voter_ids, key=int) == [str(n) for n in range(1, 11)]
    selected = {p.id for p in election.projects if p.extra.get("selected") == "1"}
    assert selected == {str(a0), str(a1), str(b)}


@pytest.mark.django_db
def test_map_shows_placed_winners_only(anonymous):
    budgeting = majority_election()
    a0, _, a2, _ = ids(budgeting)
    for pk in (a0, a2):
        idea = budgeting.proposals.get(pk=pk).idea
        idea.longitude, idea.latitude = 13.4, 52.5
        idea.save()
    close_voting(budgeting)
    result = results.count_now(budgeting)
    data = json.loads(
        anonymous.get(reverse("budgeting:result_geojson", args=[budgeting.slug, result.pk])).content
    )
    assert [f["id"] for f in data["features"]] == [a0]
    page = anonymous.get(reverse("budgeting:results", args=[budgeting.slug])).content.decode()
    assert "data-idea-map" in page


@pytest.mark.django_db
def test_api_results(staff, resident, anonymous):
    budgeting = majority_election()
    url = f"/api/budgeting/{budgeting.slug}/results"
    missing = anonymous.get(url)
    assert missing.status_code == 404 and missing.json()["detail"]
    assert Client().get(url + "?provisional=true").status_code == 403
    resident_client = Client()
    resident_client.force_login(resident)
    assert resident_client.post(url + "/count").status_code == 403
    staff_client = Client()
    staff_client.force_login(staff)
    queued = staff_client.post(url + "/count")
    assert queued.status_code == 202 and queued.json()["final"] is False
    results.run(queued.json()["count"])
    provisional = staff_client.get(url + "?provisional=true").json()
    assert provisional["state"] == "done" and provisional["ballots"] == 10
    assert anonymous.get(url).status_code == 404  # still provisional
    close_voting(budgeting)
    results.count_now(budgeting)
    published = anonymous.get(url).json()
    assert published["final"] is True
    assert len(published["data"]["parts"][0]["selected"]) == 3


@pytest.mark.django_db
def test_pb_import_closes_voting_on_the_files_dates_and_publishes(capsys):
    path = shared_data() / "pabulib" / "Hungary_Budapest_2022_VIII_Jozsefvaros.pb"
    call_command("pb", "import", str(path), "--process", "budapest")
    budgeting = BudgetingProcess.objects.get(process__slug="budapest")
    assert selectors.voting_end(budgeting.process).date().isoformat() == "2022-07-24"
    published = selectors.published(budgeting)
    assert published is not None and published.ballots == 520
    expected = solve(read_pabulib(path), "mes", "cost", "add1-greedy").selected
    external = dict(budgeting.proposals.values_list("pk", "external_id"))
    assert [external[pk] for pk in published.data["parts"][0]["selected"]] == expected
    assert "520 ballots" in capsys.readouterr().err


@pytest.mark.django_db
def test_cumulative_counts_points_as_well_as_voters():
    budgeting = make_budgeting(ballot_kind="cumulative", points=10, costs=(500, 500, 500))
    p = ids(budgeting)
    ballots.cast_ballot(UserFactory(), budgeting, {p[0]: 7, p[1]: 3})
    ballots.cast_ballot(UserFactory(), budgeting, {p[0]: 10})
    part = results.count_now(budgeting).data["parts"][0]
    rows = {row["proposal"]: row for row in part["projects"]}
    assert (rows[p[0]]["votes"], rows[p[0]]["points"]) == (2, 17)
    assert (rows[p[1]]["votes"], rows[p[1]]["points"]) == (1, 3)
    assert results.count_now(budgeting).data["satisfaction"] == "additive"


@pytest.mark.django_db
def test_district_budgets_are_counted_as_elections_of_their_own(anonymous):
    from gemeinsam.budgeting.models import DistrictBudget, Proposal

    from ..conftest import DistrictFactory

    north, south = DistrictFactory(name="Nord"), DistrictFactory(name="Süd")
    budgeting = make_budgeting(costs=(300, 300, 300, 300))
    DistrictBudget.objects.create(budgeting=budgeting, district=north, amount=600)
    DistrictBudget.objects.create(budgeting=budgeting, district=south, amount=400)
    a, b, c, d = Proposal.objects.filter(budgeting=budgeting).order_by("idea__title")
    for proposal, district in ((a, north), (b, north), (c, south), (d, south)):
        proposal.district = district
        proposal.save()
    for _ in range(3):
        ballots.cast_ballot(UserFactory(), budgeting, {a.pk: 1, b.pk: 1, c.pk: 1})
    ballots.cast_ballot(UserFactory(), budgeting, {d.pk: 1})
    close_voting(budgeting)
    result = results.count_now(budgeting)
    parts = {part["name"]: part for part in result.data["parts"]}
    assert set(parts) == {"Nord", "Süd"}
    assert set(parts["Nord"]["selected"]) == {a.pk, b.pk} and parts["Nord"]["voters"] == 3
    # South: 400 for one of two projects of 300; three voters want C, one D.
    assert parts["Süd"]["selected"] == [c.pk] and parts["Süd"]["voters"] == 4
    page = anonymous.get(reverse("budgeting:results", args=[budgeting.slug])).content.decode()
    assert "Nord" in page and "Süd" in page
    url = reverse("budgeting:result_pb", args=[budgeting.slug, result.pk])
    south_file = parse_pabulib(anonymous.get(f"{url}?part={south.pk}").content.decode())
    assert {p.id for p in south_file.projects} == {str(c.pk), str(d.pk)}
    assert south_file.budget == 400 and len(south_file.ballots) == 4
    assert anonymous.get(f"{url}?part=999999").status_code == 404
