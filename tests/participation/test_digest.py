"""Following a process and the daily digest: one mail per follower, never twice."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from gemeinsam.participation.digest import claim_period, send_digests
from gemeinsam.participation.models import Idea, Process, Visibility
from gemeinsam.participation.services import contributions, moderation
from gemeinsam.participation.tasks import send_daily_digests

from ..conftest import UserFactory
from .conftest import make_process

pytestmark = pytest.mark.django_db(transaction=True)


def _digests(to: str) -> list:
    """Digest mails to one address (official responses also mail the idea's author)."""
    return [m for m in mail.outbox if m.to == [to] and "To the process:" in m.body]


@pytest.fixture
def busy_process(moderator):
    """A process with a new idea, an official response, two comments and a hidden idea."""
    process = make_process(title_en="Ideas for Berlin")
    process.moderators.add(moderator)
    author = UserFactory()
    idea = contributions.submit_idea(author, process, title="Mehr Bänke", description="D")
    moderation.respond(moderator, idea, "accepted", "Wir stellen zehn Bänke auf.")
    contributions.add_comment(UserFactory(), idea, "Ja")
    contributions.add_comment(UserFactory(), idea, "Gern")
    hidden = contributions.submit_idea(author, process, title="Werbung für Pillen", description="D")
    moderation.set_hidden(moderator, hidden, True, "Werbung")
    mail.outbox.clear()
    return process


def test_follower_gets_new_ideas_responses_and_comment_count(busy_process):
    follower = UserFactory(email="folgt@example.org", language="en")
    busy_process.followers.add(follower)
    assert send_daily_digests.call() == 1
    [message] = _digests("folgt@example.org")
    assert 'What is new in "Ideas for Berlin"' in message.subject
    assert "Mehr Bänke" in message.body
    assert "2 new comments." in message.body
    assert "Official responses:" in message.body
    assert "Will be implemented" in message.body


def test_each_mail_is_in_the_recipients_language(busy_process):
    busy_process.followers.add(
        UserFactory(email="de@example.org", language="de"),
        UserFactory(email="en@example.org", language="en"),
    )
    send_digests()
    [german] = [m for m in mail.outbox if m.to == ["de@example.org"]]
    [english] = _digests("en@example.org")
    assert "Wird umgesetzt" in german.body
    assert "Ideen für Berlin" in german.subject
    assert "Will be implemented" in english.body
    assert "Ideas for Berlin" in english.subject


def test_hidden_ideas_are_not_in_the_digest(busy_process):
    busy_process.followers.add(UserFactory(email="folgt@example.org", language="en"))
    send_digests()
    [message] = _digests("folgt@example.org")
    assert "Pillen" not in message.body
    assert "1 new idea:" in message.body


def test_a_second_run_sends_nothing_again(busy_process):
    busy_process.followers.add(UserFactory(email="folgt@example.org", language="en"))
    assert send_digests() == 1
    assert send_digests() == 0
    assert len(_digests("folgt@example.org")) == 1


def test_a_stale_run_cannot_claim_the_same_period(busy_process):
    """Two overlapping runs read the same digest_sent_until; only one update wins."""
    first, second = Process.objects.get(), Process.objects.get()
    now = timezone.now()
    assert claim_period(first, now) == (now - timedelta(days=1), now)
    assert claim_period(second, now + timedelta(seconds=1)) is None
    assert Process.objects.get().digest_sent_until == now


def test_the_next_digest_starts_where_the_last_ended(busy_process, moderator):
    follower = UserFactory(email="folgt@example.org", language="en")
    busy_process.followers.add(follower)
    send_digests()
    idea = contributions.submit_idea(
        UserFactory(), busy_process, title="Trinkbrunnen", description="D"
    )
    send_digests()
    bodies = [m.body for m in _digests("folgt@example.org")]
    assert len(bodies) == 2
    assert "Trinkbrunnen" in bodies[1] and "Mehr Bänke" not in bodies[1]
    assert f"/ideas/{idea.pk}/" in bodies[1]


def test_nothing_is_sent_when_nothing_happened(moderator):
    process = make_process()
    process.followers.add(UserFactory(email="folgt@example.org"))
    old = contributions.submit_idea(UserFactory(), process, title="Alt", description="D")
    Idea.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    assert send_digests() == 0
    assert mail.outbox == []


def test_one_mail_covers_all_followed_processes(busy_process):
    other = make_process(slug="andere", title_en="Other")
    contributions.submit_idea(UserFactory(), other, title="Radweg", description="D")
    follower = UserFactory(email="folgt@example.org", language="en")
    busy_process.followers.add(follower)
    other.followers.add(follower)
    send_digests()
    [message] = _digests("folgt@example.org")
    assert "Mehr Bänke" in message.body and "Radweg" in message.body
    assert "2 processes you follow" in message.subject


def test_private_process_news_only_reach_followers_who_still_see_it(moderator):
    process = make_process(visibility=Visibility.PRIVATE)
    member = UserFactory(email="mitglied@example.org")
    former = UserFactory(email="ehemals@example.org")
    process.members.add(member)
    process.followers.add(member, former)  # former was a member once
    contributions.submit_idea(member, process, title="Intern", description="D")
    send_digests()
    assert [m.to for m in mail.outbox] == [["mitglied@example.org"]]


def test_the_unfollow_link_works_without_login(busy_process, anonymous):
    follower = UserFactory(email="folgt@example.org", language="en")
    busy_process.followers.add(follower)
    send_digests()
    [message] = _digests("folgt@example.org")
    url = re.search(r"Stop following this process: \S+?(/processes/\S+)", message.body).group(1)
    assert anonymous.get(url).status_code == 200
    assert busy_process.followers.filter(pk=follower.pk).exists()
    assert anonymous.post(url).status_code == 200
    assert not busy_process.followers.filter(pk=follower.pk).exists()


def test_a_forged_unfollow_link_is_refused(busy_process, anonymous):
    follower = UserFactory()
    busy_process.followers.add(follower)
    url = reverse("participation:unfollow_link", args=[busy_process.slug, f"{follower.pk}:forged"])
    assert anonymous.post(url).status_code == 404
    assert busy_process.followers.filter(pk=follower.pk).exists()


def test_follow_and_unfollow_buttons(login, resident):
    process = make_process()
    client = login(resident)
    page = reverse("participation:process", args=[process.slug])
    url = reverse("participation:follow", args=[process.slug])
    assert url in client.get(page).content.decode()
    client.post(url, {"follow": "1"})
    assert process.followers.filter(pk=resident.pk).exists()
    assert 'name="follow" value="0"' in client.get(page).content.decode()
    client.post(url, {"follow": "0"})
    assert not process.followers.filter(pk=resident.pk).exists()


def test_following_needs_login_and_post(anonymous, login, resident):
    process = make_process()
    url = reverse("participation:follow", args=[process.slug])
    assert anonymous.post(url).status_code == 302
    assert login(resident).get(url).status_code == 405
    assert not process.followers.exists()


def test_a_private_process_cannot_be_followed_by_outsiders(login, resident):
    process = make_process(visibility=Visibility.PRIVATE)
    response = login(resident).post(reverse("participation:follow", args=[process.slug]))
    assert response.status_code == 404
    assert not process.followers.exists()


def test_management_command_sends_the_digest(busy_process):
    busy_process.followers.add(UserFactory(email="folgt@example.org"))
    out = StringIO()
    call_command("participation_digest", stdout=out)
    assert "1 e-mail" in out.getvalue()
    assert [m.to for m in mail.outbox] == [["folgt@example.org"]]


def test_management_command_can_enqueue(busy_process):
    busy_process.followers.add(UserFactory(email="folgt@example.org"))
    out = StringIO()
    call_command("participation_digest", "--enqueue", stdout=out)
    assert "queued" in out.getvalue()
    assert [m.to for m in mail.outbox] == [["folgt@example.org"]]  # immediate backend in tests
