"""Idea filters, full-text search, the map's GeoJSON and the open-data exports."""

import csv
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.functional import empty

from gemeinsam.participation import selectors
from gemeinsam.participation.models import Category, Idea, IdeaStatus
from gemeinsam.participation.services import contributions, moderation

from ..conftest import UserFactory
from .conftest import make_process

pytestmark = pytest.mark.django_db


def make_ideas(process, count: int, author, **fields) -> list[Idea]:
    return [
        Idea.objects.create(
            process=process,
            author=author,
            title=f"Idee {n}",
            description="Beschreibung",
            longitude=13.3 + n / 1000,
            latitude=52.5,
            **fields,
        )
        for n in range(count)
    ]


def process_url(process, **query) -> str:
    url = reverse("participation:process", args=[process.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def geojson(client, process, query: str = "") -> dict:
    response = client.get(reverse("participation:ideas_geojson", args=[process.slug]) + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(response.content)


def csv_rows(client, process, query: str = "") -> list[dict]:
    response = client.get(reverse("participation:ideas_csv", args=[process.slug]) + query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


# The idea list and its filters


def test_filter_form_has_labels_for_every_field(process, anonymous, berlin):
    Category.objects.create(process=process, name="Verkehr")
    html = anonymous.get(process_url(process)).content.decode()
    for field in ("q", "category", "district", "status", "sort"):
        assert f'id="f-{field}"' in html
        assert f'<label for="f-{field}"' in html


def test_filters_by_category_district_and_status(berlin, process, author, anonymous):
    traffic = Category.objects.create(process=process, name="Verkehr")
    mitte, pankow = berlin.get(code="001"), berlin.get(code="003")
    Idea.objects.create(process=process, title="Radweg", description="D", category=traffic)
    Idea.objects.create(process=process, title="Parkbank", description="D", district=mitte)
    Idea.objects.create(
        process=process,
        title="Spielplatz",
        description="D",
        district=pankow,
        status=IdeaStatus.ACCEPTED,
    )
    for query, expected in [
        ({"category": traffic.pk}, {"Radweg"}),
        ({"district": mitte.slug}, {"Parkbank"}),
        ({"status": IdeaStatus.ACCEPTED}, {"Spielplatz"}),
        ({}, {"Radweg", "Parkbank", "Spielplatz"}),
    ]:
        page = anonymous.get(process_url(process, **query)).context["page"]
        assert {idea.title for idea in page.object_list} == expected


def test_sort_by_rating_and_by_discussion(process, anonymous):
    Idea.objects.create(process=process, title="Beliebt", description="D", rating_up=9)
    Idea.objects.create(process=process, title="Umstritten", description="D", comment_count=7)
    Idea.objects.create(process=process, title="Neu", description="D")
    first = {
        sort: anonymous.get(process_url(process, sort=sort)).context["page"].object_list[0].title
        for sort in ("rated", "discussed", "new")
    }
    assert first == {"rated": "Beliebt", "discussed": "Umstritten", "new": "Neu"}


def test_pagination_keeps_the_filters_and_the_count_is_shown(process, author, anonymous):
    traffic = Category.objects.create(process=process, name="Verkehr")
    make_ideas(process, 25, author, category=traffic)
    make_ideas(process, 2, author)
    response = anonymous.get(process_url(process, category=traffic.pk, sort="rated"))
    html = response.content.decode()
    assert "25 Ideen gefunden" in html or "25 ideas found" in html  # before translation
    assert f"?category={traffic.pk}&amp;sort=rated&amp;page=2" in html
    second = anonymous.get(process_url(process, category=traffic.pk, sort="rated", page=2))
    assert len(second.context["page"].object_list) == 5


def test_invalid_filter_values_are_ignored_not_an_error(process, author, anonymous):
    make_ideas(process, 2, author)
    response = anonymous.get(process_url(process, category="abc", status="nonsense", q="Idee"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 2


def test_list_and_map_link_to_each_other_with_the_same_filters(process, anonymous):
    html = anonymous.get(process_url(process, q="Baum")).content.decode()
    assert reverse("participation:idea_map", args=[process.slug]) + "?q=Baum" in html
    map_page = anonymous.get(reverse("participation:idea_map", args=[process.slug]) + "?q=Baum")
    html = map_page.content.decode()
    assert reverse("participation:process", args=[process.slug]) + "?q=Baum" in html
    assert reverse("participation:ideas_geojson", args=[process.slug]) + "?q=Baum" in html
    assert "Die Liste zeigt dieselben Ideen" in html or "list shows the same ideas" in html


def test_process_page_query_count_does_not_grow_with_ideas(
    no_page_cache, berlin, process, author, anonymous
):
    traffic = Category.objects.create(process=process, name="Verkehr")
    process.districts.set([berlin.get(code="001")])

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert anonymous.get(process_url(process)).status_code == 200
        return len(queries)

    make_ideas(process, 3, author, category=traffic, district=berlin.get(code="001"))
    few = count_queries()
    make_ideas(process, 27, author, category=traffic, district=berlin.get(code="001"))
    assert count_queries() == few


def test_idea_page_query_count_does_not_grow_with_other_ideas(process, author, anonymous):
    idea = make_ideas(process, 1, author)[0]
    url = reverse("participation:idea", args=[process.slug, idea.pk])
    with CaptureQueriesContext(connection) as before:
        anonymous.get(url)
    make_ideas(process, 30, author)
    with CaptureQueriesContext(connection) as after:
        anonymous.get(url)
    assert len(after) == len(before)


# Full-text search


def test_search_matches_substrings_on_every_database_and_stems_on_postgresql(process, author):
    Idea.objects.create(process=process, title="Mehr Baum am Ufer", description="Schatten")
    Idea.objects.create(process=process, title="Radweg", description="Sichere Radwege bauen")
    Idea.objects.create(process=process, title="Bank", description="zum Ausruhen")

    def found(q: str) -> set[str]:
        return {i.title for i in selectors.filtered_ideas(process, q=q)}

    assert found("baum") == {"Mehr Baum am Ufer"}
    assert found("Radwege") == {"Radweg"}
    assert found("Rad") == {"Radweg"}
    assert found("Ausruhen") == {"Bank"}
    assert found("Kita") == set()
    if connection.vendor == "postgresql":
        # German stemming: the plural finds the singular, which no substring would.
        assert found("Bäume") == {"Mehr Baum am Ufer"}
    else:
        assert found("Bäume") == set()


def test_search_from_the_page_filters_the_list(process, author, anonymous):
    Idea.objects.create(process=process, title="Trinkbrunnen", description="am Platz")
    Idea.objects.create(process=process, title="Radweg", description="D")
    page = anonymous.get(process_url(process, q="brunnen")).context["page"]
    assert [i.title for i in page.object_list] == ["Trinkbrunnen"]


# The map's GeoJSON


def test_geojson_holds_the_placed_visible_ideas(process, author, anonymous):
    placed = make_ideas(process, 2, author)
    Idea.objects.create(process=process, title="Ohne Ort", description="D")
    Idea.objects.create(
        process=process, title="Versteckt", description="D", longitude=13, latitude=52
    )
    Idea.objects.filter(title="Versteckt").update(is_hidden=True)
    Idea.objects.filter(pk=placed[0].pk).update(rating_up=5, rating_down=2, comment_count=4)
    data = geojson(anonymous, process)
    assert data["type"] == "FeatureCollection"
    features = {f["id"]: f for f in data["features"]}
    assert set(features) == {idea.pk for idea in placed}
    first = features[placed[0].pk]
    assert first["type"] == "Feature"
    assert first["geometry"] == {"type": "Point", "coordinates": [13.3, 52.5]}
    assert first["properties"] == {
        "title": "Idee 0",
        "status": "submitted",
        "status_label": "Eingereicht",
        "score": 3,
        "comments": 4,
        "url": reverse("participation:idea", args=[process.slug, placed[0].pk]),
    }


def test_geojson_applies_the_list_filters(berlin, process, author, anonymous):
    mitte = berlin.get(code="001")
    make_ideas(process, 2, author, district=mitte)
    make_ideas(process, 3, author, status=IdeaStatus.REJECTED)
    assert len(geojson(anonymous, process, f"?district={mitte.slug}")["features"]) == 2
    assert len(geojson(anonymous, process, "?status=rejected")["features"]) == 3
    assert len(geojson(anonymous, process, "?q=nichts-passt")["features"]) == 0


def test_geojson_query_count_does_not_grow_with_ideas(no_page_cache, process, author, anonymous):
    url = reverse("participation:ideas_geojson", args=[process.slug])

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert anonymous.get(url + "?sort=rated").status_code == 200
        return len(queries)

    make_ideas(process, 3, author)
    few = count_queries()
    make_ideas(process, 27, author)
    assert count_queries() == few
    assert few <= 3  # the process, its phases, the ideas


def test_private_process_data_is_not_found_for_outsiders(author, anonymous):
    process = make_process(slug="geheim", visibility="private")
    make_ideas(process, 1, author)
    for name in ("ideas_geojson", "ideas_csv", "idea_map"):
        assert (
            anonymous.get(reverse(f"participation:{name}", args=[process.slug])).status_code == 404
        )


# Open data


def test_csv_export_has_counts_and_no_personal_data(berlin, process, anonymous, moderator):
    writer = UserFactory(email="ganz.privat@example.org", display_name="Erika Mustermann")
    traffic = Category.objects.create(process=process, name="Verkehr")
    idea = contributions.submit_idea(
        writer,
        process,
        title="Zebrastreifen",
        description="an der Schule",
        category=traffic,
        point=contributions.Point(13.3329, 52.5065),
    )
    contributions.rate_idea(writer, idea, 1)
    contributions.add_comment(writer, idea, "Gute Idee")
    moderation.respond(moderator, idea, IdeaStatus.ACCEPTED, "Wird gebaut")
    response = anonymous.get(reverse("participation:ideas_csv", args=[process.slug]))
    body = response.content.decode()
    assert "Mustermann" not in body and "ganz.privat" not in body and "example.org" not in body
    [row] = csv_rows(anonymous, process)
    assert row["title"] == "Zebrastreifen"
    assert row["category"] == "Verkehr"
    assert row["district"] == "Charlottenburg-Wilmersdorf"
    assert (row["rating_up"], row["rating_down"], row["comment_count"]) == ("1", "0", "1")
    assert (row["status"], row["statement"]) == ("accepted", "Wird gebaut")
    assert (row["longitude"], row["latitude"]) == ("13.3329", "52.5065")
    assert row["url"].endswith(reverse("participation:idea", args=[process.slug, idea.pk]))
    assert row["url"].startswith("http")
    assert row["created_at"].startswith(str(idea.created_at.year))


def test_csv_neutralises_spreadsheet_formulas(process, anonymous):
    for title in ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "Normal"]:
        Idea.objects.create(process=process, title=title, description="=cmd|' /C calc'!A0")
    rows = csv_rows(anonymous, process)
    titles = {row["title"] for row in rows}
    assert titles == {'\'=HYPERLINK("http://evil")', "'+1+1", "'-2+3", "'@SUM(A1)", "Normal"}
    assert all(row["description"].startswith("'=") for row in rows)


def test_csv_leaves_hidden_ideas_out(process, author, anonymous):
    make_ideas(process, 2, author)
    Idea.objects.filter(title="Idee 0").update(is_hidden=True)
    assert [row["title"] for row in csv_rows(anonymous, process)] == ["Idee 1"]


def test_geojson_download_is_the_full_export_without_personal_data(process, anonymous):
    writer = UserFactory(email="geheim@example.org", display_name="Max Privat")
    contributions.submit_idea(writer, process, title="Ohne Ort", description="D")
    contributions.submit_idea(
        writer, process, title="Mit Ort", description="D", point=contributions.Point(13.4, 52.5)
    )
    response = anonymous.get(
        reverse("participation:ideas_geojson", args=[process.slug]) + "?download=1"
    )
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode()
    assert "Max Privat" not in body and "geheim@example.org" not in body
    data = json.loads(body)
    assert data["licence"] == "CC BY 4.0"
    by_title = {f["properties"]["title"]: f for f in data["features"]}
    assert by_title["Ohne Ort"]["geometry"] is None
    assert by_title["Mit Ort"]["geometry"] == {"type": "Point", "coordinates": [13.4, 52.5]}
    assert set(by_title["Mit Ort"]["properties"]) == {
        "id",
        "title",
        "description",
        "category",
        "district",
        "status",
        "statement",
        "rating_up",
        "rating_down",
        "comment_count",
        "created_at",
        "url",
    }


def test_process_page_links_to_the_exports_with_the_licence(process, anonymous):
    html = anonymous.get(process_url(process)).content.decode()
    assert reverse("participation:ideas_csv", args=[process.slug]) in html
    assert reverse("participation:ideas_geojson", args=[process.slug]) + "?download=1" in html
    assert "CC BY 4.0" in html


def test_every_map_asset_exists_under_its_hashed_production_name(
    process, anonymous, settings, tmp_path
):
    """In production static files carry content hashes; the page must name each one,
    the marker images included, which Leaflet cannot find by itself under such names."""
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "gemeinsam.core.staticfiles.StaticFilesStorage"},
    }
    staticfiles_storage._wrapped = empty  # the storage follows the changed setting
    call_command("collectstatic", interactive=False, verbosity=0)
    try:
        page = anonymous.get(reverse("participation:idea_map", args=[process.slug]))
    finally:
        staticfiles_storage._wrapped = empty
    html = page.content.decode()
    assets = re.findall(r'(?:src|href|data-marker-[a-z0-9]+)="/static/([^"]+)"', html)
    assert any(name.startswith("leaflet/images/marker-icon.") for name in assets)
    assert {name.split("/")[0] for name in assets} >= {"leaflet", "markercluster", "participation"}
    for name in assets:
        assert re.search(r"\.[0-9a-f]{12}\.", name), name  # hashed
        assert (tmp_path / name).is_file(), name
