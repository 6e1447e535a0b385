"""The knowledge store's audit log: publishing and unpublishing a document, adding and
removing attachments, through the services and through the admin that calls them."""

import pytest
from django.urls import reverse
from django.utils import translation

from gemeinsam.core import audit
from gemeinsam.core.models import AuditEvent, User
from gemeinsam.knowledge import services
from gemeinsam.knowledge.models import Attachment, Document

from .conftest import upload

pytestmark = pytest.mark.django_db


def verbs(document: Document) -> list[str]:
    return [event.verb for event in audit.events_for(document).order_by("id")]


def test_publishing_and_unpublishing_a_document_are_recorded(staff):
    document = services.save_document(Document(title="Entwurf", slug="entwurf"), user=staff)
    assert verbs(document) == []  # a new draft is not published
    document.published = True
    services.save_document(document, user=staff)
    document.body = "Mehr Text"
    services.save_document(document, user=staff)  # published already: nothing to record
    document.published = False
    services.save_document(document, user=staff)
    assert verbs(document) == ["knowledge.document_published", "knowledge.document_unpublished"]
    assert {event.actor for event in audit.events_for(document)} == {staff}
    new = services.save_document(Document(title="Gleich", slug="gleich", published=True))
    assert verbs(new) == ["knowledge.document_published"]
    with translation.override("en"):
        assert audit.describe(audit.events_for(new).get()) == "Document published"


def test_attachments_added_and_removed_are_recorded_on_the_document(staff, make_document):
    document = make_document("Handbuch")
    attachment = services.add_attachment(document, upload("plan.pdf", b"%PDF"), user=staff)
    pk = attachment.pk
    services.remove_attachment(attachment, user=staff)
    events = list(audit.events_for(document).order_by("id"))
    assert [(e.verb, e.actor, e.data) for e in events[1:]] == [
        ("knowledge.attachment_added", staff, {"attachment": pk, "size": 4}),
        ("knowledge.attachment_removed", staff, {"attachment": pk}),
    ]
    assert not Attachment.objects.exists()


def test_the_admin_records_publishing_and_attachments(login, make_document):
    editor = User.objects.create_superuser(email="root@example.org", password="x")
    document = make_document("Handbuch", slug="handbuch", published=False)
    url = reverse("admin:knowledge_document_change", args=[document.pk])
    data = {
        "title": "Handbuch",
        "slug": "handbuch",
        "body": "",
        "published": "on",
        "attachments-TOTAL_FORMS": "1",
        "attachments-INITIAL_FORMS": "0",
        "attachments-0-title": "Tabelle",
        "attachments-0-file": upload("tabelle.csv", b"a;b\n1;2\n"),
        "measure_links-TOTAL_FORMS": "0",
        "measure_links-INITIAL_FORMS": "0",
    }
    client = login(editor)
    assert client.post(url, data).status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.title == "Tabelle"
    data |= {
        "attachments-INITIAL_FORMS": "1",
        "attachments-0-id": str(attachment.pk),
        "attachments-0-document": str(document.pk),
        "attachments-0-file": "",
        "attachments-0-DELETE": "on",
    }
    assert client.post(url, data).status_code == 302
    assert not Attachment.objects.exists()
    events = AuditEvent.objects.filter(actor=editor).order_by("id")
    assert [(e.verb, e.target) for e in events] == [
        ("knowledge.document_published", document),
        ("knowledge.attachment_added", document),
        ("knowledge.attachment_removed", document),
    ]
