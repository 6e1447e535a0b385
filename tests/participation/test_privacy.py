"""Participation's part of 'download my data' and 'delete my account'."""

import json

import pytest
from django.urls import reverse

from gemeinsam.core.models import User
from gemeinsam.participation.models import Comment, Idea, Rating, Report
from gemeinsam.participation.services import contributions

from ..conftest import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def active(process, resident):
    """The resident's ideas, comments, ratings, reports and follows in a process."""
    other = UserFactory()
    own = contributions.submit_idea(resident, process, title="Meine Idee", description="Bänke")
    theirs = contributions.submit_idea(other, process, title="Andere Idee", description="D")
    contributions.add_comment(resident, theirs, "Mein Kommentar")
    contributions.rate_idea(resident, theirs, 1)
    contributions.rate_idea(other, theirs, 1)
    contributions.rate_idea(resident, own, -1)
    contributions.report(resident, theirs, "Doppelt")
    process.followers.add(resident)
    process.members.add(resident)
    return {"own": own, "theirs": theirs, "other": other}


def test_download_contains_ideas_comments_ratings_reports_and_follows(
    active, process, resident, login
):
    data = json.loads(login(resident).get(reverse("core:download_data")).content)
    mine = data["participation"]
    assert [i["title"] for i in mine["ideas"]] == ["Meine Idee"]
    assert mine["ideas"][0]["description"] == "Bänke"
    assert [c["text"] for c in mine["comments"]] == ["Mein Kommentar"]
    assert sorted((r["idea"], r["value"]) for r in mine["ratings"]) == sorted(
        [(active["theirs"].pk, 1), (active["own"].pk, -1)]
    )
    assert [r["reason"] for r in mine["reports"]] == ["Doppelt"]
    assert mine["following"] == [process.slug]
    assert mine["invited_to"] == [process.slug]


def test_download_holds_nothing_of_other_people(active, resident, login):
    data = json.loads(login(resident).get(reverse("core:download_data")).content)
    assert "Andere Idee" not in json.dumps([i["title"] for i in data["participation"]["ideas"]])


def test_deleting_the_account_anonymises_ideas_and_comments(active, process, resident, login):
    pk = resident.pk
    response = login(resident).post(
        reverse("core:delete_account"), {"password": PASSWORD, "confirm": "on"}
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk=pk).exists()
    own = Idea.objects.get(pk=active["own"].pk)
    assert (own.title, own.author) == ("Meine Idee", None)
    comment = Comment.objects.get(text="Mein Kommentar")
    assert comment.author is None
    assert Report.objects.get().reporter is None
    page = login(active["other"]).get(reverse("participation:idea", args=[process.slug, own.pk]))
    assert page.status_code == 200


def test_deleting_the_account_removes_ratings_and_recounts(active, process, resident, login):
    login(resident).post(reverse("core:delete_account"), {"password": PASSWORD, "confirm": "on"})
    theirs = Idea.objects.get(pk=active["theirs"].pk)
    own = Idea.objects.get(pk=active["own"].pk)
    assert (theirs.rating_up, theirs.rating_down) == (1, 0)
    assert (own.rating_up, own.rating_down) == (0, 0)
    assert list(Rating.objects.values_list("user", flat=True)) == [active["other"].pk]


def test_deleting_the_account_ends_follows_and_memberships(
    active, process, resident, moderator, login
):
    process.moderators.add(resident)
    login(resident).post(reverse("core:delete_account"), {"password": PASSWORD, "confirm": "on"})
    assert not process.followers.exists()
    assert not process.members.exists()
    assert list(process.moderators.all()) == [moderator]
