"""The JSON API: root, OpenAPI document, districts, lookup and the signed-in account."""

import pytest

pytestmark = pytest.mark.django_db


def test_root_links_openapi_and_docs(anonymous):
    data = anonymous.get("/api/").json()
    assert data["openapi"].endswith("/api/openapi.json")
    assert data["docs"].endswith("/api/docs")


def test_root_lists_the_endpoints_and_each_answers(anonymous):
    endpoints = anonymous.get("/api/").json()["endpoints"]
    assert set(endpoints) == {"districts", "processes", "strategy", "knowledge", "me"}
    assert endpoints["processes"].endswith("/api/processes")
    for name in ("districts", "processes", "strategy", "knowledge"):
        assert anonymous.get(endpoints[name]).status_code == 200
    assert anonymous.get(endpoints["me"]).status_code == 401  # exists, asks to log in


def test_openapi_document_lists_the_endpoints(anonymous):
    schema = anonymous.get("/api/openapi.json").json()
    assert schema["info"]["title"] == "Gemeinsam API"
    assert {"/api/districts", "/api/districts/lookup", "/api/me"} <= set(schema["paths"])


def test_interactive_docs_render(anonymous):
    response = anonymous.get("/api/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_districts_are_listed_by_key(anonymous, berlin):
    data = anonymous.get("/api/districts").json()
    assert [d["code"] for d in data] == [f"{n:03d}" for n in range(1, 13)]


def test_lookup_answers_with_the_district(anonymous, berlin):
    data = anonymous.get("/api/districts/lookup", {"lon": 13.3329, "lat": 52.5065}).json()
    assert data["slug"] == "charlottenburg-wilmersdorf"


def test_lookup_outside_berlin_is_404_with_message(anonymous, berlin):
    response = anonymous.get("/api/districts/lookup", {"lon": 2.35, "lat": 48.85})
    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "query", [{"lon": 13.4}, {"lon": "east", "lat": 52.5}, {"lon": 200, "lat": 52.5}]
)
def test_bad_lookup_input_is_422_with_reason(anonymous, query):
    response = anonymous.get("/api/districts/lookup", query)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_district_detail_is_a_geojson_feature(anonymous, berlin):
    data = anonymous.get("/api/districts/mitte").json()
    assert data["type"] == "Feature"
    assert data["geometry"]["type"] == "MultiPolygon"
    assert data["properties"]["code"] == "001"


def test_unknown_district_is_404(anonymous):
    response = anonymous.get("/api/districts/atlantis")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_me_needs_a_session(anonymous, login, staff):
    assert anonymous.get("/api/me").status_code == 401
    data = login(staff).get("/api/me").json()
    assert (data["email"], data["role"]) == (staff.email, "staff")


def test_health_check_reports_the_database(anonymous):
    response = anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
