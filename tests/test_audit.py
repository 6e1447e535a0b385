"""The audit log: services record who did what to which object; staff read it, others not."""

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from gemeinsam.core import audit, hooks
from gemeinsam.core.models import AuditEvent, District, Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation(db) -> Organisation:
    return Organisation.objects.create(name="Senatskanzlei", slug="senatskanzlei")


@pytest.fixture
def labelled():
    hooks.register_audit_verbs({"test.renamed": "Renamed to version %(number)s"})
    yield
    hooks._audit_verbs.pop("test.renamed")


def test_record_keeps_actor_verb_target_and_facts(staff, organisation):
    event = audit.record(staff, "test.renamed", organisation, number=3)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor, stored.verb, stored.target, stored.data) == (
        staff,
        "test.renamed",
        organisation,
        {"number": 3},
    )
    assert list(audit.events_for(organisation)) == [stored]


def test_anonymous_actor_is_stored_as_nobody(organisation):
    from django.contrib.auth.models import AnonymousUser

    assert audit.record(AnonymousUser(), "test.renamed", organisation).actor is None


def test_an_event_of_a_rolled_back_write_is_gone(staff, organisation):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(staff, "test.renamed", organisation)
        raise RuntimeError("the write failed")
    assert not AuditEvent.objects.exists()


def test_events_of_one_object_leave_out_the_others(staff, organisation):
    other = Organisation.objects.create(name="Bezirksamt Pankow", slug="ba-pankow")
    audit.record(staff, "test.renamed", organisation)
    audit.record(staff, "test.renamed", other)
    assert [e.target for e in audit.events_for(other)] == [other]


def test_described_in_the_registered_words_with_its_facts(staff, organisation, labelled):
    event = audit.record(staff, "test.renamed", organisation, number=4)
    assert audit.describe(event) == "Renamed to version 4"
    unknown = audit.record(staff, "test.unlabelled", organisation)
    assert audit.describe(unknown) == "test.unlabelled"
    missing_fact = audit.record(staff, "test.renamed", organisation, other=1)
    assert audit.describe(missing_fact) == "Renamed to version %(number)s"


def test_deleting_the_actor_keeps_the_event(resident, organisation):
    event = audit.record(resident, "test.renamed", organisation)
    resident.delete()
    event.refresh_from_db()
    assert event.actor is None


def test_staff_read_the_whole_log_and_filter_by_area(login, staff, organisation, labelled):
    audit.record(staff, "test.renamed", organisation, number=2)
    audit.record(staff, "sortition.test_unlabelled", organisation)
    client = login(staff)
    with translation.override("en"):
        page = client.get(reverse("core:audit_log"))
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    assert "Renamed to version 2" in page.content.decode()
    assert "sortition.test_unlabelled" in page.content.decode()
    only = client.get(reverse("core:audit_log"), {"app": "sortition"}).content.decode()
    assert "sortition.test_unlabelled" in only
    assert "Renamed to version 2" not in only


def test_residents_and_visitors_do_not_read_the_log(login, resident, anonymous):
    assert login(resident).get(reverse("core:audit_log")).status_code == 403
    assert anonymous.get(reverse("core:audit_log")).status_code == 302


def test_the_list_reads_a_page_in_a_fixed_number_of_queries(
    login, staff, organisation, django_assert_max_num_queries
):
    for n in range(30):
        audit.record(
            staff, "test.renamed", Organisation.objects.create(name=f"Amt {n}", slug=f"amt-{n}")
        )
    client = login(staff)
    client.get(reverse("core:audit_log"))  # warm the session
    with django_assert_max_num_queries(12):
        assert client.get(reverse("core:audit_log")).status_code == 200


def test_changed_fields_are_shown_in_the_pages_language(staff, organisation):
    hooks.register_audit_verbs({"test.changed": "Changed: %(fields)s"})
    try:
        event = audit.record(staff, "test.changed", organisation, fields=["name", "gone"])
        with translation.override("de"):
            german = audit.describe(event)
            german_name = str(Organisation._meta.get_field("name").verbose_name)
        with translation.override("en"):
            english = audit.describe(event)
            english_name = str(Organisation._meta.get_field("name").verbose_name)
    finally:
        hooks._audit_verbs.pop("test.changed")
    assert english == f"Changed: {english_name}, gone"
    assert german == f"Changed: {german_name}, gone"


def test_a_fact_may_be_called_user_or_actor(staff, organisation):
    event = audit.record(staff, "test.renamed", organisation, user=1, actor=2)
    assert event.data == {"user": 1, "actor": 2}


def test_a_model_named_in_the_facts_is_shown_by_its_verbose_name(staff, organisation):
    hooks.register_audit_verbs({"test.linked": "Linked to a %(model)s"})
    try:
        linked = audit.record(staff, "test.linked", organisation, model="core.district")
        gone = audit.record(staff, "test.linked", organisation, model="nowhere.thing")
        with translation.override("en"):
            shown = audit.describe(linked), audit.describe(gone)
            district = str(District._meta.verbose_name)
    finally:
        hooks._audit_verbs.pop("test.linked")
    assert shown == (f"Linked to a {district}", "Linked to a nowhere.thing")
