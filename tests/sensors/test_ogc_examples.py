"""The examples of the SensorThings standard, sent as documented, checked against the documented
responses.

Source: OGC 18-088, SensorThings API Part 1: Sensing 1.1, whose sections 9 and 10 carry the
examples of 15-078r6 (1.0) over with /v1.1/. The examples use ids 1 and 2; here ids come from
the database, so the tests compare structure and values, not literal ids. Where an example is
not valid as printed (a typo in a property name, curly quotes, a comma inside WKT), the
docstring says what was corrected.
"""

import json

import pytest
from django.test import Client

from gemeinsam.sensors import models as m

pytestmark = pytest.mark.django_db

V = "/sta/v1.1"
BASE = "http://testserver/sta/v1.1"
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
CELSIUS = {
    "name": "degree Celsius",
    "symbol": "°C",
    "definition": "http://unitsofmeasure.org/ucum.html#para-30",
}


@pytest.fixture
def api(sta_token) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {sta_token}", raise_request_exception=False)


def post(api: Client, path: str, body) -> tuple[int, dict, str]:
    response = api.post(f"{V}/{path}", json.dumps(body), content_type="application/json")
    return response.status_code, response.json(), response.get("Location", "")


def read(api: Client, path: str, **params) -> dict:
    response = api.get(f"{V}/{path}", params)
    assert response.status_code == 200, response.content
    return response.json()


def oven(api: Client) -> dict:
    """The oven of 10.2 Example 3, created by its documented deep insert request."""
    status, body, location = post(api, "Things", OVEN)
    assert status == 201, body
    thing = m.Thing.objects.get(pk=body["@iot.id"])
    stream = thing.datastreams.get()
    return {
        "thing": thing.pk,
        "datastream": stream.pk,
        "observation": stream.observations.get().pk,
        "feature": stream.observations.get().feature_of_interest_id,
        "location": location,
    }


OVEN = {
    "description": "This an oven with a temperature datastream.",
    "name": "oven",
    "Locations": [
        {
            "name": "CCIT",
            "description": "Calgary Centre for Innovative Technologies",
            "encodingType": "application/vnd.geo+json",
            "location": {"type": "Feature", "geometry": {"type": "Point", "coordinates": [10, 10]}},
        }
    ],
    "Datastreams": [
        {
            "name": "oven temperature",
            "description": "This is a datastream for an oven’s internal temperature.",
            "unitOfMeasurement": CELSIUS,
            "observationType": MEASUREMENT,
            "observedArea": {
                "type": "Polygon",
                "coordinates": [[[100, 0], [101, 0], [101, 1], [100, 1], [100, 0]]],
            },
            "phenomenonTime": "2009-01-11T16:22:25.00Z/2011-08-21T08:32:10.00Z",
            "Observations": [
                {
                    "phenomenonTime": "2012-06-26T03:42:02-0600",
                    "result": 70.4,
                    "FeatureOfInterest": {
                        "name": "CCIT #361",
                        "description": "This is CCIT #361, Noah’s dad’s office",
                        "encodingType": "application/vnd.geo+json",
                        "feature": {
                            "type": "Feature",
                            "geometry": {
                                "type": "Polygon",
                                "coordinates": [
                                    [[100, 50], [10, 9], [23, 4], [100, 50]],
                                    [[30, 20], [10, 4], [4, 22], [30, 20]],
                                ],
                            },
                        },
                    },
                }
            ],
            "ObservedProperty": {
                "name": "DewPoint Temperature",
                "definition": "http://sweet.jpl.nasa.gov/ontology/property.owl#DewPointTemperature",
                "description": "The dewpoint temperature is the temperature to which the air "
                "must be cooled, at constant pressure, for dew to form.",
            },
            "Sensor": {
                "name": "DS18B20",
                "description": "DS18B20 is an air temperature sensor…",
                "encodingType": "application/pdf",
                "metadata": "http://datasheets.maxim-ic.com/en/ds/DS18B20.pdf",
            },
        }
    ],
}


# --- 10 Create, update, delete -----------------------------------------------------------------


def test_create_a_thing(api):
    """18-088 §10.2.1 Example 1: POST /v1.1/Things with name and description; §10.2.2: 201
    Created with a Location header holding the new entity's selfLink."""
    status, body, location = post(
        api,
        "Things",
        {
            "name": "thermostat",
            "description": "This is a smart thermostat with WiFi communication capabilities.",
        },
    )
    assert status == 201
    assert location == f"{BASE}/Things({body['@iot.id']})"
    assert body["@iot.selfLink"] == location
    assert body["name"] == "thermostat"
    assert read(api, f"Things({body['@iot.id']})")["description"].startswith("This is a smart")


def test_deep_insert_of_the_oven(api):
    """18-088 §10.2.1.2 Example 3: a Thing with its Location, a Datastream with Sensor,
    ObservedProperty and an Observation with its FeatureOfInterest, in one request.

    On success all entities exist and are related (Req deep-insert); the Thing created with a
    Location gets a HistoricalLocation (§8.2.3). The Datastream's observedArea and
    phenomenonTime are derived by the server from its Observations.
    """
    made = oven(api)
    thing = read(api, f"Things({made['thing']})", **{"$expand": "Locations,HistoricalLocations"})
    assert thing["name"] == "oven"
    assert [loc["name"] for loc in thing["Locations"]] == ["CCIT"]
    assert thing["Locations"][0]["location"]["geometry"]["coordinates"] == [10, 10]
    assert len(thing["HistoricalLocations"]) == 1

    stream = read(
        api,
        f"Datastreams({made['datastream']})",
        **{"$expand": "Sensor,ObservedProperty,Observations/FeatureOfInterest,Thing"},
    )
    assert stream["unitOfMeasurement"] == CELSIUS
    assert stream["Sensor"]["name"] == "DS18B20"
    assert stream["ObservedProperty"]["name"] == "DewPoint Temperature"
    assert stream["Thing"]["@iot.id"] == made["thing"]
    (observation,) = stream["Observations"]
    assert observation["result"] == 70.4
    assert observation["phenomenonTime"] == "2012-06-26T09:42:02Z"  # -0600 in UTC
    assert observation["FeatureOfInterest"]["name"] == "CCIT #361"
    assert stream["phenomenonTime"] == "2012-06-26T09:42:02Z/2012-06-26T09:42:02Z"


def test_a_failed_deep_insert_creates_nothing(api):
    """18-088 §10.2.1.2 Req deep-insert: "On failure, the service SHALL NOT create any of the
    entities." The oven again, with its Sensor lacking the mandatory encodingType."""
    broken = json.loads(json.dumps(OVEN))
    del broken["Datastreams"][0]["Sensor"]["encodingType"]
    status, body, _location = post(api, "Things", broken)
    assert status == 400
    assert body["type"] == "error"
    for model in (m.Thing, m.Location, m.Datastream, m.Sensor, m.Observation):
        assert not model.objects.exists(), model


def test_create_an_observation_linked_to_existing_entities(api):
    """18-088 §10.2.1.1 Example 2: an Observation linking an existing Datastream and
    FeatureOfInterest by @iot.id; phenomenonTime with a -07:00 offset."""
    made = oven(api)
    status, body, location = post(
        api,
        "Observations",
        {
            "Datastream": {"@iot.id": made["datastream"]},
            "phenomenonTime": "2013-04-18T16:15:00-07:00",
            "result": 124,
            "FeatureOfInterest": {"@iot.id": made["feature"]},
        },
    )
    assert status == 201, body
    assert location == f"{BASE}/Observations({body['@iot.id']})"
    created = read(api, f"Observations({body['@iot.id']})", **{"$expand": "FeatureOfInterest"})
    assert created["phenomenonTime"] == "2013-04-18T23:15:00Z"
    assert created["result"] == 124
    assert created["resultTime"] is None  # §10.2 special case #2: may be omitted, then null
    assert created["FeatureOfInterest"]["@iot.id"] == made["feature"]


def test_an_observation_without_feature_gets_the_things_location(api):
    """18-088 §10.2 special case #1: with no FeatureOfInterest in the request, the service
    creates one from the Thing's Location, or links to the one it made before."""
    made = oven(api)
    ids = []
    for result in (21, 22):
        status, body, _location = post(
            api,
            f"Datastreams({made['datastream']})/Observations",
            {"phenomenonTime": "2013-04-18T16:15:00Z", "result": result},
        )
        assert status == 201, body
        ids.append(body["@iot.id"])
    features = [read(api, f"Observations({pk})/FeatureOfInterest") for pk in ids]
    assert features[0]["feature"] == OVEN["Locations"][0]["location"]
    assert features[0]["@iot.id"] == features[1]["@iot.id"]


def test_update_a_thing_with_patch(api):
    """18-088 §10.3.1 Example: PATCH /v1.1/Things(1) {"description": "This thing is an oven."};
    §10.3.2: 200 OK or 204 No Content; properties not in the request stay as they were."""
    made = oven(api)
    response = api.patch(
        f"{V}/Things({made['thing']})",
        json.dumps({"description": "This thing is an oven."}),
        content_type="application/json",
    )
    assert response.status_code in (200, 204)
    thing = read(api, f"Things({made['thing']})")
    assert thing["description"] == "This thing is an oven."
    assert thing["name"] == "oven"


def test_update_an_entity_that_does_not_exist_fails(api):
    """18-088 §10.3.2: an update sent to a valid URL where no entity exists SHALL fail."""
    response = api.patch(
        f"{V}/Things(424242)", json.dumps({"name": "x"}), content_type="application/json"
    )
    assert response.status_code == 404


def test_delete_a_thing(api):
    """18-088 §10.4.1 Example: DELETE /v1.1/Things(1). Table of integrity constraints: deleting
    a Thing deletes its Datastreams and HistoricalLocations; a Datastream takes its
    Observations along."""
    made = oven(api)
    response = api.delete(f"{V}/Things({made['thing']})")
    assert response.status_code in (200, 204)
    assert api.get(f"{V}/Things({made['thing']})").status_code == 404
    assert api.get(f"{V}/Datastreams({made['datastream']})").status_code == 404
    assert api.get(f"{V}/Observations({made['observation']})").status_code == 404
    assert not m.HistoricalLocation.objects.exists()
    assert read(api, "Locations")["value"][0]["name"] == "CCIT"  # Locations stay


# --- 9.2 Resource paths ------------------------------------------------------------------------


def test_service_root(api):
    """18-088 §9.2.1 Usage 1: the service root is a JSON object whose value holds, per entity
    set, an object with its name and url."""
    document = read(api, "")
    sets = {item["name"]: item["url"] for item in document["value"]}
    for name in (
        "Things",
        "Locations",
        "Datastreams",
        "Sensors",
        "Observations",
        "ObservedProperties",
        "FeaturesOfInterest",
        "HistoricalLocations",
    ):
        assert sets[name] == f"{BASE}/{name}"


def test_address_a_collection(api, settings):
    """18-088 §9.2.2 Usage 2, example ObservedProperties: a value array of entities, each with
    @iot.id, @iot.selfLink, Datastreams@iot.navigationLink, name, definition and description;
    @iot.count before value; @iot.nextLink with $top and $skip when paged by the server."""
    settings.STA_DEFAULT_TOP = 5
    for index in range(7):
        m.ObservedProperty.objects.create(
            name=f"property {index}",
            definition=f"http://dbpedia.org/page/{index}",
            description="an observed property",
        )
    response = api.get(f"{V}/ObservedProperties", {"$count": "true"})
    document = response.json()
    assert list(document)[:2] == ["@iot.count", "value"]
    assert document["@iot.count"] == 7
    assert len(document["value"]) == 5
    first = document["value"][0]
    assert first["@iot.selfLink"] == f"{BASE}/ObservedProperties({first['@iot.id']})"
    assert first["Datastreams@iot.navigationLink"].endswith(
        f"ObservedProperties({first['@iot.id']})/Datastreams"
    )
    assert {"name", "definition", "description"} <= set(first)
    assert "$top=5" in document["@iot.nextLink"]
    assert "$skip=5" in document["@iot.nextLink"]


def test_address_an_entity_a_property_and_its_value(api):
    """18-088 §9.2.3-9.2.5, Usages 3, 4 and 5: Things(1); Observations(1)/resultTime gives
    {"resultTime": ...}; .../resultTime/$value gives the raw ISO 8601 text."""
    made = oven(api)
    observation = m.Observation.objects.get(pk=made["observation"])
    observation.result_time = observation.phenomenon_time_start
    observation.save()
    assert read(api, f"Things({made['thing']})")["@iot.id"] == made["thing"]
    assert read(api, f"Observations({made['observation']})/resultTime") == {
        "resultTime": "2012-06-26T09:42:02Z"
    }
    raw = api.get(f"{V}/Observations({made['observation']})/resultTime/$value")
    assert raw.content.decode() == "2012-06-26T09:42:02Z"


def test_address_a_navigation_property_and_association_links(api):
    """18-088 §9.2.6 Usage 6: Datastreams(1)/Observations; §9.2.7 Usage 7:
    Datastreams(1)/Observations/$ref gives a value array of objects holding only the
    @iot.selfLink (printed as "@iot.selfLinks" in the 1.0 example, a typo)."""
    made = oven(api)
    observations = read(api, f"Datastreams({made['datastream']})/Observations")
    assert [o["@iot.id"] for o in observations["value"]] == [made["observation"]]
    refs = read(api, f"Datastreams({made['datastream']})/Observations/$ref")
    assert refs == {"value": [{"@iot.selfLink": f"{BASE}/Observations({made['observation']})"}]}


def test_nested_resource_paths(api):
    """18-088 §9.2.8 Usage 8: Datastreams(1)/Observations(1), .../Observations(1)/resultTime
    and .../Observations(1)/FeatureOfInterest."""
    made = oven(api)
    prefix = f"Datastreams({made['datastream']})/Observations({made['observation']})"
    assert read(api, prefix)["result"] == 70.4
    assert read(api, f"{prefix}/resultTime") == {"resultTime": None}
    assert read(api, f"{prefix}/FeatureOfInterest")["name"] == "CCIT #361"


# --- 9.3 Query options -------------------------------------------------------------------------


def test_expand_example_1(api):
    """18-088 §9.3.2.1 $expand Example 1: Things?$expand=Datastreams returns each Thing with
    its Datastreams inline (documented with Datastreams@iot.count when counted) and the
    navigation links of what is not expanded."""
    made = oven(api)
    document = read(api, "Things", **{"$expand": "Datastreams($count=true)"})
    (thing,) = document["value"]
    assert thing["@iot.selfLink"] == f"{BASE}/Things({made['thing']})"
    assert thing["Locations@iot.navigationLink"].endswith(f"Things({made['thing']})/Locations")
    assert thing["HistoricalLocations@iot.navigationLink"]
    assert thing["Datastreams@iot.count"] == 1
    (stream,) = thing["Datastreams"]
    assert stream["@iot.selfLink"] == f"{BASE}/Datastreams({made['datastream']})"
    assert stream["name"] == "oven temperature"
    assert stream["unitOfMeasurement"] == CELSIUS
    assert stream["observationType"] == MEASUREMENT
    assert "observedArea" in stream and "resultTime" in stream


def test_expand_examples_2_to_4(api):
    """18-088 §9.3.2.1 $expand Examples 2-4: Things?$expand=Datastreams/ObservedProperty;
    Datastreams(1)?$expand=Observations,ObservedProperty;
    Datastreams(1)?$expand=Observations($filter=result eq 1)."""
    made = oven(api)
    post(
        api,
        f"Datastreams({made['datastream']})/Observations",
        {"phenomenonTime": "2013-04-18T16:15:00Z", "result": 1},
    )
    things = read(api, "Things", **{"$expand": "Datastreams/ObservedProperty"})
    assert things["value"][0]["Datastreams"][0]["ObservedProperty"]["name"] == (
        "DewPoint Temperature"
    )
    stream = read(
        api, f"Datastreams({made['datastream']})", **{"$expand": "Observations,ObservedProperty"}
    )
    assert sorted(o["result"] for o in stream["Observations"]) == [1, 70.4]
    assert stream["ObservedProperty"]["name"] == "DewPoint Temperature"
    filtered = read(
        api,
        f"Datastreams({made['datastream']})",
        **{"$expand": "Observations($filter=result eq 1)"},
    )
    assert [o["result"] for o in filtered["Observations"]] == [1]


def test_select_examples(api):
    """18-088 §9.3.2.2 $select Examples 1-3: Observations?$select=result,resultTime;
    Datastreams(1)?$select=id,Observations&$expand=Observations/FeatureOfInterest;
    Datastreams(1)?$expand=Observations($select=result)."""
    made = oven(api)
    assert read(api, "Observations", **{"$select": "result,resultTime"})["value"] == [
        {"result": 70.4, "resultTime": None}
    ]
    stream = read(
        api,
        f"Datastreams({made['datastream']})",
        **{"$select": "id,Observations", "$expand": "Observations/FeatureOfInterest"},
    )
    assert set(stream) == {"@iot.id", "Observations"}
    assert stream["Observations"][0]["FeatureOfInterest"]["name"] == "CCIT #361"
    assert stream["Observations"][0]["result"] == 70.4
    only_result = read(
        api, f"Datastreams({made['datastream']})", **{"$expand": "Observations($select=result)"}
    )
    assert only_result["Observations"] == [{"result": 70.4}]
    assert only_result["name"] == "oven temperature"


def stations_with_observations(api) -> tuple[list[int], list[int]]:
    """Two Datastreams of the oven kind with results 5, 15, 25 and 8, 12 at hourly times."""
    made = oven(api)
    m.Observation.objects.all().delete()
    second = post(
        api,
        "Datastreams",
        {
            "name": "second",
            "description": "d",
            "unitOfMeasurement": CELSIUS,
            "observationType": MEASUREMENT,
            "Thing": {"@iot.id": made["thing"]},
            "Sensor": {
                "name": "s",
                "description": "d",
                "encodingType": "text/html",
                "metadata": "x",
            },
            "ObservedProperty": {"name": "p", "definition": "x", "description": "d"},
        },
    )[1]["@iot.id"]
    ids = []
    for stream, hour, result in [
        (made["datastream"], 0, 5),
        (made["datastream"], 1, 15),
        (made["datastream"], 2, 25),
        (second, 3, 8),
        (second, 4, 12),
    ]:
        status, body, _location = post(
            api,
            "Observations",
            {
                "Datastream": {"@iot.id": stream},
                "phenomenonTime": f"2010-06-0{hour + 1}T12:00:00Z",
                "resultTime": f"2010-06-0{5 - hour}T12:00:00Z",
                "result": result,
            },
        )
        assert status == 201, body
        ids.append(body["@iot.id"])
    return [made["datastream"], second], ids


def results(api, **params) -> list:
    return [o["result"] for o in read(api, "Observations", **params)["value"]]


def test_orderby_top_skip_count_examples(api):
    """18-088 §9.3.3.1-9.3.3.4: Observations?$orderby=result;
    Observations?$expand=Datastream&$orderby=Datastream/id desc,phenomenonTime (printed with
    "Datastreams/id", a typo); Things?$top=5; Observations?$top=5&$orderby=phenomenonTime desc;
    Things?$skip=5; Observations?$skip=2&$top=2&$orderby=resultTime; Things?$count=true."""
    (_first, second), _ids = stations_with_observations(api)
    assert results(api, **{"$orderby": "result"}) == [5, 8, 12, 15, 25]
    expanded = read(
        api,
        "Observations",
        **{"$expand": "Datastream", "$orderby": "Datastream/id desc, phenomenonTime"},
    )
    assert [o["result"] for o in expanded["value"]] == [8, 12, 5, 15, 25]
    assert expanded["value"][0]["Datastream"]["@iot.id"] == second
    assert results(api, **{"$top": "5", "$orderby": "phenomenonTime desc"}) == [12, 8, 25, 15, 5]
    assert results(api, **{"$skip": "2", "$top": "2", "$orderby": "resultTime"}) == [25, 15]
    for index in range(6):
        m.Thing.objects.create(name=f"thing {index}", description="")
    assert len(read(api, "Things", **{"$top": "5"})["value"]) == 5
    assert len(read(api, "Things", **{"$skip": "5"})["value"]) == 2
    counted = read(api, "Things", **{"$count": "true"})
    assert counted["@iot.count"] == 7
    assert next(iter(counted)) == "@iot.count"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("result lt 10.00", [5, 8]),
        ("result gt 20.0", [25]),
        ("result ge 15", [15, 25]),
        ("result le 12", [5, 8, 12]),
        ("result ne 15", [5, 8, 12, 25]),
        ("result gt 20 or result le 3.5", [25]),
        ("result add 5 gt 10", [8, 12, 15, 25]),
        ("result sub 5 gt 10", [25]),
        ("result mul 2 gt 20", [12, 15, 25]),
        ("result div 2 gt 4", [12, 15, 25]),
        ("result mod 2 eq 0", [8, 12]),
        ("(result sub 5) gt 10", [25]),
    ],
)
def test_built_in_filter_operators(api, expression, expected):
    """18-088 §9.3.3.5.1 table of built-in filter operators, on five Observations with results
    5, 8, 12, 15 and 25 (the documented examples, with thresholds that split these values)."""
    stations_with_observations(api)
    assert results(api, **{"$filter": expression, "$orderby": "result"}) == expected


def test_filter_examples(api):
    """18-088 §9.3.3.5 $filter Examples 1-4: result lt 10.00; Datastream/id eq '1' (quoted as
    printed, and as the number that ids of this server are);
    geo.distance(Locations/location, geography'POINT(-122 43)') gt 1
    (printed with a comma inside the WKT); Things whose Datastreams' Observations have a given
    FeatureOfInterest and a resultTime in June 2010; and not startswith(description,'test')."""
    (_first, second), ids = stations_with_observations(api)
    assert results(api, **{"$filter": "result lt 10.00", "$orderby": "result"}) == [5, 8]
    by_stream = read(api, "Observations", **{"$filter": f"Datastream/id eq {second}"})
    assert sorted(o["result"] for o in by_stream["value"]) == [8, 12]
    quoted = read(api, "Observations", **{"$filter": f"Datastream/id eq '{second}'"})
    assert quoted["value"] == by_stream["value"]
    flipped = read(api, "Observations", **{"$filter": f"'{second}' eq Datastream/@iot.id"})
    assert flipped["value"] == by_stream["value"]
    far = read(
        api,
        "Things",
        **{"$filter": "geo.distance(Locations/location, geography'POINT(-122 43)') gt 1"},
    )
    assert [t["name"] for t in far["value"]] == ["oven"]
    feature = m.Observation.objects.get(pk=ids[0]).feature_of_interest_id
    june = read(
        api,
        "Things",
        **{
            "$expand": "Datastreams/Observations/FeatureOfInterest",
            "$filter": f"Datastreams/Observations/FeatureOfInterest/id eq {feature} and "
            "Datastreams/Observations/resultTime ge 2010-06-01T00:00:00Z and "
            "Datastreams/Observations/resultTime le 2010-07-01T00:00:00Z",
        },
    )
    assert [t["name"] for t in june["value"]] == ["oven"]
    m.Thing.objects.create(name="probe", description="test probe")
    untested = read(api, "Things", **{"$filter": "not startswith(description,'test')"})
    assert [t["name"] for t in untested["value"]] == ["oven"]


# --- Data Array extension ----------------------------------------------------------------------


def test_create_observations_example(api):
    """18-088 Data Array extension, CreateObservations example: POST /v1.1/CreateObservations
    with two dataArray blocks for Datastreams 1 and 2, components phenomenonTime, result and
    FeatureOfInterest/id, times with -0700 offsets. Response: 201 Created with a JSON array of
    one selfLink per row, in the order of the rows ("error" for a row that failed)."""
    (first, second), _ids = stations_with_observations(api)
    feature = m.FeatureOfInterest.objects.first().pk
    request = [
        {
            "Datastream": {"@iot.id": first},
            "components": ["phenomenonTime", "result", "FeatureOfInterest/id"],
            "dataArray@iot.count": 2,
            "dataArray": [
                ["2010-12-23T10:20:00-0700", 20, feature],
                ["2010-12-23T10:21:00-0700", 30, feature],
            ],
        },
        {
            "Datastream": {"@iot.id": second},
            "components": ["phenomenonTime", "result", "FeatureOfInterest/id"],
            "dataArray@iot.count": 2,
            "dataArray": [
                ["2010-12-23T10:20:00-0700", 65, feature],
                ["2010-12-23T10:21:00-0700", 60, feature],
            ],
        },
    ]
    status, links, _location = post(api, "CreateObservations", request)
    assert status == 201
    assert len(links) == 4
    for link, (stream, result) in zip(
        links, [(first, 20), (first, 30), (second, 65), (second, 60)], strict=True
    ):
        assert link.startswith(f"{BASE}/Observations(")
        observation = read(api, link.removeprefix(f"{BASE}/"), **{"$expand": "Datastream"})
        assert observation["result"] == result
        assert observation["Datastream"]["@iot.id"] == stream
    assert read(api, link.removeprefix(f"{BASE}/"))["phenomenonTime"] == "2010-12-23T17:21:00Z"


def test_create_observations_marks_a_failed_row_as_error(api):
    """18-088 Data Array extension, CreateObservations response example: a row that cannot be
    created is "error" in its place; the others are created."""
    (first, _second), _ids = stations_with_observations(api)
    before = m.Observation.objects.count()
    status, links, _location = post(
        api,
        "CreateObservations",
        [
            {
                "Datastream": {"@iot.id": first},
                "components": ["phenomenonTime", "result", "FeatureOfInterest/id"],
                "dataArray@iot.count": 3,
                "dataArray": [
                    ["2010-12-23T10:20:00-0700", 20, m.FeatureOfInterest.objects.first().pk],
                    ["not a time", 30, m.FeatureOfInterest.objects.first().pk],
                    ["2010-12-23T10:22:00-0700", 40, 987654],
                ],
            }
        ],
    )
    assert status == 201
    assert links[0].startswith(f"{BASE}/Observations(")
    assert links[1:] == ["error", "error"]
    assert m.Observation.objects.count() == before + 1


def test_result_format_data_array_example(api):
    """18-088 Data Array extension, request example GET /v1.1/Observations?$resultFormat=
    dataArray: per Datastream an object with Datastream@iot.navigationLink, components (id,
    phenomenonTime, resultTime, result), dataArray@iot.count and dataArray rows; with $select
    the components are the selected properties in their order."""
    (first, second), ids = stations_with_observations(api)
    document = read(api, "Observations", **{"$resultFormat": "dataArray", "$orderby": "id"})
    blocks = {block["Datastream@iot.navigationLink"]: block for block in document["value"]}
    assert set(blocks) == {f"{BASE}/Datastreams({first})", f"{BASE}/Datastreams({second})"}
    block = blocks[f"{BASE}/Datastreams({first})"]
    assert block["components"] == ["id", "phenomenonTime", "resultTime", "result"]
    assert block["dataArray@iot.count"] == 3
    assert block["dataArray"][0] == [ids[0], "2010-06-01T12:00:00Z", "2010-06-05T12:00:00Z", 5]
    selected = read(
        api,
        f"Datastreams({second})/Observations",
        **{"$resultFormat": "dataArray", "$select": "id,result"},
    )
    assert selected["value"][0]["components"] == ["id", "result"]
    assert selected["value"][0]["dataArray"] == [[ids[3], 8], [ids[4], 12]]


# --- Batch requests ----------------------------------------------------------------------------


def test_json_batch_request(api):
    """18-088 §11 Batch requests, in the JSON format of OData 4.01 (JSON Format §19) that 1.1
    adopts: a GET, then a POST and a PATCH in one atomicity group. Response 200 with
    "responses", one per request, carrying its id and status; the POST 201 with a location
    header among its "headers"."""
    made = oven(api)
    response = api.post(
        f"{V}/$batch",
        json.dumps(
            {
                "requests": [
                    {"id": "0", "method": "get", "url": f"Things({made['thing']})?$select=name"},
                    {
                        "id": "1",
                        "atomicityGroup": "group1",
                        "method": "post",
                        "url": "Things",
                        "body": {"name": "New Sensor Thing", "description": "created in a batch"},
                    },
                    {
                        "id": "2",
                        "atomicityGroup": "group1",
                        "method": "patch",
                        "url": f"Things({made['thing']})",
                        "body": {"name": "Patched oven"},
                    },
                ]
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    answers = {item["id"]: item for item in response.json()["responses"]}
    assert answers["0"]["status"] == 200
    assert answers["0"]["body"] == {"name": "oven"}
    assert answers["1"]["status"] == 201
    headers = {name.lower(): value for name, value in answers["1"]["headers"].items()}
    assert headers["location"].startswith(f"{BASE}/Things(")
    assert answers["2"]["status"] in (200, 204)
    assert read(api, f"Things({made['thing']})")["name"] == "Patched oven"
    assert m.Thing.objects.filter(name="New Sensor Thing").exists()


def test_a_failing_request_rolls_back_its_atomicity_group(api):
    """18-088 §11 (OData 4.01 JSON batch): the requests of an atomicity group succeed or fail
    together; the batch itself still answers 200."""
    made = oven(api)
    response = api.post(
        f"{V}/$batch",
        json.dumps(
            {
                "requests": [
                    {
                        "id": "1",
                        "atomicityGroup": "g",
                        "method": "post",
                        "url": "Things",
                        "body": {"name": "kept?", "description": "no"},
                    },
                    {
                        "id": "2",
                        "atomicityGroup": "g",
                        "method": "patch",
                        "url": "Things(424242)",
                        "body": {"name": "nothing there"},
                    },
                ]
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    statuses = [item["status"] for item in response.json()["responses"]]
    assert any(status >= 400 for status in statuses)
    assert not m.Thing.objects.filter(name="kept?").exists()
    assert m.Thing.objects.filter(pk=made["thing"]).exists()
