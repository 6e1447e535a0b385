"""The strategy's staff area: strategies, the draft editor, review and publishing, and what
staff track for a published measure (measurements, CSV import, compass, survey, checklist,
links). Every flow with the errors a person can make."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from gemeinsam.strategy import selectors
from gemeinsam.strategy.models import (
    ChecklistEntry,
    CompassAssessment,
    CompassSurvey,
    FieldOfAction,
    Goal,
    HandbookStep,
    Indicator,
    Measure,
    MeasureLink,
    Measurement,
    MeasureType,
    SourceKind,
    Strategy,
    Value,
    VersionState,
)
from gemeinsam.strategy.services import tracking, versions
from tests.conftest import OrganisationFactory, run_concurrently
from tests.participation.conftest import make_process

pytestmark = pytest.mark.django_db

BASELINE = date(2024, 1, 1)


@pytest.fixture
def strategy(staff) -> Strategy:
    """Version 1 published: two values, a field with a goal, a measure with an indicator."""
    strategy = versions.create_strategy("Teststrategie", slug="test", user=staff)
    version = strategy.versions.get()
    versions.add_item(version, Value, name="nachhaltig", name_en="sustainable")
    versions.add_item(version, Value, name="offen", name_en="open", order=1)
    field = versions.add_item(version, FieldOfAction, title="Daten")
    goal = versions.add_item(version, Goal, field_of_action=field, title="Offene Daten")
    measure = versions.add_item(
        version,
        Measure,
        title="Kiezbox",
        type=MeasureType.URBAN_SOCIETY,
        fields_of_action=[field],
        goals=[goal],
    )
    versions.add_item(
        version,
        Indicator,
        measure=measure,
        name="Kiezboxen im Betrieb",
        unit="Stück",
        baseline_value=10,
        baseline_date=BASELINE,
        target_value=50,
        target_date=date(2030, 12, 31),
    )
    versions.publish(version, staff, "Erste Fassung")
    return strategy


@pytest.fixture
def client(login, staff):
    """City staff, reading the pages in English, so that messages are matched as written."""
    client = login(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def url(name: str, *args) -> str:
    return reverse(f"strategy_staff:{name}", args=args)


def published_measure(strategy: Strategy) -> Measure:
    return strategy.published_version.measures.get()


def published_indicator(strategy: Strategy) -> Indicator:
    return strategy.published_version.indicators.get()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# Access ----------------------------------------------------------------------------------


def test_residents_and_moderators_get_403_and_anonymous_people_are_sent_to_log_in(
    strategy, login, resident, moderator, anonymous
):
    measure = published_measure(strategy)
    pages = [
        url("strategies"),
        url("dashboard", "test"),
        url("review", "test"),
        url("import", "test"),
        url("measure", "test", measure.key),
        url("item_add", "test", "measure"),
    ]
    for person in (resident, moderator):
        client = login(person)
        for page in pages:
            assert client.get(page).status_code == 403, page
        assert client.post(url("draft_start", "test")).status_code == 403
    for page in pages:
        response = anonymous.get(page)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert strategy.draft is None


def test_admin_may_use_the_staff_area(strategy, login, admin_user):
    assert login(admin_user).get(url("dashboard", "test")).status_code == 200


def test_unknown_kind_strategy_or_measure_is_404(strategy, client):
    assert client.get(url("dashboard", "nope")).status_code == 404
    assert (
        client.get(url("measure", "test", "00000000-0000-0000-0000-000000000000")).status_code
        == 404
    )
    versions.start_draft(strategy)
    assert client.get(url("item_add", "test", "planet")).status_code == 404
    assert client.get(url("item_edit", "test", "measure", 999999)).status_code == 404


# Strategies and drafts -----------------------------------------------------------------


def test_staff_create_a_strategy_with_an_empty_draft(client, staff):
    response = client.post(url("strategies"), {"name": "Smart City Pankow", "name_en": ""})
    assert response.status_code == 302
    strategy = Strategy.objects.get(slug="smart-city-pankow")
    assert response["Location"] == url("dashboard", strategy.slug)
    assert strategy.draft.number == 1
    assert strategy.draft.created_by == staff


def test_a_taken_short_name_is_a_form_error(strategy, client):
    with translation.override("en"):
        response = client.post(url("strategies"), {"name": "Anders", "slug": "test"})
    assert response.status_code == 200
    assert "exists already" in str(response.context["form"].errors["slug"])
    assert Strategy.objects.count() == 1


def test_strategy_list_costs_the_same_queries_for_more_strategies(
    strategy, client, django_assert_max_num_queries
):
    for n in range(5):
        versions.create_strategy(f"Strategie {n}")
    with django_assert_max_num_queries(12):
        response = client.get(url("strategies"))
    assert response.content.decode().count("/staff/strategy/strategie-") == 10


def test_start_a_draft_then_a_second_start_is_refused_with_a_message(strategy, client):
    response = client.post(url("draft_start", "test"))
    assert response["Location"] == url("editor", "test")
    assert strategy.draft.number == 2
    with translation.override("en"):
        response = client.post(url("draft_start", "test"), follow=True)
    assert any("already has a draft" in m for m in messages_of(response))
    assert strategy.versions.count() == 2


def test_start_draft_only_by_post(strategy, client):
    assert client.get(url("draft_start", "test")).status_code == 405


def test_editor_without_a_draft_goes_back_to_the_dashboard(strategy, client):
    response = client.get(url("editor", "test"))
    assert response["Location"] == url("dashboard", "test")


def test_editor_lists_every_kind_of_item_in_a_few_queries(
    strategy, client, django_assert_max_num_queries
):
    draft = versions.start_draft(strategy)
    for n in range(5):
        versions.add_item(draft, Measure, title=f"Maßnahme {n}", type=MeasureType.CENTRAL)
    with django_assert_max_num_queries(15):
        response = client.get(url("editor", "test"))
    page = response.content.decode()
    for text in ("nachhaltig", "Daten", "Offene Daten", "Kiezbox", "Kiezboxen im Betrieb"):
        assert text in page
    assert page.count("Maßnahme ") >= 5


# Editing items ---------------------------------------------------------------------------


def measure_data(**changes) -> dict:
    data = {
        "title": "Smarte Wasserversorgung",
        "type": MeasureType.CENTRAL,
        "status": "planned",
        "phase": "initiation",
        "order": 0,
    }
    data.update(changes)
    return data


def test_add_a_measure_with_partners_place_and_the_drafts_own_field(strategy, client):
    draft = versions.start_draft(strategy)
    field = draft.fields_of_action.get()
    partner = OrganisationFactory()
    response = client.post(
        url("item_add", "test", "measure"),
        measure_data(
            fields_of_action=[field.pk],
            partners=[partner.pk],
            location_name="Hardenbergplatz",
            longitude="13.3339",
            latitude="52.5069",
            budget="250000.00",
            start="2025-01-01",
            end="2026-12-31",
        ),
    )
    assert response["Location"] == url("editor", "test")
    measure = draft.measures.get(title="Smarte Wasserversorgung")
    assert list(measure.fields_of_action.all()) == [field]
    assert list(measure.partners.all()) == [partner]
    assert (measure.longitude, measure.latitude) == (13.3339, 52.5069)
    assert strategy.published_version.measures.count() == 1


def test_relations_offer_only_the_drafts_own_items(strategy, client):
    versions.start_draft(strategy)
    published_field = strategy.published_version.fields_of_action.get()
    response = client.post(
        url("item_add", "test", "measure"), measure_data(fields_of_action=[published_field.pk])
    )
    assert response.status_code == 200
    assert "fields_of_action" in response.context["form"].errors
    assert not Measure.objects.filter(title="Smarte Wasserversorgung").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"longitude": "13.4"}, "latitude", "both longitude and latitude"),
        ({"longitude": "200", "latitude": "52.5"}, "longitude", "between -180 and 180"),
        ({"start": "2026-01-01", "end": "2025-01-01"}, "end", "not lie before the start"),
        ({"budget": "-5"}, "budget", "cannot be negative"),
        ({"title": ""}, "title", "required"),
    ],
)
def test_wrong_measure_input_is_a_form_error_next_to_its_field(
    strategy, client, changes, field, message
):
    versions.start_draft(strategy)
    with translation.override("en"):
        response = client.post(url("item_add", "test", "measure"), measure_data(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in response.content.decode()
    assert strategy.draft.measures.count() == 1


def test_edit_a_measure_title_in_the_draft_only(strategy, client):
    draft = versions.start_draft(strategy)
    measure = draft.measures.get()
    page = client.get(url("item_edit", "test", "measure", measure.pk))
    assert page.status_code == 200
    assert page.context["form"]["title"].value() == "Kiezbox"
    data = measure_data(
        title="Kiezbox 2.0",
        type=measure.type,
        fields_of_action=[f.pk for f in measure.fields_of_action.all()],
        goals=[g.pk for g in measure.goals.all()],
    )
    response = client.post(url("item_edit", "test", "measure", measure.pk), data)
    assert response["Location"] == url("editor", "test")
    measure.refresh_from_db()
    assert measure.title == "Kiezbox 2.0"
    assert measure.goals.count() == 1
    assert published_measure(strategy).title == "Kiezbox"


def test_editing_an_item_of_the_published_version_is_refused(strategy, client):
    measure = published_measure(strategy)
    with translation.override("en"):
        response = client.post(
            url("item_edit", "test", "measure", measure.pk),
            measure_data(title="Am Entwurf vorbei"),
            follow=True,
        )
        refused_get = client.get(url("item_edit", "test", "measure", measure.pk), follow=True)
        removed = client.post(url("item_remove", "test", "measure", measure.pk), follow=True)
    assert any("is published and cannot be changed" in m for m in messages_of(response))
    assert any("is published and cannot be changed" in m for m in messages_of(refused_get))
    assert any("is published and cannot be changed" in m for m in messages_of(removed))
    measure.refresh_from_db()
    assert measure.title == "Kiezbox"


def indicator_data(measure: Measure, **changes) -> dict:
    data = {
        "measure": measure.pk,
        "name": "Datensätze im Open-Data-Portal",
        "direction": "higher_is_better",
        "baseline_value": "1200",
        "baseline_date": "2024-01-01",
        "target_value": "2000",
        "target_date": "2027-12-31",
        "source": SourceKind.MANUAL,
        "source_config": "",
        "order": 0,
    }
    data.update(changes)
    return data


def test_add_an_indicator_with_a_decimal_comma(strategy, client):
    draft = versions.start_draft(strategy)
    measure = draft.measures.get()
    response = client.post(
        url("item_add", "test", "indicator"),
        indicator_data(measure, target_value="2000,5"),
    )
    assert response.status_code == 302
    indicator = draft.indicators.get(name="Datensätze im Open-Data-Portal")
    assert indicator.target_value == 2000.5
    assert indicator.source_config == {}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"source_config": '{"datastream": 1}'}, "takes no settings"),
        ({"source": SourceKind.SENSORTHINGS, "source_config": ""}, "id of a datastream"),
        (
            {"source": SourceKind.SENSORTHINGS, "source_config": '{"datastream": 99999}'},
            "no datastream 99999",
        ),
        ({"source": SourceKind.SENSORTHINGS, "source_config": "{datastream: 1"}, "JSON"),
        ({"source_config": "[1, 2]"}, "JSON object"),
    ],
)
def test_indicator_source_settings_are_checked_by_the_source(strategy, client, changes, message):
    draft = versions.start_draft(strategy)
    response = client.post(
        url("item_add", "test", "indicator"),
        indicator_data(draft.measures.get(), **changes),
    )
    with translation.override("en"):  # the request leaves its own language active
        assert response.status_code == 200
        assert message in str(response.context["form"].errors["source_config"])
    assert draft.indicators.count() == 1


def test_an_indicator_deadline_before_its_baseline_is_a_form_error(strategy, client):
    draft = versions.start_draft(strategy)
    response = client.post(
        url("item_add", "test", "indicator"),
        indicator_data(draft.measures.get(), target_date="2023-01-01"),
    )
    with translation.override("en"):  # the request leaves its own language active
        assert "after the baseline date" in str(response.context["form"].errors["target_date"])


def test_edit_an_indicator_target(strategy, client):
    draft = versions.start_draft(strategy)
    indicator = draft.indicators.get()
    data = indicator_data(
        indicator.measure,
        name=indicator.name,
        unit=indicator.unit,
        baseline_value="10",
        target_value="80",
        target_date="2030-12-31",
    )
    response = client.post(url("item_edit", "test", "indicator", indicator.pk), data)
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.target_value == 80
    assert published_indicator(strategy).target_value == 50


def test_add_value_field_and_goal(strategy, client):
    draft = versions.start_draft(strategy)
    client.post(url("item_add", "test", "value"), {"name": "inklusiv", "order": 2})
    client.post(url("item_add", "test", "field_of_action"), {"title": "Verwaltung", "order": 1})
    field = draft.fields_of_action.get(title="Verwaltung")
    client.post(
        url("item_add", "test", "goal"),
        {"field_of_action": field.pk, "title": "Digitale Akten", "order": 0},
    )
    assert draft.values.filter(name="inklusiv").exists()
    assert draft.goals.get(title="Digitale Akten").field_of_action == field


def test_remove_asks_first_and_says_what_goes_with_it(strategy, client):
    draft = versions.start_draft(strategy)
    field = draft.fields_of_action.get()
    with translation.override("en"):
        page = client.get(url("item_remove", "test", "field_of_action", field.pk))
    assert page.status_code == 200
    assert "goals: 1" in page.content.decode()
    assert draft.fields_of_action.count() == 1
    response = client.post(url("item_remove", "test", "field_of_action", field.pk))
    assert response["Location"] == url("editor", "test")
    assert draft.fields_of_action.count() == 0
    assert draft.goals.count() == 0
    assert strategy.published_version.goals.count() == 1


# Review and publish ----------------------------------------------------------------------


def test_review_shows_the_changes_in_words_and_publishing_needs_a_note(strategy, client, staff):
    draft = versions.start_draft(strategy)
    measure = draft.measures.get()
    versions.edit_item(measure, title="Kiezbox 2.0", status="running")
    versions.add_item(draft, Value, name="inklusiv")
    versions.remove_item(draft.goals.get())
    with translation.override("en"):
        page = client.get(url("review", "test"))
        text = page.content.decode()
        assert "Kiezbox 2.0" in text
        assert "In planning" in text  # the status in words, not its code
        assert "Running" in text
        assert "inklusiv" in text
        assert "Offene Daten" in text
        entry = page.context["entry"]
        assert (entry.added, entry.changed, entry.removed) == (1, 1, 1)
        response = client.post(url("review", "test"), {"change_note": "   "})
    assert response.status_code == 200
    assert "change_note" in response.context["form"].errors
    draft.refresh_from_db()
    assert draft.state == VersionState.DRAFT

    response = client.post(url("review", "test"), {"change_note": "Kiezbox läuft jetzt."})
    assert response["Location"] == url("dashboard", "test")
    draft.refresh_from_db()
    assert draft.state == VersionState.PUBLISHED
    assert draft.change_note == "Kiezbox läuft jetzt."
    assert draft.published_by == staff
    assert strategy.published_version == draft


def test_review_names_related_items_by_title(strategy, client):
    draft = versions.start_draft(strategy)
    field = versions.add_item(draft, FieldOfAction, title="Verwaltung")
    measure = draft.measures.get()
    versions.edit_item(measure, fields_of_action=[field])
    with translation.override("en"):
        page = client.get(url("review", "test"))
        measures = next(g for g in page.context["entry"].groups if g.label == "Measures")
        (change,) = measures.items[0].fields
    assert (change.old, change.new) == ("Daten", "Verwaltung")


# Measurements ----------------------------------------------------------------------------


def add_url(strategy):
    indicator = published_indicator(strategy)
    return url("measurement_add", "test", indicator.measure.key, indicator.key), indicator


def test_enter_correct_and_delete_a_measurement(strategy, client, staff):
    target, indicator = add_url(strategy)
    prefix = f"m-{indicator.key}"
    response = client.post(
        target, {f"{prefix}-date": "2025-03-01", f"{prefix}-value": "12,5", f"{prefix}-note": "Q1"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#indicator-{indicator.key}")
    client.post(target, {f"{prefix}-date": "2025-03-01", f"{prefix}-value": "13"})
    stored = Measurement.objects.get(indicator_key=indicator.key)
    assert (stored.value, stored.created_by) == (13.0, staff)
    page = client.get(url("measure", "test", indicator.measure.key))
    assert "2025" in page.content.decode()
    client.post(
        url("measurement_delete", "test", indicator.measure.key, indicator.key, "2025-03-01")
    )
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(
    ("day", "value", "message"),
    [
        ("2023-12-31", "5", "before the baseline date"),
        ((timezone.localdate() + timedelta(days=2)).isoformat(), "5", "in the future"),
        ("2025-01-01", "viel", "number"),
        ("gestern", "5", "valid date"),
    ],
)
def test_a_wrong_measurement_is_a_form_error_and_nothing_is_stored(
    strategy, client, day, value, message
):
    target, indicator = add_url(strategy)
    prefix = f"m-{indicator.key}"
    with translation.override("en"):
        response = client.post(target, {f"{prefix}-date": day, f"{prefix}-value": value})
    assert response.status_code == 200
    row = next(r for r in response.context["indicators"] if r.view.indicator == indicator)
    assert row.form.errors
    assert message in response.content.decode()
    assert not Measurement.objects.exists()


def test_deleting_with_a_bad_date_is_404(strategy, client):
    indicator = published_indicator(strategy)
    target = url("measurement_delete", "test", indicator.measure.key, indicator.key, "31.02.")
    assert client.post(target).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_same_measurement_sent_twice_at_once_keeps_one_row(login, staff):
    strategy = versions.create_strategy("Parallel", slug="test")
    version = strategy.versions.get()
    measure = versions.add_item(version, Measure, title="M", type=MeasureType.CENTRAL)
    indicator = versions.add_item(
        version,
        Indicator,
        measure=measure,
        name="I",
        baseline_value=0,
        baseline_date=BASELINE,
        target_value=1,
        target_date=date(2030, 1, 1),
    )
    versions.publish(version, staff, "v1")
    target = url("measurement_add", "test", measure.key, indicator.key)
    prefix = f"m-{indicator.key}"
    statuses = []

    def submit(value):
        def call():
            response = login(staff).post(
                target, {f"{prefix}-date": "2025-05-01", f"{prefix}-value": value}
            )
            statuses.append(response.status_code)

        return call

    assert run_concurrently([submit("7"), submit("7")]) == []
    assert statuses == [302, 302]
    assert Measurement.objects.filter(indicator_key=indicator.key).count() == 1


# CSV import ------------------------------------------------------------------------------


def upload(client, strategy, text: str, name: str = "werte.csv"):
    return client.post(
        url("import", strategy.slug),
        {"file": SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")},
    )


def test_csv_with_a_bad_line_reports_the_line_and_stores_nothing(strategy, client):
    csv = (
        "indicator;date;value\n"
        "Kiezboxen im Betrieb;2025-01-01;12\n"
        "Kiezboxen im Betrieb;2025-02-01;zwölf\n"
        "Unbekannt;2025-03-01;3\n"
    )
    with translation.override("en"):
        response = upload(client, strategy, csv)
    assert response.status_code == 400
    page = response.content.decode()
    assert "werte.csv, line 3" in page
    assert "werte.csv, line 4" in page
    assert "Nothing was imported" in page
    assert not Measurement.objects.exists()


def test_csv_import_reports_created_and_updated_counts(strategy, client):
    indicator = published_indicator(strategy)
    tracking.record_measurement(indicator, date(2025, 1, 1), 11)
    csv = "indicator,date,value,note\nKiezboxen im Betrieb,2025-01-01,12,\n"
    csv += f'{indicator.key},01.02.2025,"14,5",Februar\n'
    with translation.override("en"):
        response = upload(client, strategy, csv)
        assert response["Location"] == url("import", "test")
        page = client.get(response["Location"])
    assert any("2 rows imported, 1 new" in m and "1 replaced" in m for m in messages_of(page))
    assert sorted(Measurement.objects.values_list("value", flat=True)) == [12.0, 14.5]


def test_csv_that_is_not_utf8_is_reported(strategy, client):
    with translation.override("en"):
        response = client.post(
            url("import", "test"),
            {"file": SimpleUploadedFile("x.csv", "Größe;ä\n".encode("latin-1"))},
        )
    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode()


def test_no_file_is_a_form_error(strategy, client):
    response = client.post(url("import", "test"), {})
    assert response.status_code == 200
    assert "file" in response.context["form"].errors


# Sync ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _partitions(django_db_setup, django_db_blocker):
    """The yearly observation partitions on PostgreSQL, made outside the test's transaction."""
    from gemeinsam.sensors.partitions import ensure_partitions

    with django_db_blocker.unblock():
        ensure_partitions(datetime(2024, 1, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))


def test_sync_now_fetches_a_sensorthings_datastream(staff, client, _partitions):
    from gemeinsam.sensors.models import (
        Datastream,
        FeatureOfInterest,
        Observation,
        ObservedProperty,
        Sensor,
        Thing,
    )

    stream = Datastream.objects.create(
        name="PM10",
        observation_type="http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
        unit_of_measurement={"name": "µg/m³", "symbol": "µg/m³"},
        thing=Thing.objects.create(name="Messstelle"),
        sensor=Sensor.objects.create(name="S", encoding_type="text/html", metadata="x"),
        observed_property=ObservedProperty.objects.create(name="PM10", definition="urn:pm10"),
    )
    feature = FeatureOfInterest.objects.create(
        name="Ort", encoding_type="application/geo+json", feature={"type": "Point"}
    )
    for day, result in ((1, 20.0), (2, 30.0)):
        Observation.objects.create(
            datastream=stream,
            feature_of_interest=feature,
            phenomenon_time_start=datetime(2025, 3, day, 12, tzinfo=UTC),
            result_number=result,
        )
    strategy = versions.create_strategy("Luft", slug="luft")
    version = strategy.versions.get()
    measure = versions.add_item(version, Measure, title="Luft", type=MeasureType.CENTRAL)
    indicator = versions.add_item(
        version,
        Indicator,
        measure=measure,
        name="PM10",
        direction="lower_is_better",
        baseline_value=40,
        baseline_date=BASELINE,
        target_value=20,
        target_date=date(2030, 1, 1),
        source=SourceKind.SENSORTHINGS,
        source_config={"datastream": stream.pk, "aggregate": "mean", "period": "month"},
    )
    versions.publish(version, staff, "v1")
    with translation.override("en"):
        page = client.get(url("measure", "luft", measure.key))
        assert "Fetch values now" in page.content.decode()
        response = client.post(url("sync", "luft", measure.key, indicator.key), follow=True)
    assert any("1 values fetched: 1 new" in m for m in messages_of(response))
    assert Measurement.objects.get(indicator_key=indicator.key).value == 25.0


def test_sync_of_a_manual_indicator_says_there_is_nothing_to_fetch(strategy, client):
    indicator = published_indicator(strategy)
    with translation.override("en"):
        response = client.post(
            url("sync", "test", indicator.measure.key, indicator.key), follow=True
        )
    assert any("nothing to fetch" in m for m in messages_of(response))


# Compass, survey, checklist, links ---------------------------------------------------------


def compass_data(strategy, **overrides) -> dict:
    data = {}
    for value in strategy.published_version.values.all():
        data[f"score_{value.key}"] = "3"
        data[f"justification_{value.key}"] = f"Weil {value.name}"
    data.update(overrides)
    return data


def test_team_assessment_needs_a_justification_for_every_value(strategy, client, staff):
    measure = published_measure(strategy)
    first = strategy.published_version.values.first()
    response = client.post(
        url("compass", "test", measure.key),
        compass_data(strategy, **{f"justification_{first.key}": " "}),
    )
    assert response.status_code == 200
    assert f"justification_{first.key}" in response.context["compass_form"].errors
    assert not CompassAssessment.objects.exists()

    response = client.post(url("compass", "test", measure.key), compass_data(strategy))
    assert response["Location"].endswith("#compass")
    assessment = CompassAssessment.objects.get()
    assert (assessment.kind, assessment.author) == ("team", staff)
    assert sorted(r.score for r in assessment.ratings.all()) == [3, 3]
    page = client.get(url("measure", "test", measure.key))
    assert page.context["compass_form"][f"score_{first.key}"].value() == 3


def test_a_score_off_the_scale_is_a_form_error(strategy, client):
    measure = published_measure(strategy)
    first = strategy.published_version.values.first()
    response = client.post(
        url("compass", "test", measure.key), compass_data(strategy, **{f"score_{first.key}": "9"})
    )
    assert f"score_{first.key}" in response.context["compass_form"].errors
    assert not CompassAssessment.objects.exists()


def local(when) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


def test_open_a_survey_and_an_overlapping_one_is_refused(strategy, client):
    measure = published_measure(strategy)
    now = timezone.now()
    data = {"opens_at": local(now), "closes_at": local(now + timedelta(days=14))}
    response = client.post(url("survey", "test", measure.key), data)
    assert response.status_code == 302
    assert selectors.open_survey_for(measure.key, now=now + timedelta(minutes=5)) is not None
    again = client.post(url("survey", "test", measure.key), data)
    backwards = client.post(
        url("survey", "test", measure.key),
        {"opens_at": local(now), "closes_at": local(now - timedelta(days=1))},
    )
    with translation.override("en"):  # the request leaves its own language active
        assert "Another survey" in str(again.context["survey_form"].non_field_errors())
        assert "close after it opens" in str(backwards.context["survey_form"].errors["closes_at"])
    assert CompassSurvey.objects.count() == 1


def test_checklist_is_seeded_and_saves_ticked_steps(strategy, client):
    measure = published_measure(strategy)
    steps = list(HandbookStep.objects.filter(strategy=strategy))  # seeded with the strategy
    assert len(steps) > 5
    page = client.get(url("measure", "test", measure.key))
    assert page.status_code == 200
    assert HandbookStep.objects.count() == len(steps)  # the page writes nothing
    assert f'value="{steps[0].pk}"' in page.content.decode()
    shown = [s.pk for s in steps]
    client.post(
        url("checklist", "test", measure.key),
        {"shown": shown, "done": [steps[0].pk, steps[1].pk]},
    )
    assert set(ChecklistEntry.objects.values_list("step_id", flat=True)) == {
        steps[0].pk,
        steps[1].pk,
    }
    client.post(url("checklist", "test", measure.key), {"shown": shown, "done": [steps[1].pk]})
    assert list(ChecklistEntry.objects.values_list("step_id", flat=True)) == [steps[1].pk]
    # A step not on the form keeps its state; junk ids are ignored.
    client.post(url("checklist", "test", measure.key), {"shown": ["x", shown[0]], "done": ["x"]})
    assert list(ChecklistEntry.objects.values_list("step_id", flat=True)) == [steps[1].pk]


def test_link_and_unlink_a_process(strategy, client):
    measure = published_measure(strategy)
    process = make_process(slug="kiezbox-ideen")
    page = client.get(url("measure", "test", measure.key))
    assert "Ideen für Berlin" in page.content.decode()
    response = client.post(
        url("link_add", "test", measure.key), {"target": f"participation.process:{process.pk}"}
    )
    assert response.status_code == 302
    link = MeasureLink.objects.get()
    assert link.target == process
    bad = client.post(url("link_add", "test", measure.key), {"target": "core.user:1"})
    assert "target" in bad.context["link_form"].errors
    client.post(url("link_remove", "test", measure.key, link.pk))
    assert not MeasureLink.objects.exists()


def test_measure_page_shows_status_and_measurements_in_a_few_queries(
    strategy, client, django_assert_max_num_queries
):
    indicator = published_indicator(strategy)
    for month in range(1, 7):
        tracking.record_measurement(indicator, date(2025, month, 1), 10 + month)
    tracking.seed_handbook(strategy)
    with translation.override("en"), django_assert_max_num_queries(30):
        page = client.get(url("measure", "test", indicator.measure.key))
    text = page.content.decode()
    assert "Kiezboxen im Betrieb" in text
    assert text.count("measurements/2025-0") == 6


def test_the_first_version_is_reviewed_item_by_item_and_published(client):
    client.post(url("strategies"), {"name": "Neu", "slug": "neu"})
    strategy = Strategy.objects.get(slug="neu")
    client.post(url("item_add", "neu", "value"), {"name": "offen", "order": 0})
    with translation.override("en"):
        page = client.get(url("review", "neu"))
    assert "Everything in the first version" in page.content.decode()
    assert "offen" in page.content.decode()
    client.post(url("review", "neu"), {"change_note": "Erste Fassung"})
    assert strategy.published_version.values.get().name == "offen"
    assert client.get(url("editor", "neu"))["Location"] == url("dashboard", "neu")


def test_every_staff_page_renders_in_german(strategy, login, staff):
    client = login(staff)  # no language cookie: German, the default
    measure = published_measure(strategy)
    tracking.record_measurement(published_indicator(strategy), date(2025, 1, 1), 12)
    versions.start_draft(strategy)
    draft_measure = strategy.draft.measures.get()
    pages = [
        url("strategies"),
        url("dashboard", "test"),
        url("editor", "test"),
        url("item_add", "test", "indicator"),
        url("item_edit", "test", "measure", draft_measure.pk),
        url("item_remove", "test", "measure", draft_measure.pk),
        url("review", "test"),
        url("import", "test"),
        url("measure", "test", measure.key),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert '<html lang="de">' in response.content.decode(), page


def test_staff_pages_work_on_the_demo_strategy(login, staff):
    from gemeinsam.core.demo import load_demo_content as load_core
    from gemeinsam.strategy import demo

    load_core()
    strategy = demo.load_demo_content()
    client = login(staff)
    slug = strategy.slug
    pages = [url("dashboard", slug), url("import", slug)]
    pages += [url("measure", slug, m.key) for m in strategy.published_version.measures.all()]
    versions.start_draft(strategy)
    pages += [url("editor", slug), url("review", slug)]
    for page in pages:
        assert client.get(page).status_code == 200, page
