"""The audit log: the staff area's changes to a process and every moderation action are
recorded in core's log, with ids and counts but no personal data."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from gemeinsam.core import audit
from gemeinsam.core.models import AuditEvent
from gemeinsam.participation.models import (
    Category,
    ModerationEvent,
    PhaseType,
    Process,
    Visibility,
)
from gemeinsam.participation.services import contributions, moderation, processes

from ..conftest import UserFactory
from .test_staff import management, process_data

pytestmark = pytest.mark.django_db


def verbs(obj) -> list[str]:
    """The verbs recorded for `obj`, oldest first."""
    return [event.verb for event in reversed(audit.events_for(obj))]


def phase(start, days: int = 10) -> processes.PhaseSpec:
    return processes.PhaseSpec(PhaseType.IDEA_COLLECTION, start, start + timedelta(days=days))


FIELDS = {
    "title": "Smarte Kieze",
    "slug": "smarte-kieze",
    "summary": "Was braucht Ihr Kiez?",
    "visibility": Visibility.PUBLIC,
}


@pytest.fixture
def created(staff) -> Process:
    return processes.create_process(
        staff,
        fields=FIELDS,
        phases=[phase(timezone.now())],
        categories=[processes.CategorySpec("Verkehr")],
    )


def test_creating_a_process_records_it_with_its_phases_and_categories(staff, created):
    assert verbs(created) == [
        "participation.create",
        "participation.set_phases",
        "participation.set_categories",
    ]
    event = audit.events_for(created).get(verb="participation.create")
    assert event.actor == staff
    assert event.target == created
    assert event.data == {"visibility": "public"}
    assert audit.events_for(created).get(verb="participation.set_phases").data == {"count": 1}


def test_saving_without_changes_records_nothing(staff, created):
    before = AuditEvent.objects.count()
    processes.update_process(
        staff,
        created,
        fields=FIELDS,
        districts=[],
        members=[],
        phases=[phase(created.ordered_phases()[0].starts_at)],
        categories=[processes.CategorySpec("Verkehr", pk=created.categories.get().pk)],
    )
    assert AuditEvent.objects.count() == before


def test_changed_fields_are_named_without_their_values(staff, created):
    processes.update_process(
        staff,
        created,
        fields={**FIELDS, "title": "Neu", "summary": "Worum es geht"},
    )
    event = audit.events_for(created).first()
    assert event.verb == "participation.change"
    assert event.data == {"fields": ["title", "summary"]}
    with translation.override("en"):
        assert audit.describe(event) == "Process changed: title, summary"


def test_visibility_changes_are_recorded_as_their_own_events(staff, created):
    processes.update_process(staff, created, fields={**FIELDS, "visibility": Visibility.PRIVATE})
    processes.update_process(staff, created, fields=FIELDS)
    assert verbs(created)[-2:] == ["participation.restrict", "participation.publish"]


def test_invited_people_phases_and_categories_record_counts(staff, created):
    invited = [UserFactory(), UserFactory()]
    processes.update_process(staff, created, fields=FIELDS, members=invited)
    start = timezone.now()
    processes.set_phases(staff, created, [phase(start, 3), phase(start + timedelta(days=3), 5)])
    processes.set_categories(staff, created, [])
    events = list(audit.events_for(created)[:3])
    assert [(e.verb, e.data) for e in reversed(events)] == [
        ("participation.set_members", {"count": 2}),
        ("participation.set_phases", {"count": 2}),
        ("participation.set_categories", {"count": 0}),
    ]
    assert not Category.objects.filter(process=created).exists()


def test_moderators_added_and_removed_are_recorded_by_id(staff, created, moderator):
    processes.add_moderator(staff, created, moderator)
    processes.add_moderator(staff, created, moderator)  # already one: nothing new
    processes.remove_moderator(staff, created, moderator)
    events = list(audit.events_for(created)[:2])
    assert [(e.verb, e.data) for e in reversed(events)] == [
        ("participation.add_moderator", {"account": moderator.pk}),
        ("participation.remove_moderator", {"account": moderator.pk}),
    ]


def test_the_staff_edit_page_shows_the_history(staff, login, created):
    client = login(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("participation_staff:process_edit", args=[created.slug]))
    text = page.content.decode()
    assert "History of changes" in text
    assert "Process created" in text  # the label, not the code "participation.create"
    assert "Phases replaced (now 1)" in text


# Moderation: the process's own log as before, and core's log without any text.


@pytest.fixture
def idea(process, author):
    return contributions.submit_idea(author, process, title="Mehr Bänke", description="Am Ufer")


@pytest.fixture
def comment(idea, author):
    return contributions.add_comment(author, idea, "Meine private Telefonnummer ist 0301234")


def test_hiding_a_comment_is_logged_twice_without_its_text_or_reason(process, moderator, comment):
    moderation.set_hidden(moderator, comment, True, "Telefonnummer von Frau Muster")
    assert ModerationEvent.objects.get().reason == "Telefonnummer von Frau Muster"
    event = audit.events_for(comment).get()
    assert event.verb == "participation.hide"
    assert event.actor == moderator
    assert event.data == {"process": process.pk, "idea": comment.idea_id, "comment": comment.pk}
    with translation.override("en"):
        assert audit.describe(event) == "Hidden"


def test_every_moderation_action_is_in_the_audit_log(process, moderator, idea, author, resident):
    contributions.report(resident, idea, "Unsinn")
    moderation.resolve_report(moderator, idea, "passt schon")
    moderation.respond(moderator, idea, "accepted", "Wir bauen die Bänke.")
    moderation.set_hidden(moderator, idea, True, "Doppelt")
    moderation.set_hidden(moderator, idea, False)
    moderation.block_user(moderator, process, author, "Beleidigungen")
    moderation.unblock_user(moderator, process, author)
    assert verbs(idea) == [
        "participation.resolve_report",
        "participation.respond",
        "participation.hide",
        "participation.restore",
    ]
    assert verbs(process) == ["participation.block", "participation.unblock"]
    block = audit.events_for(process).get(verb="participation.block")
    assert block.data == {"process": process.pk, "account": author.pk}
    texts = " ".join(str(e.data) for e in AuditEvent.objects.all())
    for private in ("Unsinn", "passt schon", "Bänke", "Doppelt", "Beleidigungen", "Mehr"):
        assert private not in texts
    assert ModerationEvent.objects.count() == 6


def test_saving_the_staff_form_unchanged_records_nothing(staff, login):
    client = login(staff)
    client.post(reverse("participation_staff:process_create"), process_data())
    process = Process.objects.get()
    assert verbs(process) == [
        "participation.create",
        "participation.set_phases",
        "participation.set_categories",
    ]
    category = process.categories.get()
    data = process_data(
        **management("phases", 2, initial=2),
        **management("categories", 2, initial=1),
        **{"categories-0-pk": str(category.pk)},
    )
    edit = reverse("participation_staff:process_edit", args=[process.slug])
    assert client.post(edit, data).status_code == 302
    assert len(verbs(process)) == 3
    client.post(edit, {**data, "summary": "Neu", "visibility": Visibility.PRIVATE})
    events = list(audit.events_for(process)[:2])
    assert [(e.verb, e.data) for e in reversed(events)] == [
        ("participation.restrict", {"visibility": "private"}),
        ("participation.change", {"fields": ["summary"]}),
    ]
