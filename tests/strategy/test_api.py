"""The strategy's JSON API at /api/strategy: reading published versions, measures and
measurements; staff writing measurements; never a 500 for bad input."""

import json

import pytest
from django.utils import timezone

from gemeinsam.strategy.models import Measure, Measurement, MeasureType
from gemeinsam.strategy.services import versions
from tests.strategy.report_data import OPEN_DATA, PM10, make_report_data

API = "/api/strategy"


@pytest.fixture
def data(staff):
    return make_report_data(staff)


def english(client):
    client.cookies["gemeinsam_language"] = "en"
    return client


def post_json(client, url: str, body) -> object:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_lists_published_strategies_only(data, client, login, staff):
    versions.create_strategy("Nur Entwurf", slug="entwurf")
    assert [s["slug"] for s in client.get(f"{API}/").json()] == ["gd"]
    assert {s["slug"] for s in login(staff).get(f"{API}/").json()} == {"gd", "entwurf"}


def test_tree_of_the_published_version(data, client):
    body = english(client).get(f"{API}/gd").json()
    assert body["version"]["number"] == 1
    assert [f["title"] for f in body["fields_of_action"]] == ["Daten", "Klima"]
    data_field = body["fields_of_action"][0]
    assert data_field["goals"][0]["measures"] == [str(data.portal.key)]
    assert str(data.air.key) in data_field["measures"]
    assert body["unassigned"] == [str(data.kiezbox.key)]
    indicators = {i["name"]: i for m in body["measures"] for i in m["indicators"]}
    assert indicators[OPEN_DATA]["latest_value"] == 27
    assert indicators[PM10]["is_example"] is True
    assert sum(body["status_counts"].values()) == 3
    assert "trend" in indicators[OPEN_DATA]["rule"]


def test_measure_with_indicators_and_compass(data, client):
    body = client.get(f"{API}/gd/measures/{data.portal.key}").json()
    assert body["title"] == "Datenportal"
    assert [i["name"] for i in body["indicators"]] == [OPEN_DATA]
    team = next(c for c in body["compass"] if c["kind"] == "team")
    assert team["on"] == "2025-05-01"
    assert team["means"][str(data.values[0].key)] == 4


def test_measurements_oldest_first(data, client):
    body = client.get(f"{API}/gd/indicators/{data.open_data.key}/measurements").json()
    assert [m["date"] for m in body][:2] == ["2022-06-30", "2023-06-30"]
    assert body[0]["value"] == 15


def test_versions_and_changelog(data, client, login, staff):
    draft = versions.start_draft(data.strategy, staff)
    versions.add_item(draft, Measure, title="Neu", type=MeasureType.CENTRAL)
    assert [v["number"] for v in client.get(f"{API}/gd/versions").json()] == [1]
    assert [v["number"] for v in login(staff).get(f"{API}/gd/versions").json()] == [2, 1]
    versions.publish(draft, staff, "Zweite")
    log = client.get(f"{API}/gd/changelog").json()
    assert [entry["number"] for entry in log] == [2, 1]
    assert [(c["kind"], c["title"]) for c in log[0]["changes"]] == [("added", "Neu")]


def test_staff_record_a_measurement(data, login, staff):
    url = f"{API}/gd/indicators/{data.pm10.key}/measurements"
    today = timezone.localdate().isoformat()
    response = post_json(login(staff), url, {"date": today, "value": 21.5, "note": "Messnetz"})
    assert response.status_code == 200, response.content
    assert response.json()["created"] is True
    again = post_json(login(staff), url, {"date": today, "value": 22})
    assert again.json()["created"] is False
    assert Measurement.objects.get(indicator_key=data.pm10.key, date=today).value == 22


def test_only_staff_write(data, client, login, resident):
    url = f"{API}/gd/indicators/{data.pm10.key}/measurements"
    body = {"date": "2024-01-01", "value": 1}
    assert post_json(client, url, body).status_code == 401
    assert post_json(login(resident), url, body).status_code == 403
    imported = login(resident).post(
        f"{API}/gd/measurements/import", data=b"indicator,date,value\n", content_type="text/csv"
    )
    assert imported.status_code == 403
    assert not Measurement.objects.filter(date="2024-01-01").exists()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"date": "2024-13-45", "value": 1}, 422),
        ({"date": "gestern", "value": 1}, 422),
        ({"date": "2024-01-01", "value": "viel"}, 422),
        ({"value": 1}, 422),
        ({"date": "2019-01-01", "value": 1}, 400),  # before the baseline
        ({"date": "2999-01-01", "value": 1}, 400),  # in the future
    ],
)
def test_bad_measurements_are_refused_with_a_message(data, login, staff, body, status):
    url = f"{API}/gd/indicators/{data.pm10.key}/measurements"
    response = post_json(english(login(staff)), url, body)
    assert response.status_code == status
    assert response.json()["detail"]


def test_nan_is_refused(data, login, staff):
    url = f"{API}/gd/indicators/{data.pm10.key}/measurements"
    response = login(staff).post(
        url, data='{"date": "2024-01-01", "value": NaN}', content_type="application/json"
    )
    assert response.status_code in (400, 422)


def test_import_a_csv_body(data, login, staff):
    content = f"indicator,date,value\n{PM10},2024-03-01,27\n{data.open_data.key},2024-01-15,25\n"
    response = login(staff).post(
        f"{API}/gd/measurements/import", data=content.encode(), content_type="text/csv"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"rows": 2, "created": 2, "updated": 0}


def test_import_errors_name_the_lines_and_store_nothing(data, login, staff):
    content = f"indicator,date,value\n{PM10},2024-03-01,27\nunbekannt,2024-01-15,25\n"
    response = english(login(staff)).post(
        f"{API}/gd/measurements/import?filename=werte.csv",
        data=content.encode(),
        content_type="text/csv",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert len(errors) == 1
    assert errors[0].startswith("werte.csv, line 3")
    assert not Measurement.objects.filter(date="2024-03-01").exists()


def test_empty_import_is_a_400(data, login, staff):
    response = login(staff).post(f"{API}/gd/measurements/import", data=b"", content_type="text/csv")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/nope",
        "/nope/versions",
        "/nope/changelog",
        "/gd/measures/not-a-uuid",
        "/gd/measures/00000000-0000-0000-0000-000000000000",
        "/gd/indicators/42/measurements",
        "/gd/indicators/00000000-0000-0000-0000-000000000000/measurements",
        "/gd?version=9",
    ],
)
def test_unknown_things_are_404(data, client, path):
    response = client.get(f"{API}{path}")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_bad_version_parameter_is_422(data, client):
    assert client.get(f"{API}/gd?version=abc").status_code == 422
    assert client.get(f"{API}/gd?version=0").status_code == 422


def test_staff_post_to_a_bad_key_is_404(data, login, staff):
    body = {"date": "2024-01-01", "value": 1}
    assert post_json(login(staff), f"{API}/gd/indicators/xyz/measurements", body).status_code == 404
    assert (
        post_json(login(staff), f"{API}/nope/indicators/xyz/measurements", body).status_code == 404
    )


def test_drafts_are_hidden_from_the_public(data, client, login, staff):
    versions.start_draft(data.strategy, staff)
    assert client.get(f"{API}/gd?version=2").status_code == 404
    assert login(staff).get(f"{API}/gd?version=2").status_code == 200


def test_openapi_documents_the_endpoints(db, client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/strategy/{slug}/measurements/import" in paths
    assert "/api/strategy/{slug}/measures/{key}" in paths
