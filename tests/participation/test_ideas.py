"""Ideas, comments, ratings and moderation through the services and pages."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gemeinsam.participation.models import Comment, Idea, ModerationEvent, Rating
from gemeinsam.participation.services import contributions, moderation

from ..conftest import UserFactory, run_concurrently
from .conftest import make_process

pytestmark = pytest.mark.django_db


def test_point_sets_the_district(berlin, process, resident):
    idea = contributions.submit_idea(
        resident,
        process,
        title="WLAN",
        description="am Zoo",
        point=contributions.Point(13.3329, 52.5065),
    )
    assert idea.district.name == "Charlottenburg-Wilmersdorf"


def test_point_outside_the_process_districts_is_refused(berlin, process, resident):
    process.districts.set([berlin.get(code="001")])
    with pytest.raises(ValidationError, match="außerhalb des Gebiets dieses Verfahrens"):
        contributions.submit_idea(
            resident,
            process,
            title="WLAN",
            description="am Zoo",
            point=contributions.Point(13.3329, 52.5065),
        )
    assert not Idea.objects.exists()


def test_form_reports_a_point_outside_the_area(berlin, process, login, resident):
    process.districts.set([berlin.get(code="001")])
    response = login(resident).post(
        reverse("participation:idea_create", args=[process.slug]),
        {"title": "WLAN", "description": "am Zoo", "longitude": "13.3329", "latitude": "52.5065"},
    )
    assert response.status_code == 200
    assert "Mitte" in response.content.decode()
    assert not Idea.objects.exists()


def test_changing_a_vote_keeps_one_rating(process, resident):
    idea = contributions.submit_idea(resident, process, title="T", description="D")
    contributions.rate_idea(resident, idea, 1)
    contributions.rate_idea(resident, idea, -1)
    idea.refresh_from_db()
    assert (idea.rating_up, idea.rating_down, Rating.objects.count()) == (0, 1, 1)
    contributions.rate_idea(resident, idea, None)
    idea.refresh_from_db()
    assert (idea.rating_up, idea.rating_down, Rating.objects.count()) == (0, 0, 0)


def test_replies_stay_one_level_deep(process, resident, moderator):
    idea = contributions.submit_idea(resident, process, title="T", description="D")
    root = contributions.add_comment(resident, idea, "Erster")
    reply = contributions.add_comment(moderator, idea, "Antwort", parent=root)
    reply_to_reply = contributions.add_comment(resident, idea, "Noch eine", parent=reply)
    assert reply_to_reply.parent == root


def test_soft_delete_keeps_the_thread_and_the_count_honest(process, resident, moderator):
    idea = contributions.submit_idea(resident, process, title="T", description="D")
    root = contributions.add_comment(resident, idea, "Erster")
    contributions.add_comment(moderator, idea, "Antwort", parent=root)
    contributions.delete_comment(resident, root)
    root.refresh_from_db()
    idea.refresh_from_db()
    assert root.is_deleted and root.text == ""
    assert Comment.objects.filter(parent=root).count() == 1
    assert idea.comment_count == 1


def test_hiding_shows_the_reason_in_place_and_is_logged(process, resident, moderator, login):
    idea = contributions.submit_idea(resident, process, title="T", description="D")
    comment = contributions.add_comment(resident, idea, "<script>alert(1)</script> Unsinn")
    moderation.set_hidden(moderator, comment, True, "Beleidigung")
    page = login(resident).get(reverse("participation:idea", args=[process.slug, idea.pk]))
    body = page.content.decode()
    assert "Beleidigung" in body
    assert "Unsinn" not in body
    event = ModerationEvent.objects.get()
    assert (event.kind, event.moderator, event.comment) == ("hide", moderator, comment)


def test_comment_text_is_escaped(process, resident, login):
    idea = contributions.submit_idea(resident, process, title="T", description="D")
    contributions.add_comment(resident, idea, "<script>alert(1)</script>")
    body = login(resident).get(reverse("participation:idea", args=[process.slug, idea.pk]))
    assert "<script>alert(1)</script>" not in body.content.decode()


@pytest.mark.django_db(transaction=True)
def test_official_response_mails_the_author_in_their_language(moderator):
    process = make_process()
    process.moderators.add(moderator)
    author = UserFactory(email="en@example.org", language="en")
    idea = contributions.submit_idea(author, process, title="Bänke", description="Mehr Bänke")
    moderation.respond(moderator, idea, "accepted", "Wir stellen zehn Bänke auf.")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["en@example.org"]
    assert "Official response" in mail.outbox[0].subject
    assert "Wir stellen zehn Bänke auf." in mail.outbox[0].body


def test_idea_list_query_count_does_not_grow_with_ideas(
    no_page_cache, process, resident, anonymous
):
    url = reverse("participation:process", args=[process.slug])
    contributions.submit_idea(resident, process, title="Eins", description="D")
    with CaptureQueriesContext(connection) as few:
        assert anonymous.get(url).status_code == 200
    for n in range(15):
        contributions.submit_idea(resident, process, title=f"Idee {n}", description="D")
    with CaptureQueriesContext(connection) as many:
        assert anonymous.get(url).status_code == 200
    assert len(many) == len(few)


def test_idea_page_query_count_does_not_grow_with_comments(process, resident, anonymous):
    idea = contributions.submit_idea(resident, process, title="T", description="D")
    url = reverse("participation:idea", args=[process.slug, idea.pk])
    contributions.add_comment(resident, idea, "Eins")
    with CaptureQueriesContext(connection) as few:
        anonymous.get(url)
    for n in range(10):
        contributions.add_comment(UserFactory(), idea, f"Kommentar {n}")
    with CaptureQueriesContext(connection) as many:
        anonymous.get(url)
    assert len(many) == len(few)


@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_neither_double_nor_vanish():
    process = make_process()
    voters = [UserFactory() for _ in range(8)]
    idea = Idea.objects.create(process=process, author=voters[0], title="T", description="D")
    url = reverse("participation:rate", args=[process.slug, idea.pk])

    def vote(user, value):
        def call():
            client = Client()
            client.force_login(user)
            assert client.post(url, {"value": value}).status_code == 302

        return call

    double_clicks = [vote(voters[0], "up") for _ in range(6)]
    others = [vote(user, "up" if n % 2 else "down") for n, user in enumerate(voters[1:])]
    assert run_concurrently(double_clicks + others) == []
    idea.refresh_from_db()
    assert Rating.objects.filter(idea=idea).count() == 8
    assert Rating.objects.filter(idea=idea, user=voters[0]).count() == 1
    assert idea.rating_up == Rating.objects.filter(idea=idea, value=1).count() == 4
    assert idea.rating_down == Rating.objects.filter(idea=idea, value=-1).count() == 4


def test_report_naming_a_malformed_comment_is_404(process, resident, login):
    idea = contributions.submit_idea(resident, process, title="T", description="D")
    url = reverse("participation:report", args=[process.slug, idea.pk])
    assert login(resident).post(url, {"comment": "abc", "reason": "x"}).status_code == 404
