"""The SensorThings API over HTTP at /sta/v1.1/: landing page, resource paths, query options,
paging, $value, $ref, dataArray, private Things, authentication, and errors as JSON, never 500.

Entities are made with the ORM here, so these tests read what the views serve, not what the
write services do.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from gemeinsam.sensors import models as m
from gemeinsam.sensors.models import AccessToken
from gemeinsam.sensors.sta.entities import TYPES

pytestmark = pytest.mark.django_db

BASE = "http://testserver/sta/v1.1"
START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
POINT = {"type": "Point", "coordinates": [13.3498, 52.5432]}
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"


def make_station(name: str = "Wedding", *, private: bool = False, observations: int = 3):
    """A Thing at a Location with one Datastream of `observations` hourly values 10, 11, ..."""
    thing = m.Thing.objects.create(
        name=name, description=f"Station {name}", properties={"code": "MC010"}, private=private
    )
    location = m.Location.objects.create(
        name=f"{name} site",
        description="kerbside",
        encoding_type="application/geo+json",
        location=POINT,
    )
    thing.locations.add(location)
    sensor = m.Sensor.objects.create(
        name="NO2 analyser",
        description="chemiluminescence",
        encoding_type="text/html",
        metadata="https://example.org/no2",
    )
    prop = m.ObservedProperty.objects.create(
        name="NO2",
        definition="http://vocab.nerc.ac.uk/collection/P01/current/NO2/",
        description="nitrogen dioxide",
    )
    stream = m.Datastream.objects.create(
        name=f"NO2 {name}",
        description="hourly means",
        observation_type=MEASUREMENT,
        unit_of_measurement={
            "name": "microgram per cubic metre",
            "symbol": "µg/m³",
            "definition": "http://qudt.org/vocab/unit/MicroGM-PER-M3",
        },
        thing=thing,
        sensor=sensor,
        observed_property=prop,
    )
    feature = m.FeatureOfInterest.objects.create(
        name=f"{name} air",
        description="air at the station",
        encoding_type="application/geo+json",
        feature=POINT,
    )
    for hour in range(observations):
        observation = m.Observation(
            datastream=stream,
            feature_of_interest=feature,
            phenomenon_time_start=START + timedelta(hours=hour),
        )
        observation.result = 10 + hour
        observation.save()
    return thing


def get(client: Client, path: str, **params):
    response = client.get(f"/sta/v1.1/{path}", params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def anon() -> Client:
    # A server error must show as a 500 response here, not as an exception in the test.
    return Client(raise_request_exception=False)


# --- landing page ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/sta/v1.1/", "/sta/v1.1"])
def test_landing_page_lists_every_entity_set_with_its_url(anon, path):
    document = anon.get(path).json()
    assert document["value"] == [
        {"name": et.set_name, "url": f"{BASE}/{et.set_name}"} for et in TYPES
    ]
    names = {item["name"] for item in document["value"]}
    assert {
        "Things",
        "Locations",
        "HistoricalLocations",
        "Datastreams",
        "MultiDatastreams",
        "Sensors",
        "ObservedProperties",
        "Observations",
        "FeaturesOfInterest",
    } == names


def test_landing_page_names_its_conformance_classes(anon):
    settings = anon.get("/sta/v1.1/").json()["serverSettings"]
    conformance = settings["conformance"]
    assert "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel" in conformance
    assert "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data" in conformance
    mqtt = settings[
        "http://www.opengis.net/spec/iot_sensing/1.1/req/create-observations-via-mqtt/observations-creation"
    ]
    assert mqtt["endpoints"][0].startswith("mqtt://")
    assert "@" not in mqtt["endpoints"][0]  # never the broker's credentials


# --- entities and paths ------------------------------------------------------------------------


def test_an_entity_has_id_selflink_and_navigation_links(anon):
    thing = make_station()
    document = get(anon, f"Things({thing.pk})")
    link = f"{BASE}/Things({thing.pk})"
    assert document == {
        "@iot.selfLink": link,
        "@iot.id": thing.pk,
        "name": "Wedding",
        "description": "Station Wedding",
        "properties": {"code": "MC010"},
        "Locations@iot.navigationLink": f"{link}/Locations",
        "HistoricalLocations@iot.navigationLink": f"{link}/HistoricalLocations",
        "Datastreams@iot.navigationLink": f"{link}/Datastreams",
        "MultiDatastreams@iot.navigationLink": f"{link}/MultiDatastreams",
    }


def test_a_quoted_key_addresses_the_same_entity(anon):
    thing = make_station()
    assert get(anon, f"Things('{thing.pk}')")["@iot.id"] == thing.pk


def test_navigation_paths_reach_related_entities(anon):
    thing = make_station()
    stream = thing.datastreams.get()
    streams = get(anon, f"Things({thing.pk})/Datastreams")
    assert [s["@iot.id"] for s in streams["value"]] == [stream.pk]
    assert get(anon, f"Datastreams({stream.pk})/Thing")["@iot.id"] == thing.pk
    assert get(anon, f"Datastreams({stream.pk})/Sensor")["name"] == "NO2 analyser"
    first = stream.observations.order_by("id").first()
    observation = get(anon, f"Datastreams({stream.pk})/Observations({first.pk})")
    assert observation["result"] == 10
    assert observation["phenomenonTime"] == "2024-05-01T12:00:00Z"
    feature = get(anon, f"Datastreams({stream.pk})/Observations({first.pk})/FeatureOfInterest")
    assert feature["feature"] == POINT
    things = get(anon, f"Things({thing.pk})/Locations({thing.locations.get().pk})/Things")
    assert [t["@iot.id"] for t in things["value"]] == [thing.pk]


def test_a_property_and_its_raw_value(anon):
    thing = make_station()
    observation = thing.datastreams.get().observations.order_by("id").first()
    assert get(anon, f"Observations({observation.pk})/phenomenonTime") == {
        "phenomenonTime": "2024-05-01T12:00:00Z"
    }
    raw = anon.get(f"/sta/v1.1/Observations({observation.pk})/result/$value")
    assert raw.status_code == 200
    assert raw["Content-Type"].startswith("text/plain")
    assert raw.content.decode() == "10"
    name = anon.get(f"/sta/v1.1/Things({thing.pk})/name/$value")
    assert name.content.decode() == "Wedding"
    assert get(anon, f"Things({thing.pk})/properties") == {"properties": {"code": "MC010"}}


def test_the_raw_value_of_a_null_property_is_204(anon):
    observation = make_station().datastreams.get().observations.order_by("id").first()
    response = anon.get(f"/sta/v1.1/Observations({observation.pk})/resultTime/$value")
    assert response.status_code == 204


def test_ref_gives_selflinks_only(anon):
    thing = make_station()
    stream = thing.datastreams.get()
    refs = get(anon, f"Datastreams({stream.pk})/Observations/$ref")
    assert refs["value"] == [
        {"@iot.selfLink": f"{BASE}/Observations({pk})"}
        for pk in stream.observations.order_by("id").values_list("pk", flat=True)
    ]
    assert get(anon, f"Datastreams({stream.pk})/Thing/$ref") == {
        "@iot.selfLink": f"{BASE}/Things({thing.pk})"
    }


# --- query options -----------------------------------------------------------------------------


def test_top_skip_and_count(anon):
    for name in ("A", "B", "C", "D", "E"):
        m.Thing.objects.create(name=name, description="")
    page = get(anon, "Things", **{"$top": "2", "$skip": "1", "$count": "true"})
    assert page["@iot.count"] == 5
    assert [t["name"] for t in page["value"]] == ["B", "C"]
    assert "@iot.count" not in get(anon, "Things", **{"$count": "false"})


def test_next_links_walk_through_the_whole_collection(anon, settings):
    settings.STA_DEFAULT_TOP = 2
    for index in range(5):
        m.Thing.objects.create(name=f"T{index}", description="")
    names, pages = [], 0
    page = get(anon, "Things", **{"$count": "true", "$orderby": "name desc"})
    while True:
        pages += 1
        assert page["@iot.count"] == 5
        names += [t["name"] for t in page["value"]]
        if "@iot.nextLink" not in page:
            break
        assert page["@iot.nextLink"].startswith(f"{BASE}/Things?")
        page = anon.get(page["@iot.nextLink"]).json()
    assert names == ["T4", "T3", "T2", "T1", "T0"]
    assert pages == 3


def test_top_above_the_maximum_is_cut_to_the_maximum(anon, settings):
    settings.STA_MAX_TOP = 3
    for index in range(4):
        m.Thing.objects.create(name=f"T{index}", description="")
    page = get(anon, "Things", **{"$top": "100"})
    assert len(page["value"]) == 3
    assert "@iot.nextLink" in page


def test_select_keeps_only_the_named_properties(anon):
    thing = make_station()
    assert get(anon, f"Things({thing.pk})", **{"$select": "id,name"}) == {
        "@iot.id": thing.pk,
        "name": "Wedding",
    }
    page = get(anon, "Observations", **{"$select": "result"})
    assert page["value"] == [{"result": 10}, {"result": 11}, {"result": 12}]


def test_expand_inlines_related_entities_with_their_own_options(anon):
    thing = make_station(observations=4)
    stream = thing.datastreams.get()
    document = get(anon, f"Things({thing.pk})", **{"$expand": "Datastreams"})
    assert "Datastreams@iot.navigationLink" not in document
    assert [s["@iot.id"] for s in document["Datastreams"]] == [stream.pk]
    assert "Locations@iot.navigationLink" in document

    expanded = get(
        anon,
        f"Datastreams({stream.pk})",
        **{
            "$expand": "Observations($orderby=phenomenonTime desc;$top=2;$count=true;"
            "$select=result),ObservedProperty"
        },
    )
    assert expanded["Observations"] == [{"result": 13}, {"result": 12}]
    assert expanded["Observations@iot.count"] == 4
    assert expanded["Observations@iot.nextLink"].startswith(
        f"{BASE}/Datastreams({stream.pk})/Observations?"
    )
    assert expanded["ObservedProperty"]["name"] == "NO2"
    following = anon.get(expanded["Observations@iot.nextLink"]).json()
    assert [o["result"] for o in following["value"]] == [11, 10]


def test_expand_along_a_path(anon):
    thing = make_station()
    document = get(anon, "Things", **{"$expand": "Datastreams/ObservedProperty,Locations"})
    (item,) = document["value"]
    assert item["@iot.id"] == thing.pk
    assert item["Datastreams"][0]["ObservedProperty"]["name"] == "NO2"
    assert item["Locations"][0]["location"] == POINT


def test_result_format_data_array(anon):
    stream = make_station().datastreams.get()
    document = get(anon, f"Datastreams({stream.pk})/Observations", **{"$resultFormat": "dataArray"})
    (block,) = document["value"]
    assert block["Datastream@iot.navigationLink"] == f"{BASE}/Datastreams({stream.pk})"
    assert block["components"] == ["id", "phenomenonTime", "resultTime", "result"]
    assert block["dataArray@iot.count"] == 3
    ids = list(stream.observations.order_by("id").values_list("pk", flat=True))
    assert block["dataArray"] == [
        [ids[0], "2024-05-01T12:00:00Z", None, 10],
        [ids[1], "2024-05-01T13:00:00Z", None, 11],
        [ids[2], "2024-05-01T14:00:00Z", None, 12],
    ]
    selected = get(
        anon, "Observations", **{"$resultFormat": "dataArray", "$select": "result,phenomenonTime"}
    )
    assert selected["value"][0]["components"] == ["result", "phenomenonTime"]
    assert selected["value"][0]["dataArray"][0] == [10, "2024-05-01T12:00:00Z"]


# --- private Things ----------------------------------------------------------------------------


def test_a_private_thing_and_what_hangs_from_it_are_hidden_from_the_public(anon):
    public = make_station("Wedding")
    private = make_station("Garden", private=True)
    hidden_stream = private.datastreams.get()
    hidden_observation = hidden_stream.observations.first()
    hidden_location = private.locations.get()

    assert [t["name"] for t in get(anon, "Things")["value"]] == ["Wedding"]
    assert [d["name"] for d in get(anon, "Datastreams")["value"]] == ["NO2 Wedding"]
    assert len(get(anon, "Observations")["value"]) == 3
    assert [x["@iot.id"] for x in get(anon, "Locations")["value"]] == [public.locations.get().pk]
    for path in (
        f"Things({private.pk})",
        f"Datastreams({hidden_stream.pk})",
        f"Datastreams({hidden_stream.pk})/Observations",
        f"Observations({hidden_observation.pk})",
        f"Observations({hidden_observation.pk})/result/$value",
        f"Locations({hidden_location.pk})",
    ):
        response = anon.get(f"/sta/v1.1/{path}")
        assert response.status_code == 404, path
        assert response.json()["type"] == "error"


def test_a_shared_location_shows_only_its_public_things(anon):
    public = make_station("Wedding")
    private = make_station("Garden", private=True)
    shared = public.locations.get()
    private.locations.add(shared)
    document = get(anon, f"Locations({shared.pk})", **{"$expand": "Things"})
    assert [t["name"] for t in document["Things"]] == ["Wedding"]
    assert [t["name"] for t in get(anon, f"Locations({shared.pk})/Things")["value"]] == ["Wedding"]


def test_a_token_and_staff_see_private_things(sta_client, staff):
    make_station("Garden", private=True)
    assert [t["name"] for t in get(sta_client, "Things")["value"]] == ["Garden"]
    session = Client()
    session.force_login(staff)
    assert [t["name"] for t in get(session, "Things")["value"]] == ["Garden"]


def test_a_resident_does_not_see_private_things(resident):
    make_station("Garden", private=True)
    session = Client()
    session.force_login(resident)
    assert get(session, "Things")["value"] == []


# --- authentication ----------------------------------------------------------------------------

THING = {"name": "Kiezbox", "description": "a box in the neighbourhood"}


def post_thing(client: Client, **headers):
    return client.post(
        "/sta/v1.1/Things", json.dumps(THING), content_type="application/json", headers=headers
    )


def test_writing_without_credentials_is_401_with_a_challenge(anon):
    response = post_thing(anon)
    assert response.status_code == 401
    assert response.json()["type"] == "error"
    assert "Bearer" in response["WWW-Authenticate"]
    assert not m.Thing.objects.exists()


def test_a_wrong_or_revoked_token_is_401(anon, sta_token):
    assert post_thing(anon, Authorization="Bearer sta_not-a-token").status_code == 401
    AccessToken.objects.update(revoked=True)
    assert post_thing(anon, Authorization=f"Bearer {sta_token}").status_code == 401
    response = anon.get("/sta/v1.1/Things", headers={"Authorization": "Bearer sta_nope"})
    assert response.status_code == 401
    assert not m.Thing.objects.exists()


def test_a_token_writes_as_bearer_and_as_basic_password(anon, sta_token):
    import base64

    bearer = post_thing(anon, Authorization=f"Bearer {sta_token}")
    assert bearer.status_code == 201
    basic = base64.b64encode(f"device:{sta_token}".encode()).decode()
    response = post_thing(anon, Authorization=f"Basic {basic}")
    assert response.status_code == 201
    assert response["Location"] == f"{BASE}/Things({response.json()['@iot.id']})"
    assert m.Thing.objects.count() == 2


def test_basic_with_a_wrong_password_or_garbage_is_401(anon, staff):
    import base64

    wrong = base64.b64encode(f"{staff.email}:wrong".encode()).decode()
    assert post_thing(anon, Authorization=f"Basic {wrong}").status_code == 401
    assert post_thing(anon, Authorization="Basic %%%").status_code == 401


def test_a_token_of_a_resident_may_write(anon, resident):
    _token, secret = AccessToken.issue(resident, "weather station on the balcony")
    assert post_thing(anon, Authorization=f"Bearer {secret}").status_code == 201


def test_a_resident_logged_in_may_not_write(resident):
    session = Client(raise_request_exception=False)
    session.force_login(resident)
    response = post_thing(session)
    assert response.status_code == 403
    assert response.json()["type"] == "error"


def test_staff_logged_in_need_the_csrf_token(staff):
    session = Client(enforce_csrf_checks=True, raise_request_exception=False)
    session.force_login(staff)
    refused = post_thing(session)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["message"]
    token = "k" * 32  # a CSRF secret as the cookie holds it, sent back in the header
    session.cookies["csrftoken"] = token
    assert post_thing(session, **{"X-CSRFToken": token}).status_code == 201


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("Things(999999)", 404),
        ("Things(99999999999999999999999)", 404),
        ("Things(abc)", 404),
        ("Things(-1)", 404),
        ("Nothings", 404),
        ("Things(1)/Nothing", 404),
        ("Things/Datastreams", 404),
        ("Things(1)/name/$value/more", 404),
        ("Observations(1)/$value", 404),
        ("$ref", 404),
        ("Things?$top=-1", 400),
        ("Things?$top=many", 400),
        ("Things?$skip=x", 400),
        ("Things?$count=maybe", 400),
        ("Things?$filter=name eq", 400),
        ("Things?$filter=name eq 'unterminated", 400),
        ("Things?$filter=(((", 400),
        ("Things?$orderby=name sideways", 400),
        ("Things?$expand=Nothing", 400),
        ("Things?$expand=Datastreams($top=x)", 400),
        ("Things?$select=name,", 400),
        ("Things?$resultFormat=csv", 400),
        ("Things?$unknown=1", 400),
        ("Things?$skip=99999999999999999999", 200),
        ("Things?$top=99999999999999999999", 200),
        ("Things?$filter=result eq 1", 400),
        ("Things?$filter=name eq 1", 400),
        ("Things?$filter=year(name) eq 2020", 400),
        ("Things?$filter=substring(name, 'x') eq 'a'", 400),
        ("Things?$filter=geo.intersects(Locations/location, geography'NOT WKT')", 400),
        ("Things?$filter=st_within(Locations/location, geography'POLYGON((0 0, 1 1))')", 400),
        ("Things?$orderby=Datastreams/name", 400),
        ("Things?$expand=Datastreams($filter=name eq)", 400),
        ("Observations?$filter=phenomenonTime gt 'yesterday'", 400),
        ("Observations?$filter=result div 0 gt 1", 200),
        ("Observations?$filter=result mod 0 eq 1", 200),
    ],
)
def test_bad_reads_are_json_errors(anon, path, status):
    """Refused requests answer with a JSON error; absurd paging is an empty page."""
    make_station()
    response = anon.get(f"/sta/v1.1/{path}")
    assert response.status_code == status, response.content
    body = response.json()
    if status == 200:
        assert len(body["value"]) == ("$top" in path)
        return
    assert body["code"] == status
    assert body["type"] == "error"
    assert body["message"]
    assert body["message"].count("$filter:") <= 1


def test_a_filter_syntax_error_points_at_the_position(anon):
    response = anon.get("/sta/v1.1/Things", {"$filter": "name eq 'a' and and"})
    assert response.status_code == 400
    assert response.json()["message"] == (
        "$filter: unexpected 'and' at position 16; expected a value"
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type", "status"),
    [
        ("post", "Things", "{not json", "application/json", 400),
        ("post", "Things", "[1, 2]", "application/json", 400),
        ("post", "Things", "", "application/json", 400),
        ("post", "Things", '{"name": 5, "description": "x"}', "application/json", 400),
        ("post", "Things", '{"description": "no name"}', "application/json", 400),
        ("put", "Things", "{}", "application/json", 405),
        ("delete", "Things", "", "application/json", 405),
        ("patch", "Things(1)/name", '{"name": "x"}', "application/json", 405),
        ("patch", "Things(999999)", '{"name": "x"}', "application/json", 404),
        ("delete", "Things(999999)", "", "application/json", 404),
        ("patch", "Things(THING)", '"a string"', "application/json", 400),
        ("patch", "Things(THING)", '{"op": "add"}', "application/json-patch+json", 400),
        ("post", "Things(THING)", "{}", "application/json", 405),
        ("post", "Things(THING)/Locations/$ref", '{"nothing": 1}', "application/json", 400),
        ("post", "Things/$ref", '{"@iot.id": 1}', "application/json", 400),
        ("delete", "Things(THING)/Datastreams(1)/$ref", "", "application/json", 400),
        ("get", "CreateObservations", "", "application/json", 405),
        ("post", "CreateObservations", '{"a": 1}', "application/json", 400),
        ("post", "CreateObservations", "[{}]", "application/json", 400),
    ],
)
def test_bad_writes_are_json_errors(method, path, body, content_type, status, sta_token):
    thing = make_station()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {sta_token}", raise_request_exception=False)
    call = getattr(client, method)
    response = call(
        f"/sta/v1.1/{path.replace('THING', str(thing.pk))}", body, content_type=content_type
    )
    assert response.status_code == status, response.content
    assert response.json()["type"] == "error"
    assert response.json()["message"]
