"""Versions of a strategy: drafts copied from the published version, publishing freezes,
one draft at a time, and the diff behind the public changelog."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from gemeinsam.strategy import changelog
from gemeinsam.strategy.changelog import Change
from gemeinsam.strategy.models import (
    FieldOfAction,
    Goal,
    Indicator,
    Measure,
    MeasureStatus,
    MeasureType,
    StrategyVersion,
    Value,
    VersionFrozen,
    VersionState,
)
from gemeinsam.strategy.services import versions
from gemeinsam.strategy.services.versions import StrategyError
from tests.conftest import OrganisationFactory, run_concurrently, shared_data


@pytest.fixture
def structure() -> dict:
    return json.loads((shared_data() / "gdb" / "structure.json").read_text(encoding="utf-8"))


@pytest.fixture
def published(db, staff):
    """A strategy whose version 1 has a value, a field with a goal and a measure, published."""
    strategy = versions.create_strategy("Teststrategie", user=staff)
    version = strategy.versions.get()
    versions.add_item(version, Value, name="nachhaltig", name_en="sustainable")
    field = versions.add_item(version, FieldOfAction, title="Daten", guiding_idea="Offen")
    versions.add_item(version, Goal, field_of_action=field, title="Offene Daten")
    versions.add_item(
        version,
        Measure,
        title="Kiezbox",
        type=MeasureType.URBAN_SOCIETY,
        lead_organisation=OrganisationFactory(),
        partners=[OrganisationFactory(), OrganisationFactory()],
        budget=Decimal("1000.00"),
        start=date(2024, 1, 1),
        end=date(2026, 12, 31),
        fields_of_action=[field],
    )
    versions.publish(version, staff, "Erste Fassung")
    return strategy


def test_publish_freezes_the_version(published, staff):
    version = published.versions.get()
    assert version.state == VersionState.PUBLISHED
    assert version.published_at is not None
    assert version.published_by == staff
    measure = version.measures.get()
    with translation.override("en"), pytest.raises(VersionFrozen, match="published"):
        versions.edit_item(measure, title="Anders")
    with pytest.raises(VersionFrozen):
        versions.add_item(version, Value, name="neu")
    with pytest.raises(VersionFrozen):
        versions.remove_item(measure)
    measure.title = "Am Service vorbei"
    with pytest.raises(VersionFrozen):
        measure.save()
    with pytest.raises(VersionFrozen):
        versions.publish(version, staff, "noch einmal")
    assert Measure.objects.get(pk=measure.pk).title == "Kiezbox"


def test_publish_needs_a_change_note(db, staff):
    strategy = versions.create_strategy("Ohne Notiz")
    with pytest.raises(StrategyError):
        versions.publish(strategy.versions.get(), staff, "  ")
    assert strategy.versions.get().state == VersionState.DRAFT


def test_start_draft_copies_every_item_with_its_key(published, staff):
    old = published.versions.get()
    draft = versions.start_draft(published, staff)
    assert (draft.number, draft.state) == (2, VersionState.DRAFT)
    for model in (Value, FieldOfAction, Goal, Measure):
        old_keys = set(model.objects.filter(version=old).values_list("key", flat=True))
        new_items = model.objects.filter(version=draft)
        assert set(new_items.values_list("key", flat=True)) == old_keys
        assert not set(new_items.values_list("pk", flat=True)) & set(
            model.objects.filter(version=old).values_list("pk", flat=True)
        )
    goal = draft.goals.get()
    assert goal.field_of_action.version == draft
    measure, original = draft.measures.get(), old.measures.get()
    assert list(measure.fields_of_action.all()) == [draft.fields_of_action.get()]
    assert set(measure.partners.all()) == set(original.partners.all())
    assert measure.lead_organisation == original.lead_organisation
    assert (measure.budget, measure.start, measure.end) == (
        Decimal("1000.00"),
        date(2024, 1, 1),
        date(2026, 12, 31),
    )
    assert changelog.diff(old, draft) == []


def test_one_draft_at_a_time(published, staff):
    versions.start_draft(published, staff)
    with translation.override("de"), pytest.raises(StrategyError, match="Entwurf"):
        versions.start_draft(published, staff)
    assert published.versions.filter(state=VersionState.DRAFT).count() == 1


def test_a_new_draft_after_publishing(published, staff):
    draft = versions.start_draft(published, staff)
    versions.publish(draft, staff, "Zweite Fassung")
    third = versions.start_draft(published, staff)
    assert third.number == 3
    assert published.published_version == draft


@pytest.mark.django_db(transaction=True)
def test_concurrent_drafts_leave_one(staff):
    strategy = versions.create_strategy("Parallel")
    versions.publish(strategy.versions.get(), staff, "Erste Fassung")
    errors = run_concurrently([lambda: versions.start_draft(strategy)] * 2)
    assert len(errors) <= 1
    assert all(isinstance(error, StrategyError) for error in errors)
    assert strategy.versions.filter(state=VersionState.DRAFT).count() == 1


def test_diff_finds_added_removed_and_changed_items(published, staff):
    old = published.versions.get()
    draft = versions.start_draft(published, staff)
    versions.edit_item(draft.measures.get(), title="Kiezbox 2.0", status=MeasureStatus.RUNNING)
    versions.remove_item(draft.values.get())
    new_field = versions.add_item(draft, FieldOfAction, title="Verwaltung")
    versions.edit_item(draft.goals.get(), field_of_action=new_field)
    versions.publish(draft, staff, "Kiezbox umbenannt")

    changes = changelog.diff(old, draft)
    value_key = str(old.values.get().key)
    measure_key = str(old.measures.get().key)
    goal_key = str(old.goals.get().key)
    assert Change("removed", "value", value_key, "nachhaltig", old="nachhaltig") in changes
    assert Change(
        "added", "field_of_action", str(new_field.key), "Verwaltung", new="Verwaltung"
    ) in (changes)
    assert (
        Change("changed", "measure", measure_key, "Kiezbox 2.0", "title", "Kiezbox", "Kiezbox 2.0")
        in changes
    )
    assert (
        Change("changed", "measure", measure_key, "Kiezbox 2.0", "status", "planned", "running")
        in changes
    )
    moved = [c for c in changes if c.key == goal_key]
    assert [(c.field, c.old, c.new) for c in moved] == [
        ("field_of_action", str(old.fields_of_action.get().key), str(new_field.key))
    ]
    assert len(changes) == 5


def test_diff_of_fields_of_action_and_partners_by_key(published, staff):
    old = published.versions.get()
    draft = versions.start_draft(published, staff)
    partner = OrganisationFactory(slug="neu")
    measure = draft.measures.get()
    versions.edit_item(measure, partners=[partner], fields_of_action=[])
    changes = {c.field: c for c in changelog.diff(old, draft)}
    assert changes["partners"].new == ["neu"]
    assert changes["fields_of_action"].old == [str(old.fields_of_action.get().key)]
    assert changes["fields_of_action"].new == []


def test_diff_from_nothing_adds_everything(published):
    changes = changelog.diff(None, published.versions.get())
    assert {c.kind for c in changes} == {"added"}
    assert len(changes) == 4


def test_edit_checks_the_item(published, staff):
    draft = versions.start_draft(published, staff)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        versions.edit_item(draft.measures.get(), start=date(2030, 1, 1))


def test_load_gdb_seeds_the_structure(db, structure, staff):
    strategy = versions.load_gdb(structure, user=staff)
    version = strategy.published_version
    assert version.number == 1 and version.is_frozen
    assert strategy.name == "Gemeinsam Digital: Berlin"
    assert strategy.adopted_on == date(2022, 12, 20)
    assert list(version.values.values_list("name_en", flat=True)) == [
        "sustainable",
        "community-oriented",
        "resilient",
        "cooperative",
    ]
    assert version.fields_of_action.count() == 4
    assert version.goals.count() == 16
    assert version.goals.filter(title="Intelligente Datennutzung").get().field_of_action.title == (
        "Ermöglichende Verwaltung"
    )
    titles = list(version.measures.values_list("title", flat=True))
    assert len(titles) == 5
    assert titles[0] == "Smart Space Hardenbergplatz"
    assert any(title.startswith("Kiezbox 2.0") for title in titles)
    with pytest.raises(StrategyError):
        versions.load_gdb(structure)
    assert StrategyVersion.objects.filter(strategy=strategy).count() == 1


def test_a_changed_target_and_goals_show_in_the_diff(published, staff):
    version = published.versions.get()
    draft = versions.start_draft(published, staff)
    measure = draft.measures.get()
    goal = draft.goals.get()
    indicator = versions.add_item(
        draft,
        Indicator,
        measure=measure,
        name="Kiezboxen in Betrieb",
        baseline_value=0,
        baseline_date=date(2024, 1, 1),
        target_value=40,
        target_date=date(2028, 1, 1),
    )
    versions.edit_item(measure, goals=[goal], longitude=13.4, latitude=52.5)
    versions.publish(draft, staff, "Indikator und Ziel")
    second = versions.start_draft(published, staff)
    copied = second.indicators.get()
    assert copied.key == indicator.key and copied.measure.key == measure.key
    assert [g.key for g in second.measures.get().goals.all()] == [goal.key]
    versions.edit_item(copied, target_value=50, target_date=date(2029, 1, 1))
    changes = changelog.diff(draft, second)
    assert {(c.item_type, c.field, c.old, c.new) for c in changes} == {
        ("indicator", "target_value", 40.0, 50.0),
        ("indicator", "target_date", date(2028, 1, 1), date(2029, 1, 1)),
    }
    first_changes = changelog.diff(version, draft)
    assert ("indicator", "added") in {(c.item_type, c.kind) for c in first_changes}
    assert ("goals", [], [str(goal.key)]) in [
        (c.field, c.old, c.new) for c in first_changes if c.item_type == "measure"
    ]


def test_an_indicator_deadline_must_follow_its_baseline(published, staff):
    draft = versions.start_draft(published, staff)
    with pytest.raises(ValidationError):
        versions.add_item(
            draft,
            Indicator,
            measure=draft.measures.get(),
            name="Rückwärts",
            baseline_value=0,
            baseline_date=date(2028, 1, 1),
            target_value=1,
            target_date=date(2024, 1, 1),
        )
