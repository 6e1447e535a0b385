"""The strategy's audit log: every write that matters records who did what to which object
with its facts (never personal data), and the staff pages show the trails."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from gemeinsam.core import audit
from gemeinsam.core.models import AuditEvent
from gemeinsam.strategy.models import CompassSurvey, FieldOfAction, HandbookStep, Value
from gemeinsam.strategy.services import imports, tracking, versions
from tests.participation.conftest import make_process

from .test_progress import make_strategy

pytestmark = pytest.mark.django_db


def last(verb: str) -> AuditEvent:
    return AuditEvent.objects.filter(verb=verb).latest("id")


def test_creating_drafting_and_publishing_are_recorded_on_the_strategy(staff):
    strategy = versions.create_strategy("Teststrategie", slug="test", user=staff)
    created = last("strategy.created")
    assert (created.actor, created.target, created.data) == (staff, strategy, {})
    versions.publish(strategy.draft, staff, "Erste Fassung")
    assert (last("strategy.published").target, last("strategy.published").data) == (
        strategy,
        {"number": 1},
    )
    versions.start_draft(strategy, staff)
    started = last("strategy.draft_started")
    assert (started.actor, started.target, started.data) == (staff, strategy, {"number": 2})
    with translation.override("en"):
        assert [audit.describe(e) for e in audit.events_for(strategy)] == [
            "Draft of version 2 started",
            "Version 1 published",
            "Strategy created",
        ]


def test_items_added_changed_and_removed_in_a_draft_are_recorded_by_kind_and_key(staff):
    strategy = versions.create_strategy("Teststrategie", user=staff)
    draft = strategy.draft
    value = versions.add_item(draft, Value, name="offen", user=staff)
    field = versions.add_item(draft, FieldOfAction, title="Daten", user=staff)
    versions.edit_item(value, name="offen und frei", user=staff)
    versions.remove_item(field, user=staff)
    events = [
        (e.verb, e.actor, e.target, e.data)
        for e in AuditEvent.objects.filter(verb__startswith="strategy.item_").order_by("id")
    ]
    assert events == [
        (
            "strategy.item_added",
            staff,
            strategy,
            {
                "model": "strategy.value",
                "key": str(value.key),
                "title": "offen",
                "number": 1,
            },
        ),
        (
            "strategy.item_added",
            staff,
            strategy,
            {
                "model": "strategy.fieldofaction",
                "key": str(field.key),
                "title": "Daten",
                "number": 1,
            },
        ),
        (
            "strategy.item_changed",
            staff,
            strategy,
            {
                "model": "strategy.value",
                "key": str(value.key),
                "title": "offen und frei",
                "number": 1,
            },
        ),
        (
            "strategy.item_removed",
            staff,
            strategy,
            {
                "model": "strategy.fieldofaction",
                "key": str(field.key),
                "title": "Daten",
                "number": 1,
            },
        ),
    ]


def test_an_import_is_recorded_with_its_counts_and_a_failed_one_not_at_all(staff):
    strategy, _measure, indicator = make_strategy(staff)
    content = f"indicator;date;value\n{indicator.name};2025-01-01;3\n{indicator.key};2025-02-01;4\n"
    imports.import_measurements(strategy, content, user=staff)
    imports.import_measurements(strategy, content.replace(";3", ";5"), user=staff)
    with pytest.raises(imports.ImportFailed):
        imports.import_measurements(strategy, content + "unbekannt;2025-03-01;1\n", user=staff)
    events = AuditEvent.objects.filter(verb="strategy.measurements_imported").order_by("id")
    assert [(e.actor, e.target, e.data) for e in events] == [
        (staff, strategy, {"count": 2, "created": 2, "updated": 0}),
        (staff, strategy, {"count": 2, "created": 0, "updated": 2}),
    ]


def test_a_sync_is_recorded_on_the_measure_with_its_counts(staff, monkeypatch):
    _strategy, measure, indicator = make_strategy(staff)
    values = [(date(2025, 1, 1), 2.0), (date(2025, 2, 1), 3.0)]
    pulling = SimpleNamespace(pulls=True, fetch=lambda indicator, until: values)
    monkeypatch.setattr(tracking.sources, "source_for", lambda kind: pulling)
    tracking.sync_indicator(indicator, user=staff)
    synced = last("strategy.synced")
    assert (synced.actor, synced.target) == (staff, measure)
    assert synced.data == {
        "indicator": str(indicator.key),
        "fetched": 2,
        "created": 2,
        "updated": 0,
    }


def test_tracking_a_measure_is_recorded_on_the_measure(staff):
    strategy, measure, indicator = make_strategy(staff)
    tracking.record_measurement(indicator, date(2025, 1, 1), 3)
    tracking.delete_measurement(indicator, date(2025, 1, 1), user=staff)
    tracking.delete_measurement(indicator, date(2025, 1, 1), user=staff)  # nothing left to delete
    ratings = {value.key: (3, "passt") for value in measure.version.values.all()}
    tracking.assess_measure(measure, ratings, user=staff)
    opens = timezone.now()
    tracking.open_survey(measure, opens_at=opens, closes_at=opens + timedelta(days=7), user=staff)
    steps = list(HandbookStep.objects.filter(strategy=strategy)[:3])
    shown = [step.pk for step in steps]
    tracking.save_checklist(measure, shown, {steps[0].pk, steps[1].pk}, user=staff)
    tracking.save_checklist(measure, shown, {steps[0].pk, steps[1].pk}, user=staff)  # no change
    tracking.save_checklist(measure, shown, {steps[1].pk}, user=staff)
    process = make_process(slug="kiezbox-ideen")
    link = tracking.link_process(measure, process, user=staff)
    tracking.link_process(measure, process, user=staff)  # linked already
    tracking.unlink_process(measure, link, user=staff)
    events = audit.events_for(measure).order_by("id")
    assert all(event.actor == staff for event in events)
    survey = CompassSurvey.objects.get(measure_key=measure.key).pk
    assert [(e.verb, e.data) for e in events] == [
        ("strategy.measurement_deleted", {"indicator": str(indicator.key), "date": "2025-01-01"}),
        ("strategy.compass_assessed", {"ratings": 2}),
        (
            "strategy.survey_opened",
            {
                "survey": survey,
                "opens": timezone.localdate(opens).isoformat(),
                "closes": timezone.localdate(opens + timedelta(days=7)).isoformat(),
            },
        ),
        ("strategy.checklist_changed", {"ticked": 2, "unticked": 0}),
        ("strategy.checklist_changed", {"ticked": 0, "unticked": 1}),
        ("strategy.link_added", {"model": "participation.process", "id": process.pk}),
        ("strategy.link_removed", {"model": "participation.process", "id": process.pk}),
    ]


def test_a_residents_survey_answer_is_not_in_the_audit_log(staff, resident):
    _strategy, measure, _indicator = make_strategy(staff)
    now = timezone.now()
    survey = tracking.open_survey(measure, opens_at=now, closes_at=now + timedelta(days=1))
    first = measure.version.values.first()
    tracking.answer_survey(survey, resident, {first.key: (2, "Mein Kommentar")})
    assert not AuditEvent.objects.filter(actor=resident).exists()
    assert "Mein Kommentar" not in str(list(AuditEvent.objects.values_list("data", flat=True)))


def test_staff_pages_show_the_history_of_changes(staff, login):
    strategy, measure, _indicator = make_strategy(staff)
    tracking.assess_measure(
        measure, {v.key: (2, "passt") for v in measure.version.values.all()}, user=staff
    )
    versions.start_draft(strategy, staff)
    versions.publish(strategy.draft, staff, "Zweite Fassung")
    client = login(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    dashboard = client.get(reverse("strategy_staff:dashboard", args=[strategy.slug]))
    text = dashboard.content.decode()
    assert "History of changes" in text
    assert "Version 2 published" in text and "Strategy created" in text
    # The measure of version 2 is another row than that of version 1: its trail spans both.
    current = strategy.published_version.measures.get(key=measure.key)
    assert current.pk != measure.pk
    page = client.get(reverse("strategy_staff:measure", args=[strategy.slug, current.key]))
    assert "History of changes" in page.content.decode()
    assert "Team assessment on the value compass saved" in page.content.decode()
