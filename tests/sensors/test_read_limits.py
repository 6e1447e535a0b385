"""What one SensorThings read may cost: `$expand` depth (FROST's maxExpandDepth), the entities
of one response over all levels, and the size of `$filter`/`$orderby`; each past its setting
is a 400 naming it. On PostgreSQL, API reads are cancelled after API_STATEMENT_TIMEOUT_MS.
"""

import threading

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gemeinsam.sensors import models as m

from .test_api import make_station

pytestmark = pytest.mark.django_db


@pytest.fixture
def anon() -> Client:
    return Client(raise_request_exception=False)


def sensor_queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "sensors_" in q["sql"]]


# --- $expand depth -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expand",
    [
        "Datastreams/Thing/Datastreams/Thing",
        "Datastreams($expand=Thing($expand=Datastreams($expand=Thing)))",
        "Locations,Datastreams/Thing($expand=Datastreams/Observations)",
    ],
)
def test_expand_deeper_than_the_limit_is_a_400_naming_it_before_any_query(anon, expand):
    make_station()
    with CaptureQueriesContext(connection) as captured:
        response = anon.get("/sta/v1.1/Things", {"$expand": expand})
    assert response.status_code == 400
    assert "STA_MAX_EXPAND_DEPTH" in response.json()["message"]
    assert "3" in response.json()["message"]
    assert sensor_queries(captured) == []


def test_expand_at_the_limit_is_served(anon):
    make_station()
    response = anon.get("/sta/v1.1/Things", {"$expand": "Datastreams/Thing/Datastreams"})
    assert response.status_code == 200
    assert response.json()["value"][0]["Datastreams"][0]["Thing"]["Datastreams"]


def test_the_depth_limit_is_a_setting(anon, settings):
    make_station()
    settings.STA_MAX_EXPAND_DEPTH = 1
    response = anon.get("/sta/v1.1/Things", {"$expand": "Datastreams/Observations"})
    assert response.status_code == 400
    assert anon.get("/sta/v1.1/Things", {"$expand": "Datastreams"}).status_code == 200


# --- entities of one response --------------------------------------------------------------------


def test_more_entities_than_the_limit_over_all_levels_is_a_400_naming_it(anon, settings):
    for name in ("Wedding", "Mitte", "Neukölln"):
        make_station(name, observations=10)
    settings.STA_MAX_EXPANDED_ENTITIES = 20  # 3 Datastreams + 30 Observations
    response = anon.get("/sta/v1.1/Datastreams", {"$expand": "Observations"})
    assert response.status_code == 400
    assert "STA_MAX_EXPANDED_ENTITIES" in response.json()["message"]
    assert "20" in response.json()["message"]
    settings.STA_MAX_EXPANDED_ENTITIES = 33
    document = anon.get("/sta/v1.1/Datastreams", {"$expand": "Observations"}).json()
    assert sum(len(d["Observations"]) for d in document["value"]) == 30


def test_the_entity_limit_bounds_the_rows_fetched_not_only_those_sent(anon, settings):
    make_station(observations=200)
    settings.STA_MAX_EXPANDED_ENTITIES = 50
    with CaptureQueriesContext(connection) as captured:
        response = anon.get("/sta/v1.1/Observations", {"$top": "1000", "$expand": "Datastream"})
    assert response.status_code == 400
    page = next(sql for sql in sensor_queries(captured) if "sensors_observation" in sql)
    assert "LIMIT 51" in page


def test_a_page_times_expand_to_one_costs_a_query_per_level_not_per_row(anon):
    make_station(observations=300)
    with CaptureQueriesContext(connection) as captured:
        response = anon.get(
            "/sta/v1.1/Observations",
            {"$top": "300", "$expand": "Datastream($expand=Thing),FeatureOfInterest"},
        )
    assert response.status_code == 200
    value = response.json()["value"]
    assert len(value) == 300
    assert {o["Datastream"]["Thing"]["name"] for o in value} == {"Wedding"}
    assert {o["FeatureOfInterest"]["name"] for o in value} == {"Wedding air"}
    assert len(sensor_queries(captured)) <= 5


# --- $filter and $orderby ------------------------------------------------------------------------


def test_a_filter_through_too_many_navigations_is_a_400_naming_the_limit(anon):
    make_station()
    text = " or ".join(f"Datastreams/Observations/result eq {i}" for i in range(21))
    response = anon.get("/sta/v1.1/Things", {"$filter": text})
    assert response.status_code == 400
    assert "STA_MAX_FILTER_NAVIGATIONS" in response.json()["message"]


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("Observations", "Datastream/Observations/result gt 1000"),
        ("Datastreams", "Observations/FeatureOfInterest/Observations/result gt 1000"),
        ("Datastreams", "Observations/result gt 5 or Thing/Datastreams/name eq 'x'"),
    ],
)
def test_a_filter_path_back_to_a_type_it_passed_is_a_400(anon, path, text):
    make_station()
    response = anon.get(f"/sta/v1.1/{path}", {"$filter": text})
    assert response.status_code == 400
    assert "may pass each entity type once" in response.json()["message"]


def test_a_filter_with_too_many_terms_is_a_400_naming_the_limit(anon):
    make_station()
    text = " or ".join(f"result eq {i}" for i in range(100))
    response = anon.get("/sta/v1.1/Observations", {"$filter": text})
    assert response.status_code == 400
    assert "STA_MAX_FILTER_NODES" in response.json()["message"]


def test_too_many_orderby_terms_even_inside_expand_is_a_400_naming_the_limit(anon):
    make_station()
    terms = ",".join(["result", "id"] * 6)
    response = anon.get("/sta/v1.1/Datastreams", {"$expand": f"Observations($orderby={terms})"})
    assert response.status_code == 400
    assert "STA_MAX_ORDERBY_TERMS" in response.json()["message"]


# --- statement timeout -----------------------------------------------------------------------


def _lock_table(table: str, seconds: float) -> tuple[psycopg.Connection, threading.Timer]:
    """Another session holds an exclusive lock on `table` for `seconds`, so that any read of
    it waits: a slow statement as PostgreSQL sees it."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    other = psycopg.connect(**{k: v for k, v in params.items() if v is not None})
    other.execute("SET lock_timeout = '5s'")  # never wait for the test itself
    other.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    release = threading.Timer(seconds, other.rollback)
    release.start()
    return other, release


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)  # no open transaction of the test holds a lock
@pytest.mark.parametrize(
    ("path", "table"),
    [("/sta/v1.1/Things", "sensors_thing"), ("/api/districts", "core_district")],
)
def test_a_read_past_the_statement_timeout_is_cancelled_and_answers_503(
    anon, settings, path, table
):
    settings.API_STATEMENT_TIMEOUT_MS = 300
    make_station()
    other, release = _lock_table(table, seconds=4)
    try:
        response = anon.get(path)
    finally:
        release.cancel()
        other.rollback()
        other.close()
    assert response.status_code == 503
    assert "API_STATEMENT_TIMEOUT_MS" in response.content.decode()
    assert response["Content-Type"].startswith("application/json")
    # The request's transaction was rolled back; the connection goes on.
    assert m.Thing.objects.count() == 1
    assert anon.get(path).status_code == 200


@pytest.mark.sqlite
def test_the_statement_timeout_is_a_no_op_on_sqlite(anon, settings):
    settings.API_STATEMENT_TIMEOUT_MS = 1
    make_station(observations=200)
    assert anon.get("/sta/v1.1/Observations", {"$top": "200"}).status_code == 200
