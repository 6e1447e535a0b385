"""The strategy's public pages: overview, measure, survey, map and changelog as the public and
staff see them, with drafts hidden, earlier versions by number, and no 500 on bad input."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from gemeinsam.budgeting.models import BudgetingProcess
from gemeinsam.core.models import ActorGroup
from gemeinsam.participation.models import Process
from gemeinsam.sortition.models import Panel
from gemeinsam.strategy.models import (
    CompassAssessment,
    FieldOfAction,
    Goal,
    HandbookPhase,
    Indicator,
    Measure,
    MeasureStatus,
    MeasureType,
    Value,
)
from gemeinsam.strategy.services import tracking, versions
from tests.conftest import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def strategy(staff):
    """Version 1 published: two values, a field with a goal that refers to a sector goal, a
    located measure with an indicator, its measurements and a team assessment, and a measure
    under no field."""
    strategy = versions.create_strategy("Teststrategie", slug="test", user=staff)
    version = strategy.versions.get()
    versions.add_item(version, Value, name="nachhaltig", name_en="sustainable", order=0)
    versions.add_item(version, Value, name="kooperativ", name_en="cooperative", order=1)
    field = versions.add_item(
        version, FieldOfAction, title="Daten", title_en="Data", guiding_idea="Offen und fair"
    )
    goal = versions.add_item(
        version,
        Goal,
        field_of_action=field,
        title="Offene Daten",
        sector_goal_reference="Open-Data-Strategie, Ziel 3",
        sector_goal_url="https://example.org/open-data#ziel-3",
    )
    measure = versions.add_item(
        version,
        Measure,
        title="Kiezbox",
        title_en="Kiezbox (English)",
        summary="Strom und Netz im Kiez",
        description="Ein **Kasten** <script>alert(1)</script>",
        type=MeasureType.URBAN_SOCIETY,
        lead_organisation=OrganisationFactory(name="Senatskanzlei"),
        lead_unit="CDO",
        partners=[OrganisationFactory(name="Hochschule X", actor_group=ActorGroup.SCIENCE)],
        budget=Decimal("125000.00"),
        funding_source="Landesmittel",
        start=date(2024, 1, 1),
        end=date(2027, 12, 31),
        status=MeasureStatus.RUNNING,
        phase=HandbookPhase.PLANNING,
        fields_of_action=[field],
        goals=[goal],
        location_name="Rathaus Neukölln",
        longitude=13.4349,
        latitude=52.4811,
    )
    today = timezone.localdate()
    versions.add_item(
        version,
        Indicator,
        measure=measure,
        name="Aktive Boxen",
        unit="Boxen",
        baseline_value=0,
        baseline_date=today - timedelta(days=400),
        target_value=100,
        target_date=today + timedelta(days=400),
        is_example=True,
    )
    versions.add_item(
        version, Measure, title="Ohne Feld", type=MeasureType.CENTRAL, status=MeasureStatus.PLANNED
    )
    versions.publish(version, staff, "Erste Fassung")
    published = version.measures.get(title="Kiezbox")
    indicator = version.indicators.get()
    for days, value in ((300, 10), (200, 20), (100, 35)):
        tracking.record_measurement(indicator, today - timedelta(days=days), value)
    values = list(version.values.all())
    tracking.assess_measure(
        published,
        {value.key: (3, f"Weil {value.name}") for value in values},
        user=staff,
        on=today - timedelta(days=10),
    )
    tracking.seed_handbook(strategy)
    return strategy


def measure_of(strategy, title="Kiezbox") -> Measure:
    return strategy.published_version.measures.get(title=title)


def url(name, strategy, *args) -> str:
    return reverse(f"strategy:{name}", args=[strategy.slug, *args])


@pytest.fixture
def survey(strategy, staff):
    now = timezone.now()
    return tracking.open_survey(
        measure_of(strategy),
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=7),
        user=staff,
    )


def second_version(strategy, staff, **changes):
    draft = versions.start_draft(strategy, staff)
    indicator = draft.indicators.get()
    versions.edit_item(indicator, **changes)
    return versions.publish(draft, staff, "Ziel angehoben")


# Index and overview ----------------------------------------------------------------------


def test_index_with_one_strategy_redirects_to_its_overview(client, strategy):
    response = client.get(reverse("strategy:index"))
    assert response.status_code == 302
    assert response["Location"] == url("overview", strategy)


def test_index_lists_published_strategies_only(client, strategy, staff):
    other = versions.create_strategy("Zweite Strategie", slug="zweite", user=staff)
    versions.publish(other.versions.get(), staff, "Los")
    versions.create_strategy("Nur Entwurf", slug="entwurf", user=staff)
    versions.start_draft(strategy, staff)
    response = client.get(reverse("strategy:index"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Teststrategie" in text and "Zweite Strategie" in text
    assert "Nur Entwurf" not in text
    assert "Version 2" not in text  # the draft of Teststrategie is not counted


def test_index_without_strategies_says_so(client, db):
    with translation.override("en"):
        response = client.get(reverse("strategy:index"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200


def test_overview_shows_the_tree_with_statuses(client, strategy):
    response = client.get(url("overview", strategy))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Version 1" in text
    assert "Daten" in text and "Offen und fair" in text
    assert "Offene Daten" in text
    assert 'href="https://example.org/open-data#ziel-3"' in text
    assert "Kiezbox" in text and "Ohne Feld" in text
    assert 'id="unassigned-heading"' in text
    assert "nachhaltig" in text
    assert 'class="status-badge status-' in text
    assert url("measure", strategy, measure_of(strategy).key) in text
    assert url("changelog", strategy) in text and url("map", strategy) in text
    overview = response.context["overview"]
    assert sum(overview.status_counts.values()) == 1


def test_overview_in_english_uses_english_titles(client, strategy):
    client.cookies["gemeinsam_language"] = "en"
    response = client.get(url("overview", strategy))
    text = response.content.decode()
    assert "Kiezbox (English)" in text
    assert "sustainable" in text


def test_overview_query_count_does_not_grow_with_measures(client, staff):
    def build(slug, count):
        strategy = versions.create_strategy(slug, slug=slug, user=staff)
        version = strategy.versions.get()
        field = versions.add_item(version, FieldOfAction, title="Feld")
        goal = versions.add_item(version, Goal, field_of_action=field, title="Ziel")
        for n in range(count):
            measure = versions.add_item(
                version,
                Measure,
                title=f"Maßnahme {n}",
                type=MeasureType.CENTRAL,
                lead_organisation=OrganisationFactory(),
                partners=[OrganisationFactory()],
                fields_of_action=[field],
                goals=[goal] if n % 2 else [],
            )
            versions.add_item(
                version,
                Indicator,
                measure=measure,
                name=f"Indikator {n}",
                baseline_value=0,
                baseline_date=date(2024, 1, 1),
                target_value=10,
                target_date=date(2030, 1, 1),
            )
        versions.publish(version, staff, "Erste Fassung")
        return strategy

    small, large = build("klein", 2), build("gross", 10)
    counts = []
    for strategy in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("overview", strategy)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_draft_is_hidden_from_the_public_and_shown_to_staff(client, login, strategy, staff):
    draft = versions.start_draft(strategy, staff)
    versions.edit_item(draft.measures.get(title="Kiezbox"), title="Kiezbox neu")
    draft_url = url("overview", strategy) + f"?version={draft.number}"
    assert client.get(draft_url).status_code == 404
    assert "Kiezbox neu" not in client.get(url("overview", strategy)).content.decode()
    response = login(staff).get(draft_url)
    assert response.status_code == 200
    assert "Kiezbox neu" in response.content.decode()


def test_unpublished_strategy_is_404_for_the_public(client, login, staff):
    strategy = versions.create_strategy("Geheim", slug="geheim", user=staff)
    assert client.get(url("overview", strategy)).status_code == 404
    assert login(staff).get(url("overview", strategy)).status_code == 200


def test_earlier_version_by_number(client, strategy, staff):
    second_version(strategy, staff, target_value=150)
    current = client.get(url("overview", strategy)).content.decode()
    assert "Version 2" in current
    response = client.get(url("overview", strategy) + "?version=1")
    assert response.status_code == 200
    assert response.context["version"].number == 1
    assert url("overview", strategy) in response.content.decode()  # link to the current one


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "0", "１", "9" * 30])
def test_malformed_version_parameter_is_400(client, strategy, value):
    """As the report and the exports: a version that cannot be one is a bad request."""
    assert client.get(url("overview", strategy), {"version": value}).status_code == 400
    assert client.get(url("map_data", strategy), {"version": value}).status_code == 400


def test_unknown_version_is_404(client, strategy):
    assert client.get(url("overview", strategy), {"version": "99"}).status_code == 404
    assert client.get(url("map_data", strategy), {"version": "99"}).status_code == 404


def test_unknown_strategy_and_measure_are_404(client, strategy):
    assert client.get(reverse("strategy:overview", args=["nichts"])).status_code == 404
    unknown = "00000000-0000-0000-0000-000000000000"
    assert client.get(url("measure", strategy, unknown)).status_code == 404
    assert client.get(url("survey", strategy, unknown)).status_code == 404
    assert client.get(f"/strategy/{strategy.slug}/measures/kein-schluessel/").status_code == 404


# Measure page ----------------------------------------------------------------------------


def test_measure_page_shows_facts_checklist_and_place(client, strategy):
    measure = measure_of(strategy)
    response = client.get(url("measure", strategy, measure.key))
    assert response.status_code == 200
    text = response.content.decode()
    assert "<strong>Kasten</strong>" in text
    assert "<script>alert(1)</script>" not in text
    assert "Senatskanzlei, CDO" in text
    assert "Hochschule X" in text and str(ActorGroup.SCIENCE.label) in text
    assert "125.000 €" in text
    assert "Landesmittel" in text
    assert "Rathaus Neukölln" in text
    assert 'id="measure-map-data"' in text
    assert text.count('class="step step-') == 6
    assert 'aria-current="step"' in text
    assert "Ziele und Indikatoren festlegen" in text  # a handbook step of the planning phase


def test_measure_page_shows_indicator_chart_rule_and_table(client, strategy):
    measure = measure_of(strategy)
    with translation.override("en"):
        client.cookies["gemeinsam_language"] = "en"
        response = client.get(url("measure", strategy, measure.key))
    text = response.content.decode()
    assert 'role="img"' in text
    assert '<polyline class="measured"' in text
    assert '<polyline class="path"' in text
    assert '<polyline class="trend"' in text
    assert 'class="today"' in text
    assert "How is this calculated?" in text
    assert "least-squares" in text or "linear trend" in text
    assert "Example" in text
    assert text.count('<td class="number">') >= 3  # the three measurements
    assert "Entered by staff" in text  # the source


def test_measure_page_shows_radar_with_team_and_public(client, strategy, survey, resident):
    measure = measure_of(strategy)
    values = list(strategy.published_version.values.all())
    tracking.answer_survey(survey, resident, {values[0].key: (1, ""), values[1].key: (2, "")})
    response = client.get(url("measure", strategy, measure.key))
    text = response.content.decode()
    assert 'class="series series-team"' in text
    assert 'class="series series-public"' in text
    assert "Weil nachhaltig" in text  # the team's justification
    assert url("survey", strategy, measure.key) in text
    assert 'aria-labelledby="radar-title radar-desc"' in text


def test_measure_page_without_compass_or_indicators(client, strategy):
    response = client.get(url("measure", strategy, measure_of(strategy, "Ohne Feld").key))
    assert response.status_code == 200
    assert response.context["page"].compass.radar is None
    assert 'id="measure-map-data"' not in response.content.decode()


def test_measure_page_links_visible_processes_only(client, strategy, staff):
    measure = measure_of(strategy)
    public = Process.objects.create(title="Ideen für den Kiez", slug="kiez", summary="s")
    private = Process.objects.create(
        title="Geschlossene Runde", slug="intern", summary="s", visibility="private"
    )
    tracking.link_process(measure, public, user=staff)
    tracking.link_process(measure, private, user=staff)
    text = client.get(url("measure", strategy, measure.key)).content.decode()
    assert reverse("participation:process", args=["kiez"]) in text
    assert "Geschlossene Runde" not in text


def test_measure_page_links_budgets_and_public_panels(client, login, strategy, staff):
    measure = measure_of(strategy)
    process = Process.objects.create(title="Kiezbudget", slug="kiezbudget", summary="s")
    budget = BudgetingProcess.objects.create(process=process, budget=Decimal("10000"))
    panel = Panel.objects.create(slug="rat", title="Bürgerrat Kiez", size=20)
    hidden = Panel.objects.create(slug="still", title="Stiller Rat", size=20, public=False)
    for target in (budget, panel, hidden):
        tracking.link_process(measure, target, user=staff)
    text = client.get(url("measure", strategy, measure.key)).content.decode()
    assert reverse("budgeting:process", args=["kiezbudget"]) in text
    assert reverse("sortition:panel", args=["rat"]) in text and "Bürgerrat Kiez" in text
    assert "Stiller Rat" not in text
    assert "Stiller Rat" in login(staff).get(url("measure", strategy, measure.key)).content.decode()


def test_measure_of_an_earlier_version(client, strategy, staff):
    second_version(strategy, staff, target_value=150)
    measure = measure_of(strategy)
    response = client.get(url("measure", strategy, measure.key) + "?version=1")
    assert response.status_code == 200
    assert response.context["version"].number == 1
    assert response.context["page"].indicators[0].indicator.target_value == 100


# Survey ----------------------------------------------------------------------------------


def test_survey_without_any_survey_is_404(client, strategy):
    assert client.get(url("survey", strategy, measure_of(strategy).key)).status_code == 404


def test_closed_survey_shows_a_friendly_page(client, strategy, staff):
    now = timezone.now()
    tracking.open_survey(
        measure_of(strategy),
        opens_at=now - timedelta(days=10),
        closes_at=now - timedelta(days=1),
        user=staff,
    )
    client.cookies["gemeinsam_language"] = "en"
    response = client.get(url("survey", strategy, measure_of(strategy).key))
    assert response.status_code == 200
    assert "The survey is not open" in response.content.decode()
    response = client.post(url("survey", strategy, measure_of(strategy).key), {})
    assert response.status_code == 200
    assert CompassAssessment.objects.filter(kind="public").count() == 0


def test_survey_form_shows_a_fieldset_per_value(client, strategy, survey):
    response = client.get(url("survey", strategy, measure_of(strategy).key))
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count("<fieldset") == 2
    assert text.count('type="radio"') == 10


def test_survey_post_needs_login(client, strategy, survey):
    target = url("survey", strategy, measure_of(strategy).key)
    response = client.post(target, {})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=" in response["Location"]
    assert CompassAssessment.objects.filter(kind="public").count() == 0


def test_survey_answer_is_saved_and_replaced(login, strategy, survey, resident):
    client = login(resident)
    measure = measure_of(strategy)
    values = list(strategy.published_version.values.all())
    target = url("survey", strategy, measure.key)
    response = client.post(
        target, {f"score_{values[0].key}": "4", f"comment_{values[0].key}": "Sehr gut"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(url("measure", strategy, measure.key))
    answer = CompassAssessment.objects.get(survey=survey, author=resident)
    assert [(r.score, r.justification) for r in answer.ratings.all()] == [(4, "Sehr gut")]
    # The form shows the earlier answer; a second answer replaces it.
    form = client.get(target)
    assert form.context["earlier"] is not None
    response = client.post(
        target, {f"score_{values[0].key}": "1", f"score_{values[1].key}": "2"}, follow=True
    )
    answers = CompassAssessment.objects.filter(survey=survey, author=resident)
    assert answers.count() == 1
    assert sorted(r.score for r in answers.get().ratings.all()) == [1, 2]
    assert list(response.context["messages"])


def test_survey_with_nothing_rated_is_a_form_error(login, strategy, survey, resident):
    client = login(resident)
    client.cookies["gemeinsam_language"] = "en"
    response = client.post(url("survey", strategy, measure_of(strategy).key), {})
    assert response.status_code == 200
    assert "at least one value" in response.content.decode()
    assert not CompassAssessment.objects.filter(survey=survey).exists()


@pytest.mark.parametrize("score", ["5", "-1", "x", "3.5"])
def test_survey_with_a_bad_score_is_a_form_error(login, strategy, survey, resident, score):
    value = strategy.published_version.values.first()
    response = login(resident).post(
        url("survey", strategy, measure_of(strategy).key), {f"score_{value.key}": score}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not CompassAssessment.objects.filter(survey=survey).exists()


def test_survey_comment_without_score_is_a_form_error(login, strategy, survey, resident):
    values = list(strategy.published_version.values.all())
    response = login(resident).post(
        url("survey", strategy, measure_of(strategy).key),
        {f"score_{values[0].key}": "2", f"comment_{values[1].key}": "Nur Text"},
    )
    assert response.status_code == 200
    assert f"score_{values[1].key}" in response.context["form"].errors


def test_inactive_user_cannot_answer(login, strategy, survey):
    person = UserFactory(is_active=False)
    value = strategy.published_version.values.first()
    response = login(person).post(
        url("survey", strategy, measure_of(strategy).key), {f"score_{value.key}": "2"}
    )
    assert response.status_code in (302, 403)
    assert not CompassAssessment.objects.filter(survey=survey).exists()


# Map -------------------------------------------------------------------------------------


def test_map_data_is_geojson_of_located_measures(client, strategy):
    response = client.get(url("map_data", strategy))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 1
    feature = data["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [13.4349, 52.4811]}
    assert feature["properties"]["title"] == "Kiezbox"
    assert feature["properties"]["status"] == MeasureStatus.RUNNING
    assert feature["properties"]["url"] == url("measure", strategy, measure_of(strategy).key)


def test_map_page_lists_the_located_measures(client, strategy):
    response = client.get(url("map", strategy))
    assert response.status_code == 200
    text = response.content.decode()
    assert url("map_data", strategy) in text
    assert 'id="list-heading"' in text
    assert url("measure", strategy, measure_of(strategy).key) in text
    assert "Ohne Feld" not in text


def test_map_data_of_a_draft_is_hidden(client, strategy, staff):
    draft = versions.start_draft(strategy, staff)
    assert client.get(url("map_data", strategy), {"version": draft.number}).status_code == 404


# Changelog -------------------------------------------------------------------------------


def test_changelog_lists_a_changed_target(client, strategy, staff):
    second_version(strategy, staff, target_value=150, target_date=date(2031, 6, 30))
    client.cookies["gemeinsam_language"] = "en"
    response = client.get(url("changelog", strategy))
    assert response.status_code == 200
    text = response.content.decode()
    assert text.index("Version 2") < text.index("Version 1")
    assert "Ziel angehoben" in text and "Erste Fassung" in text
    assert "Target" in text
    assert "<del>100</del>" in text and "<ins>150</ins>" in text
    assert "<ins>June 30, 2031</ins>" in text
    assert "Aktive Boxen" in text


def test_changelog_shows_titles_and_labels_not_keys(client, strategy, staff):
    draft = versions.start_draft(strategy, staff)
    measure = draft.measures.get(title="Kiezbox")
    versions.edit_item(
        measure,
        status=MeasureStatus.FINISHED,
        fields_of_action=[],
        partners=[OrganisationFactory(name="Neuer Partner")],
    )
    versions.add_item(draft, Value, name="resilient")
    versions.publish(draft, staff, "Abgeschlossen")
    client.cookies["gemeinsam_language"] = "en"
    text = client.get(url("changelog", strategy)).content.decode()
    assert "<del>Running</del>" in text and "<ins>Finished</ins>" in text
    assert "<del>Data</del>" in text  # the field of action by its title, not its key
    assert "<ins>Neuer Partner</ins>" in text
    assert "resilient" in text
    assert str(measure.key) not in text


def test_changelog_of_an_unpublished_strategy_is_404(client, staff):
    strategy = versions.create_strategy("Neu", slug="neu", user=staff)
    assert client.get(url("changelog", strategy)).status_code == 404
