"""A measure's progress across versions: measurements (one a day, corrections replace),
pulled SensorThings aggregates, the value compass by team and public, the handbook checklist
and links to processes."""

import importlib
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone, translation

from gemeinsam.strategy import selectors, sources
from gemeinsam.strategy.indicators import Status
from gemeinsam.strategy.models import (
    AssessmentKind,
    CompassAssessment,
    Direction,
    FieldOfAction,
    HandbookPhase,
    Indicator,
    Measure,
    MeasureLink,
    Measurement,
    MeasureType,
    SourceKind,
    Value,
)
from gemeinsam.strategy.services import tracking, versions
from gemeinsam.strategy.services.tracking import ProgressError
from tests.conftest import UserFactory, run_concurrently


def make_strategy(user=None, *, name="Teststrategie", values=("nachhaltig", "kooperativ")):
    strategy = versions.create_strategy(name, user=user)
    version = strategy.versions.get()
    for name in values:
        versions.add_item(version, Value, name=name)
    field = versions.add_item(version, FieldOfAction, title="Daten")
    measure = versions.add_item(
        version, Measure, title="Kiezbox", type=MeasureType.URBAN_SOCIETY, fields_of_action=[field]
    )
    indicator = versions.add_item(
        version,
        Indicator,
        measure=measure,
        name="Kiezboxen in Betrieb",
        unit="Boxen",
        direction=Direction.HIGHER_IS_BETTER,
        baseline_value=0,
        baseline_date=date(2024, 1, 1),
        target_value=40,
        target_date=date(2028, 1, 1),
    )
    versions.publish(version, user, "Erste Fassung")
    return strategy, measure, indicator


@pytest.fixture
def tracked(db, staff):
    return make_strategy(staff)


def test_a_second_value_for_the_same_day_corrects_the_first(tracked, staff):
    _strategy, _measure, indicator = tracked
    _first, created = tracking.record_measurement(indicator, date(2025, 1, 1), 10, user=staff)
    _second, created_again = tracking.record_measurement(indicator, date(2025, 1, 1), 12)
    assert (created, created_again) == (True, False)
    assert [(m.date, m.value) for m in selectors.measurements(indicator)] == [
        (date(2025, 1, 1), 12.0)
    ]


@pytest.mark.parametrize(
    ("when", "value", "message"),
    [
        (date(2023, 12, 31), 1.0, "before the baseline date"),
        (None, 1.0, "in the future"),
        (date(2025, 1, 1), float("nan"), "finite number"),
        (date(2025, 1, 1), float("inf"), "finite number"),
    ],
)
def test_measurements_that_cannot_be_true_are_refused(tracked, when, value, message):
    _strategy, _measure, indicator = tracked
    when = when or timezone.localdate() + timedelta(days=1)
    with translation.override("en"), pytest.raises(ProgressError, match=message):
        tracking.record_measurement(indicator, when, value)
    assert not Measurement.objects.exists()


def test_measurements_follow_the_indicator_into_a_new_version(tracked, staff):
    strategy, _measure, indicator = tracked
    tracking.record_measurement(indicator, date(2025, 1, 1), 10)
    draft = versions.start_draft(strategy, staff)
    copy = draft.indicators.get()
    versions.edit_item(copy, target_value=50)
    assert copy.pk != indicator.pk
    assert [m.value for m in selectors.measurements(copy)] == [10.0]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_entries_for_one_day_leave_one_row():
    _strategy, _measure, indicator = make_strategy()
    calls = [
        lambda n=n: tracking.record_measurement(indicator, date(2025, 3, 1), float(n))
        for n in range(6)
    ]
    assert run_concurrently(calls) == []
    rows = list(Measurement.objects.filter(indicator_key=indicator.key))
    assert len(rows) == 1
    assert rows[0].value in {float(n) for n in range(6)}


def test_status_uses_the_stored_series(tracked):
    _strategy, _measure, indicator = tracked
    today = date(2026, 1, 1)
    assert selectors.indicator_status(indicator, today=today).status == Status.NO_DATA
    for year, value in ((2024, 6), (2025, 16), (2025.5, 21)):
        when = date(int(year), 7 if year % 1 else 1, 1)
        tracking.record_measurement(indicator, when, value)
    # 21 boxes after 1.5 years against a path of 10 a year: ahead, projected beyond 40.
    assert selectors.indicator_status(indicator, today=today).status == Status.ON_TRACK


@pytest.mark.django_db(transaction=True)
def test_a_sensorthings_aggregate_becomes_monthly_measurements():
    from gemeinsam.sensors import services as sta
    from gemeinsam.sensors.models import Datastream
    from gemeinsam.sensors.sta.entities import BY_NAME
    from tests.sensors.test_services import datastream, location, thing

    sta.create_entity(BY_NAME["Thing"], thing(Locations=[location()], Datastreams=[datastream()]))
    datastream = Datastream.objects.get()
    january = [(datetime(2025, 1, d, 12, tzinfo=UTC), float(d)) for d in (2, 4, 6)]
    february = [(datetime(2025, 2, d, 12, tzinfo=UTC), 10.0) for d in (1, 2)]
    for moment, value in january + february:
        sta.create_entity(
            BY_NAME["Observation"],
            {
                "phenomenonTime": moment.isoformat(),
                "result": value,
                "Datastream": {"@iot.id": datastream.pk},
            },
        )
    strategy, _measure, indicator = make_strategy()
    draft = versions.start_draft(strategy)
    config = {"datastream": datastream.pk, "aggregate": "mean", "period": "month"}
    indicator = versions.edit_item(
        draft.indicators.get(), source=SourceKind.SENSORTHINGS, source_config=config
    )
    result = tracking.sync_indicator(indicator, until=date(2025, 12, 31))
    assert (result.fetched, result.created) == (2, 2)
    series = [(m.date, m.value, m.source) for m in selectors.measurements(indicator)]
    assert series == [
        (date(2025, 1, 1), 4.0, SourceKind.SENSORTHINGS),
        (date(2025, 2, 1), 10.0, SourceKind.SENSORTHINGS),
    ]
    assert tracking.sync_indicator(indicator, until=date(2025, 12, 31)).updated == 2


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "id of a datastream"),
        ({"datastream": "1"}, "id of a datastream"),
        ({"datastream": 999999}, "no datastream"),
    ],
)
def test_a_sensorthings_source_says_what_is_wrong_with_its_settings(db, config, message):
    with translation.override("en"), pytest.raises(sources.SourceError, match=message):
        sources.source_for(SourceKind.SENSORTHINGS).check(config)


def test_pushed_sources_take_no_settings_and_fetch_nothing(tracked):
    _strategy, _measure, indicator = tracked
    with pytest.raises(sources.SourceError):
        sources.source_for(SourceKind.MANUAL).check({"datastream": 1})
    assert tracking.sync_indicator(indicator).fetched == 0


def _ratings(strategy, scores, justification="weil"):
    values = list(strategy.published_version.values.all())
    return {v.key: (score, justification) for v, score in zip(values, scores, strict=True)}


def test_team_assessments_are_kept_over_time(tracked, staff):
    strategy, measure, _indicator = tracked
    tracking.assess_measure(measure, _ratings(strategy, [1, 2]), on=date(2024, 6, 1))
    tracking.assess_measure(measure, _ratings(strategy, [3, 4]), on=date(2025, 6, 1))
    history = selectors.compass_history(measure.key)
    assert [(r.kind, r.on, sorted(r.means.values())) for r in history] == [
        (AssessmentKind.TEAM, date(2024, 6, 1), [1.0, 2.0]),
        (AssessmentKind.TEAM, date(2025, 6, 1), [3.0, 4.0]),
    ]
    assert selectors.latest_rounds(history)[AssessmentKind.TEAM].on == date(2025, 6, 1)


@pytest.mark.parametrize(
    ("scores", "justification", "message"),
    [
        ([1], "weil", "every value"),
        ([1, 5], "weil", "whole number from 0 to 4"),
        ([1, 2], " ", "justification"),
    ],
)
def test_a_team_assessment_rates_every_value_with_reasons(tracked, scores, justification, message):
    strategy, measure, _indicator = tracked
    values = list(strategy.published_version.values.all())
    ratings = {v.key: (s, justification) for v, s in zip(values, scores, strict=False)}
    with translation.override("en"), pytest.raises(ProgressError, match=message):
        tracking.assess_measure(measure, ratings)
    assert not CompassAssessment.objects.exists()


def test_public_survey_means_and_one_answer_per_person(tracked, staff):
    strategy, measure, _indicator = tracked
    now = timezone.now()
    survey = tracking.open_survey(
        measure, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1)
    )
    alice, bob = UserFactory(), UserFactory()
    tracking.answer_survey(survey, alice, _ratings(strategy, [0, 4], ""))
    tracking.answer_survey(survey, alice, _ratings(strategy, [2, 4], ""))  # replaces
    tracking.answer_survey(survey, bob, _ratings(strategy, [4, 2], ""))
    public = selectors.latest_rounds(selectors.compass_history(measure.key))[AssessmentKind.PUBLIC]
    values = list(strategy.published_version.values.all())
    assert public.respondents == 2
    assert [public.means[v.key] for v in values] == [3.0, 3.0]


def test_closed_surveys_and_anonymous_answers_are_refused(tracked):
    strategy, measure, _indicator = tracked
    now = timezone.now()
    survey = tracking.open_survey(
        measure, opens_at=now - timedelta(days=2), closes_at=now - timedelta(days=1)
    )
    with translation.override("en"), pytest.raises(ProgressError, match="not open"):
        tracking.answer_survey(survey, UserFactory(), _ratings(strategy, [1, 1], ""))
    open_one = tracking.open_survey(measure, opens_at=now, closes_at=now + timedelta(days=1))
    from django.contrib.auth.models import AnonymousUser

    with translation.override("en"), pytest.raises(ProgressError, match="Sign in"):
        tracking.answer_survey(open_one, AnonymousUser(), _ratings(strategy, [1, 1], ""))
    with translation.override("en"), pytest.raises(ProgressError, match="Another survey"):
        tracking.open_survey(measure, opens_at=now, closes_at=now + timedelta(hours=2))


@pytest.mark.django_db(transaction=True)
def test_simultaneous_answers_of_one_person_count_once():
    strategy, measure, _indicator = make_strategy()
    now = timezone.now()
    survey = tracking.open_survey(measure, opens_at=now, closes_at=now + timedelta(days=1))
    person = UserFactory()
    ratings = _ratings(strategy, [2, 3], "")
    calls = [lambda: tracking.answer_survey(survey, person, ratings) for _ in range(5)]
    assert run_concurrently(calls) == []
    assert CompassAssessment.objects.filter(survey=survey, author=person).count() == 1


def test_the_checklist_shows_the_handbook_steps_done(tracked, staff):
    strategy, measure, _indicator = tracked
    # A new strategy starts with the handbook's steps (versions.create_strategy); one made
    # before that is given them once.
    assert strategy.handbook_steps.count() == sum(map(len, tracking.DEFAULT_STEPS.values()))
    strategy.handbook_steps.all().delete()
    assert tracking.seed_handbook(strategy) > 0
    assert tracking.seed_handbook(strategy) == 0  # only once
    first = strategy.handbook_steps.filter(phase=HandbookPhase.PLANNING).first()
    tracking.set_step_done(measure, first, True, user=staff)
    tracking.set_step_done(measure, first, True, user=staff)  # a double click
    items = selectors.checklist(measure)[HandbookPhase.PLANNING]
    assert [item.done is not None for item in items] == [True] + [False] * (len(items) - 1)
    tracking.set_step_done(measure, first, False)
    assert all(item.done is None for item in selectors.checklist(measure)[HandbookPhase.PLANNING])


def test_links_to_processes_skip_deleted_ones(tracked, staff):
    from tests.participation.conftest import make_process

    _strategy, measure, _indicator = tracked
    kept, gone = make_process(slug="behalten"), make_process(slug="weg")
    tracking.link_process(measure, kept, user=staff)
    tracking.link_process(measure, kept, user=staff)  # twice is once
    tracking.link_process(measure, gone, user=staff)
    gone.delete()
    linked = selectors.linked_processes(measure.key)
    assert [(entry.kind, entry.target.pk) for entry in linked] == [
        ("participation.process", kept.pk)
    ]
    assert MeasureLink.objects.count() == 2


def test_only_processes_can_be_linked(tracked):
    _strategy, measure, _indicator = tracked
    with translation.override("en"), pytest.raises(ProgressError, match="links to these kinds"):
        tracking.link_process(measure, measure)


def test_the_rule_is_written_with_the_numbers_and_dates_of_the_language(tracked):
    from gemeinsam.strategy.selectors import rule_in_words

    _strategy, _measure, indicator = tracked
    for when, value in ((date(2024, 7, 1), 2.5), (date(2025, 1, 1), 7.25), (date(2025, 7, 1), 9.5)):
        tracking.record_measurement(indicator, when, value)
    assessment = selectors.indicator_status(indicator, today=date(2026, 1, 1))
    with translation.override("de"):
        german = rule_in_words(assessment)
    with translation.override("en"):
        english = rule_in_words(assessment)
    assert "1.1.2028" in german or "01.01.2028" in german
    assert "9,5" in german and "9.5" not in german
    assert "9.5" in english and ("1/1/2028" in english or "01/01/2028" in english)


def test_the_handbook_migration_gives_older_strategies_the_steps_of_a_new_one():
    migration = importlib.import_module("gemeinsam.strategy.migrations.0003_seed_handbooks")
    steps = tracking.DEFAULT_STEPS.items()
    assert [(p, title, en) for p, titles in steps for title, en in titles] == migration.STEPS
