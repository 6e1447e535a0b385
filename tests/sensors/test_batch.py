"""JSON batch requests at /sta/v1.1/$batch (SensorThings 1.1 section 11, OData 4.01 JSON
batch): sub-requests through the same views, atomicity groups, dependsOn and $-references."""

import json

import pytest
from django.test import Client

from gemeinsam.sensors import models as m

pytestmark = pytest.mark.django_db

URL = "/sta/v1.1/$batch"
BASE = "http://testserver/sta/v1.1"
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"


def send(client: Client, requests, **extra):
    return client.post(
        URL, json.dumps({"requests": requests}), content_type="application/json", **extra
    )


def answers(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    return {item["id"]: item for item in response.json()["responses"]}


def station(**extra):
    return {
        "name": "Kiezbox",
        "description": "in the library",
        "Locations": [
            {
                "name": "Wedding",
                "description": "station",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [13.35, 52.54]},
            }
        ],
        **extra,
    }


def datastream(**extra):
    return {
        "name": "temperature",
        "description": "air",
        "observationType": MEASUREMENT,
        "unitOfMeasurement": {"name": "degree Celsius", "symbol": "°C", "definition": "ucum:Cel"},
        "Sensor": {"name": "DHT22", "description": "s", "encodingType": "text", "metadata": "x"},
        "ObservedProperty": {"name": "temperature", "definition": "x", "description": "d"},
        **extra,
    }


def test_requests_run_in_order_through_the_same_views(sta_client):
    result = answers(
        send(
            sta_client,
            [
                {"id": "new", "method": "post", "url": "Things", "body": station()},
                {"id": "read", "method": "get", "url": "Things?$select=name&$count=true"},
                {"id": "missing", "method": "get", "url": "Things(424242)"},
            ],
        )
    )
    thing = m.Thing.objects.get()
    assert result["new"]["status"] == 201
    assert result["new"]["headers"]["location"] == f"{BASE}/Things({thing.pk})"
    assert result["new"]["body"]["@iot.id"] == thing.pk
    assert result["read"]["status"] == 200
    assert result["read"]["body"]["value"] == [{"name": "Kiezbox"}]
    assert result["read"]["body"]["@iot.count"] == 1
    assert result["missing"]["status"] == 404
    assert thing.historical_locations.count() == 1


def test_references_to_earlier_requests_in_urls_and_bodies(sta_client):
    result = answers(
        send(
            sta_client,
            [
                {"id": "1", "method": "post", "url": "Things", "body": station()},
                {"id": "2", "method": "post", "url": "$1/Datastreams", "body": datastream()},
                {
                    "id": "3",
                    "method": "post",
                    "url": "Observations",
                    "body": {"result": 21.5, "Datastream": {"@iot.id": "$2"}},
                },
                {"id": "4", "method": "patch", "url": "$1", "body": {"name": "renamed"}},
                {"id": "5", "method": "get", "url": "$2/Observations"},
            ],
        )
    )
    assert [result[k]["status"] for k in "12345"] == [201, 201, 201, 200, 200]
    stream = m.Datastream.objects.get()
    assert stream.thing.name == "renamed"
    assert [o["result"] for o in result["5"]["body"]["value"]] == [21.5]
    assert stream.observations.get().feature_of_interest.name == "Wedding"


def test_an_atomicity_group_fails_together_and_the_rest_stays(sta_client):
    result = answers(
        send(
            sta_client,
            [
                {"id": "before", "method": "post", "url": "Things", "body": station(name="A")},
                {
                    "id": "1",
                    "atomicityGroup": "g",
                    "method": "post",
                    "url": "Things",
                    "body": station(name="B"),
                },
                {
                    "id": "2",
                    "atomicityGroup": "g",
                    "method": "post",
                    "url": "$1/Datastreams",
                    "body": datastream(unitOfMeasurement=None),
                },
                {"id": "after", "method": "post", "url": "Things", "body": station(name="C")},
            ],
        )
    )
    assert result["2"]["status"] == 400
    assert "unitOfMeasurement" in result["2"]["body"]["message"]
    assert result["1"]["status"] == 424
    assert result["before"]["status"] == result["after"]["status"] == 201
    assert sorted(m.Thing.objects.values_list("name", flat=True)) == ["A", "C"]
    assert not m.Sensor.objects.exists()


def test_a_request_depending_on_a_failed_one_is_not_run(sta_client):
    result = answers(
        send(
            sta_client,
            [
                {"id": "1", "method": "post", "url": "Things", "body": {"name": "no description"}},
                {
                    "id": "2",
                    "method": "post",
                    "url": "Things",
                    "body": station(),
                    "dependsOn": ["1"],
                },
            ],
        )
    )
    assert result["1"]["status"] == 400
    assert result["2"]["status"] == 424
    assert not m.Thing.objects.exists()


def test_a_group_can_be_depended_on(sta_client):
    result = answers(
        send(
            sta_client,
            [
                {"id": "1", "atomicityGroup": "g", "method": "post", "url": "Things", "body": {}},
                {"id": "2", "method": "get", "url": "Things", "dependsOn": ["g"]},
            ],
        )
    )
    assert (result["1"]["status"], result["2"]["status"]) == (400, 424)


def test_sub_requests_carry_the_callers_credentials(anonymous):
    result = answers(
        send(
            anonymous,
            [
                {"id": "read", "method": "get", "url": "Things"},
                {"id": "write", "method": "post", "url": "Things", "body": station()},
            ],
        )
    )
    assert result["read"]["status"] == 200
    assert result["write"]["status"] == 401
    assert not m.Thing.objects.exists()


def test_a_wrong_token_refuses_the_whole_batch():
    client = Client(HTTP_AUTHORIZATION="Bearer sta_wrong")
    response = send(client, [{"id": "1", "method": "get", "url": "Things"}])
    assert response.status_code == 401


def test_absolute_urls_and_service_paths_are_accepted(sta_client):
    result = answers(
        send(
            sta_client,
            [
                {"id": "1", "method": "post", "url": f"{BASE}/Things", "body": station()},
                {"id": "2", "method": "get", "url": "/sta/v1.1/Things"},
                {"id": "3", "method": "delete", "url": "$1"},
            ],
        )
    )
    assert [result[k]["status"] for k in "123"] == [201, 200, 200]
    assert not m.Thing.objects.exists()


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"requests": {}},
        {"requests": ["x"]},
        {"requests": [{"id": "1", "method": "get"}]},
        {"requests": [{"id": "1", "method": "fetch", "url": "Things"}]},
        {"requests": [{"method": "get", "url": "Things"}]},
        {"requests": [{"id": "1", "method": "get", "url": "T"}] * 2},
        {"requests": [{"id": "1", "method": "get", "url": "Things", "dependsOn": ["9"]}]},
        {"requests": [{"id": "1", "method": "get", "url": "Things", "headers": []}]},
        {
            "requests": [
                {"id": "1", "method": "get", "url": "Things", "atomicityGroup": "g"},
                {"id": "2", "method": "get", "url": "Things"},
                {"id": "3", "method": "get", "url": "Things", "atomicityGroup": "g"},
            ]
        },
    ],
)
def test_a_malformed_batch_is_a_400(sta_client, document):
    response = sta_client.post(URL, json.dumps(document), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["type"] == "error"


def test_bad_sub_requests_answer_for_themselves(sta_client):
    result = answers(
        send(
            sta_client,
            [
                {"id": "1", "method": "post", "url": "$batch", "body": {"requests": []}},
                {"id": "2", "method": "get", "url": "$7/Datastreams"},
                {"id": "3", "method": "get", "url": "/elsewhere/"},
                {"id": "4", "method": "post", "url": "Things", "body": "not an object"},
                {"id": "5", "method": "post", "url": "Observations", "body": {"result": 1}},
            ],
        )
    )
    assert [result[k]["status"] for k in "12345"] == [400, 400, 404, 400, 400]


def test_the_batch_takes_only_json_posts(sta_client):
    assert sta_client.get(URL).status_code == 405
    response = sta_client.post(URL, "--b\r\n", content_type="multipart/mixed; boundary=b")
    assert response.status_code == 415
    response = sta_client.post(URL, "{", content_type="application/json")
    assert response.status_code == 400
