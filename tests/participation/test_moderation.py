"""The moderators' queue, hidden content, blocks, the audit log, and comment editing."""

import pytest
from django.urls import reverse
from django.utils import timezone

from gemeinsam.participation.models import (
    Block,
    Comment,
    Idea,
    ModerationEvent,
    ModerationKind,
    Report,
    Visibility,
)
from gemeinsam.participation.services import contributions, moderation

from ..conftest import UserFactory
from .conftest import make_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def idea(process, author):
    return contributions.submit_idea(author, process, title="Mehr Bänke", description="Im Park")


@pytest.fixture
def comment(idea, author):
    return contributions.add_comment(author, idea, "Kauft bei mir!")


def queue_url(process) -> str:
    return reverse("participation:moderation", args=[process.slug])


def test_a_reported_comment_appears_is_hidden_and_leaves_the_queue(
    process, idea, comment, resident, moderator, login
):
    contributions.report(resident, comment, "Werbung")
    contributions.report(UserFactory(), comment, "Spam")
    client = login(moderator)
    response = client.get(queue_url(process))
    assert response.status_code == 200
    [item] = response.context["items"]
    assert (item.kind, item.target, item.count) == ("comment", comment, 2)
    page = response.content.decode()
    assert "Kauft bei mir!" in page and "Werbung" in page and "Spam" in page
    assert resident.public_name in page

    response = client.post(
        reverse("participation:moderation_hide", args=[process.slug]),
        {"kind": "comment", "pk": comment.pk, "reason": "Werbung ist nicht erlaubt"},
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.is_hidden and comment.hidden_reason == "Werbung ist nicht erlaubt"
    assert list(client.get(queue_url(process)).context["items"]) == []
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    event = ModerationEvent.objects.get(kind=ModerationKind.HIDE)
    assert (event.moderator, event.comment, event.reason) == (
        moderator,
        comment,
        "Werbung ist nicht erlaubt",
    )
    idea_page = login(resident).get(reverse("participation:idea", args=[process.slug, idea.pk]))
    assert "Werbung ist nicht erlaubt" in idea_page.content.decode()
    assert "Kauft bei mir!" not in idea_page.content.decode()


def test_hiding_without_a_reason_is_refused(process, comment, resident, moderator, login):
    contributions.report(resident, comment, "Werbung")
    response = login(moderator).post(
        reverse("participation:moderation_hide", args=[process.slug]),
        {"kind": "comment", "pk": comment.pk, "reason": ""},
        follow=True,
    )
    assert response.status_code == 200
    comment.refresh_from_db()
    assert not comment.is_hidden
    assert len(response.context["items"]) == 1


def test_dismissing_a_report_keeps_the_idea_and_logs_it(process, idea, resident, moderator, login):
    contributions.report(resident, idea, "Gefällt mir nicht")
    client = login(moderator)
    response = client.post(
        reverse("participation:moderation_dismiss", args=[process.slug]),
        {"kind": "idea", "pk": idea.pk, "note": "Meinung, kein Verstoß"},
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.resolved_by == moderator and report.resolved_at is not None
    idea.refresh_from_db()
    assert not idea.is_hidden
    event = ModerationEvent.objects.get(kind=ModerationKind.RESOLVE_REPORT)
    assert (event.idea, event.reason) == (idea, "Meinung, kein Verstoß")
    assert list(client.get(queue_url(process)).context["items"]) == []


def test_restore_brings_hidden_content_back(process, idea, moderator, login):
    moderation.set_hidden(moderator, idea, True, "Beleidigend")
    client = login(moderator)
    assert list(client.get(queue_url(process)).context["hidden_ideas"]) == [idea]
    client.post(
        reverse("participation:moderation_restore", args=[process.slug]),
        {"kind": "idea", "pk": idea.pk},
    )
    idea.refresh_from_db()
    assert not idea.is_hidden
    assert ModerationEvent.objects.filter(kind=ModerationKind.RESTORE, idea=idea).exists()


def test_targets_of_another_process_are_404(process, moderator, login, author):
    other = make_process(slug="anderes")
    foreign = contributions.submit_idea(author, other, title="T", description="D")
    response = login(moderator).post(
        reverse("participation:moderation_hide", args=[process.slug]),
        {"kind": "idea", "pk": foreign.pk, "reason": "x"},
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert not foreign.is_hidden


def test_people_who_do_not_moderate_the_process_get_403_or_404(process, resident, login):
    other_moderator = UserFactory()
    make_process(slug="anderes").moderators.add(other_moderator)
    for person in (resident, other_moderator):
        client = login(person)
        assert client.get(queue_url(process)).status_code == 403
        log = reverse("participation:moderation_log", args=[process.slug])
        assert client.get(log).status_code == 403
    secret = make_process(slug="geheim", visibility=Visibility.PRIVATE)
    assert login(resident).get(queue_url(secret)).status_code == 404


def test_moderator_of_a_private_process_reaches_its_queue(moderator, login):
    secret = make_process(slug="geheim", visibility=Visibility.PRIVATE)
    secret.moderators.add(moderator)
    assert login(moderator).get(queue_url(secret)).status_code == 200


def test_a_blocked_person_can_neither_submit_nor_comment(process, idea, author, moderator, login):
    client = login(moderator)
    response = client.post(
        reverse("participation:moderation_block", args=[process.slug]),
        {"user": author.pk, "reason": "Wiederholt Werbung"},
    )
    assert response.status_code == 302
    assert Block.objects.get(process=process, user=author).reason == "Wiederholt Werbung"
    assert ModerationEvent.objects.filter(kind=ModerationKind.BLOCK).exists()

    blocked = login(author)
    create = reverse("participation:idea_create", args=[process.slug])
    assert blocked.post(create, {"title": "Noch mehr", "description": "D"}).status_code == 403
    blocked.post(reverse("participation:comment", args=[process.slug, idea.pk]), {"text": "Hallo"})
    assert Idea.objects.count() == 1 and not Comment.objects.exists()

    listed = client.get(queue_url(process)).context["blocks"]
    assert [b.user for b in listed] == [author]
    client.post(reverse("participation:moderation_unblock", args=[process.slug, author.pk]))
    assert not Block.objects.exists()
    assert ModerationEvent.objects.filter(kind=ModerationKind.UNBLOCK).exists()
    assert blocked.post(create, {"title": "Wieder da", "description": "D"}).status_code == 302


def test_block_from_the_idea_page_returns_there_and_ignores_foreign_next(
    process, idea, author, moderator, login
):
    client = login(moderator)
    idea_url = reverse("participation:idea", args=[process.slug, idea.pk])
    assert f'name="user" value="{author.pk}"' in client.get(idea_url).content.decode()
    block = reverse("participation:moderation_block", args=[process.slug])
    response = client.post(block, {"user": author.pk, "reason": "Spam", "next": idea_url})
    assert response.url == idea_url
    response = client.post(
        block, {"user": author.pk, "reason": "Spam", "next": "https://evil.example/"}
    )
    assert response.url == queue_url(process)


def test_only_contributors_can_be_blocked_and_never_moderators(process, idea, moderator, login):
    client = login(moderator)
    block = reverse("participation:moderation_block", args=[process.slug])
    stranger = UserFactory()
    assert client.post(block, {"user": stranger.pk, "reason": "x"}).status_code == 404
    assert client.post(block, {"user": "abc", "reason": "x"}).status_code == 404
    contributions.add_comment(moderator, idea, "Bitte sachlich bleiben")
    client.post(block, {"user": moderator.pk, "reason": "x"})
    assert not Block.objects.exists()


def test_audit_log_is_newest_first_for_moderators_and_staff(process, idea, moderator, staff, login):
    moderation.set_hidden(moderator, idea, True, "Erst versteckt")
    moderation.set_hidden(moderator, idea, False)
    url = reverse("participation:moderation_log", args=[process.slug])
    response = login(moderator).get(url)
    assert response.status_code == 200
    kinds = [e.kind for e in response.context["page"].object_list]
    assert kinds == [ModerationKind.RESTORE, ModerationKind.HIDE]
    assert "Erst versteckt" in response.content.decode()
    assert login(staff).get(url).status_code == 200


def test_staff_audit_log_spans_processes_and_filters(process, idea, moderator, staff, login):
    other = make_process(slug="anderes")
    other_idea = contributions.submit_idea(moderator, other, title="Anderes", description="D")
    moderation.set_hidden(moderator, idea, True, "Grund eins")
    moderation.set_hidden(staff, other_idea, True, "Grund zwei")
    client = login(staff)
    url = reverse("participation_staff:audit_log")
    events = client.get(url).context["page"].object_list
    assert {e.process.slug for e in events} == {process.slug, other.slug}
    filtered = client.get(url, {"process": other.slug}).context["page"].object_list
    assert [e.reason for e in filtered] == ["Grund zwei"]


def test_audit_log_is_paginated(process, idea, moderator, login):
    for n in range(55):
        moderation.set_hidden(moderator, idea, n % 2 == 0, f"Runde {n}")
    url = reverse("participation:moderation_log", args=[process.slug])
    first = login(moderator).get(url).context["page"]
    assert len(first.object_list) == 50 and first.paginator.num_pages == 2
    assert first.object_list[0].reason == "Runde 54"


def test_process_page_links_moderators_to_the_queue_with_the_report_count(
    process, idea, resident, moderator, staff, login
):
    contributions.report(resident, idea, "Werbung")
    url = reverse("participation:process", args=[process.slug])
    queue = queue_url(process)
    edit = reverse("participation_staff:process_edit", args=[process.slug])
    as_moderator = login(moderator).get(url).content.decode()
    assert f'href="{queue}"' in as_moderator and f'href="{edit}"' not in as_moderator
    assert "(1 " in as_moderator  # one open report
    as_staff = login(staff).get(url).content.decode()
    assert f'href="{queue}"' in as_staff and f'href="{edit}"' in as_staff
    as_resident = login(resident).get(url).content.decode()
    assert f'href="{queue}"' not in as_resident and f'href="{edit}"' not in as_resident


def test_authors_edit_their_comment(process, idea, comment, author, login):
    client = login(author)
    idea_url = reverse("participation:idea", args=[process.slug, idea.pk])
    edit = reverse("participation:comment_edit", args=[process.slug, idea.pk, comment.pk])
    assert f'href="{edit}"' in client.get(idea_url).content.decode()
    assert client.get(edit).context["form"].initial["text"] == "Kauft bei mir!"
    response = client.post(edit, {"text": "Schöne Idee"})
    assert response.status_code == 302
    assert response.url == f"{idea_url}#comment-{comment.pk}"
    comment.refresh_from_db()
    assert comment.text == "Schöne Idee" and comment.edited_at is not None


def test_others_and_closed_phases_cannot_edit_a_comment(process, idea, comment, resident, login):
    edit = reverse("participation:comment_edit", args=[process.slug, idea.pk, comment.pk])
    assert login(resident).post(edit, {"text": "Übernommen"}).status_code == 403
    process.phases.update(ends_at=timezone.now())
    assert login(comment.author).post(edit, {"text": "Zu spät"}).status_code == 403
    comment.refresh_from_db()
    assert comment.text == "Kauft bei mir!"


def test_an_empty_comment_edit_shows_the_form_again(process, idea, comment, author, login):
    edit = reverse("participation:comment_edit", args=[process.slug, idea.pk, comment.pk])
    response = login(author).post(edit, {"text": ""})
    assert response.status_code == 200
    assert "text" in response.context["form"].errors


def test_a_long_queue_is_paged(process, author, moderator, login):
    for n in range(27):
        idea = contributions.submit_idea(author, process, title=f"Idee {n}", description="D")
        contributions.report(UserFactory(), idea, "Werbung")
    url = reverse("participation:moderation", args=[process.slug])
    first = login(moderator).get(url)
    assert len(first.context["items"].object_list) == 25
    assert first.context["items"].paginator.count == 27
    second = login(moderator).get(url, {"page": 2})
    assert len(second.context["items"].object_list) == 2
    assert "page=1" in second.content.decode()
