"""Rate limits on ideas, comments and reports, counted from the rows in the database."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from gemeinsam.participation.models import Comment, Idea, Report
from gemeinsam.participation.services import contributions

from ..conftest import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    settings.PARTICIPATION_RATE_LIMITS = {
        "idea": (2, 3600),
        "comment": (3, 600),
        "report": (1, 3600),
    }


def test_third_idea_within_the_hour_is_refused_with_a_time_to_retry(limits, process, resident):
    contributions.submit_idea(resident, process, title="Eins", description="D")
    contributions.submit_idea(resident, process, title="Zwei", description="D")
    with translation.override("en"), pytest.raises(ValidationError) as error:
        contributions.submit_idea(resident, process, title="Drei", description="D")
    assert "2 ideas in the last 60 minutes" in error.value.messages[0]
    assert "try again in 60 minutes" in error.value.messages[0]
    assert Idea.objects.count() == 2


def test_retry_time_counts_from_the_oldest_idea_in_the_window(limits, process, resident):
    first = contributions.submit_idea(resident, process, title="Eins", description="D")
    contributions.submit_idea(resident, process, title="Zwei", description="D")
    Idea.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(minutes=50))
    with translation.override("en"), pytest.raises(ValidationError, match="in 10 minutes"):
        contributions.submit_idea(resident, process, title="Drei", description="D")


def test_ideas_older_than_the_window_do_not_count(limits, process, resident):
    for title in ("Eins", "Zwei"):
        contributions.submit_idea(resident, process, title=title, description="D")
    Idea.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    contributions.submit_idea(resident, process, title="Drei", description="D")
    assert Idea.objects.count() == 3


def test_the_limit_is_per_person(limits, process, resident):
    for title in ("Eins", "Zwei"):
        contributions.submit_idea(resident, process, title=title, description="D")
    contributions.submit_idea(UserFactory(), process, title="Drei", description="D")
    assert Idea.objects.count() == 3


@pytest.mark.parametrize("persona", ["moderator", "staff"])
def test_moderators_and_staff_are_exempt(limits, process, persona, request):
    user = request.getfixturevalue(persona)
    for n in range(4):
        contributions.submit_idea(user, process, title=f"Idee {n}", description="D")
    assert Idea.objects.count() == 4


def test_moderator_of_this_process_only_is_exempt(limits, process, resident):
    process.moderators.add(resident)
    for n in range(3):
        contributions.submit_idea(resident, process, title=f"Idee {n}", description="D")
    assert Idea.objects.count() == 3


def test_comments_are_limited_per_ten_minutes(limits, process, resident):
    idea = contributions.submit_idea(UserFactory(), process, title="T", description="D")
    for n in range(3):
        contributions.add_comment(resident, idea, f"Kommentar {n}")
    with pytest.raises(ValidationError):
        contributions.add_comment(resident, idea, "Einer zu viel")
    Comment.objects.update(created_at=timezone.now() - timedelta(minutes=11))
    contributions.add_comment(resident, idea, "Wieder möglich")
    assert Comment.objects.count() == 4


def test_reports_are_limited(limits, process, resident):
    idea = contributions.submit_idea(UserFactory(), process, title="T", description="D")
    comment = contributions.add_comment(UserFactory(), idea, "Unsinn")
    contributions.report(resident, idea, "Werbung")
    with pytest.raises(ValidationError):
        contributions.report(resident, comment, "Beleidigung")
    assert Report.objects.count() == 1


def test_zero_turns_a_limit_off(settings, process, resident):
    settings.PARTICIPATION_RATE_LIMITS = {**settings.PARTICIPATION_RATE_LIMITS, "idea": (0, 3600)}
    for n in range(12):
        contributions.submit_idea(resident, process, title=f"Idee {n}", description="D")
    assert Idea.objects.count() == 12


def test_the_form_shows_the_limit_and_keeps_the_input(limits, process, resident, login):
    resident.language = "en"
    resident.save()
    for title in ("Eins", "Zwei"):
        contributions.submit_idea(resident, process, title=title, description="D")
    response = login(resident).post(
        reverse("participation:idea_create", args=[process.slug]),
        {"title": "Drei", "description": "Noch eine Idee"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Please try again in 60 minutes." in body
    assert "Noch eine Idee" in body
    assert Idea.objects.count() == 2


def test_the_comment_page_says_when_to_try_again(limits, process, resident, login):
    resident.language = "en"
    resident.save()
    idea = contributions.submit_idea(UserFactory(), process, title="T", description="D")
    for n in range(3):
        contributions.add_comment(resident, idea, f"Kommentar {n}")
    response = login(resident).post(
        reverse("participation:comment", args=[process.slug, idea.pk]),
        {"text": "Einer zu viel"},
        follow=True,
    )
    assert "Please try again in 10 minutes." in response.content.decode()
    assert Comment.objects.count() == 3


def test_the_api_obeys_the_same_limit_with_429(limits, process, resident, login):
    resident.language = "en"
    resident.save()
    client = login(resident)
    url = f"/api/processes/{process.slug}/ideas"
    for title in ("Eins", "Zwei"):
        created = client.post(url, {"title": title, "description": "D"}, "application/json")
        assert created.status_code == 201
    refused = client.post(url, {"title": "Drei", "description": "D"}, "application/json")
    assert refused.status_code == 429
    assert "Please try again in 60 minutes." in refused.json()["detail"][0]["msg"]
    assert Idea.objects.count() == 2
