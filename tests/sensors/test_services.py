"""The SensorThings write services on real rows: deep insert, links, history, validation,
updates, cascades and the bulk path of observations (OGC 18-088 sections 10 and 14.4)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gemeinsam.sensors import models as m
from gemeinsam.sensors import services
from gemeinsam.sensors.services import InvalidEntity
from gemeinsam.sensors.sta.entities import BY_NAME

pytestmark = pytest.mark.django_db

THING, LOCATION, DATASTREAM = BY_NAME["Thing"], BY_NAME["Location"], BY_NAME["Datastream"]
OBSERVATION, MDS = BY_NAME["Observation"], BY_NAME["MultiDatastream"]
SENSOR, PROPERTY = BY_NAME["Sensor"], BY_NAME["ObservedProperty"]
FEATURE, HISTORY = BY_NAME["FeatureOfInterest"], BY_NAME["HistoricalLocation"]
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
CELSIUS = {"name": "degree Celsius", "symbol": "°C", "definition": "ucum:Cel"}


def location(name="Wedding", lon=13.35, lat=52.54):
    return {
        "name": name,
        "description": f"station {name}",
        "encodingType": "application/geo+json",
        "location": {"type": "Point", "coordinates": [lon, lat]},
    }


def sensor():
    return {
        "name": "DHT22",
        "description": "temperature sensor",
        "encodingType": "application/pdf",
        "metadata": "https://example.org/dht22.pdf",
    }


def temperature():
    return {
        "name": "air temperature",
        "definition": "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0023/",
        "description": "temperature of the air",
    }


def datastream(**extra):
    return {
        "name": "air temperature",
        "description": "every minute",
        "observationType": MEASUREMENT,
        "unitOfMeasurement": CELSIUS,
        "Sensor": sensor(),
        "ObservedProperty": temperature(),
        **extra,
    }


def thing(**extra):
    return {"name": "Kiezbox 1", "description": "in the library", **extra}


@pytest.fixture
def station():
    """A Thing at a Location with one Datastream and no observations."""
    return services.create_entity(THING, thing(Locations=[location()], Datastreams=[datastream()]))


def only_datastream(obj):
    return obj.datastreams.get()


# --- create ---------------------------------------------------------------------------------


def test_deep_insert_creates_the_whole_graph_in_one_call():
    obj = services.create_entity(
        THING,
        thing(
            properties={"district": "Mitte"},
            Locations=[location()],
            Datastreams=[
                datastream(
                    Observations=[
                        {"phenomenonTime": "2025-01-01T10:00:00Z", "result": 3.5},
                        {"phenomenonTime": "2025-01-01T11:00:00Z", "result": 4},
                    ]
                )
            ],
        ),
    )
    assert obj.properties == {"district": "Mitte"}
    stream = only_datastream(obj)
    assert stream.sensor.name == "DHT22"
    assert stream.observed_property.name == "air temperature"
    assert [o.result for o in stream.observations.order_by("phenomenon_time_start")] == [3.5, 4]
    assert stream.phenomenon_time_start == datetime(2025, 1, 1, 10, tzinfo=UTC)
    assert stream.phenomenon_time_end == datetime(2025, 1, 1, 11, tzinfo=UTC)
    assert list(obj.locations.values_list("name", flat=True)) == ["Wedding"]


def test_a_thing_created_with_locations_gets_a_historical_location():
    before = timezone.now()
    obj = services.create_entity(THING, thing(Locations=[location("A"), location("B")]))
    history = obj.historical_locations.get()
    assert before <= history.time <= timezone.now()
    assert set(history.locations.values_list("name", flat=True)) == {"A", "B"}


def test_an_object_with_an_id_is_a_link_and_its_other_fields_are_ignored(station):
    stream = only_datastream(station)
    other = services.create_entity(
        DATASTREAM,
        datastream(
            name="second",
            Thing={"@iot.id": station.pk, "name": "ignored"},
            Sensor={"@iot.id": stream.sensor_id, "name": "ignored"},
            ObservedProperty={"@iot.id": stream.observed_property_id},
        ),
    )
    assert other.thing_id == station.pk and other.sensor_id == stream.sensor_id
    station.refresh_from_db()
    assert station.name == "Kiezbox 1"
    assert m.Sensor.objects.count() == 1


def test_a_link_to_a_missing_entity_names_type_and_id(station):
    with pytest.raises(InvalidEntity, match=r"Sensor with @iot\.id 999 does not exist"):
        services.create_entity(
            DATASTREAM, datastream(Thing={"@iot.id": station.pk}, Sensor={"@iot.id": 999})
        )
    assert m.Datastream.objects.count() == 1  # the transaction rolled back


def test_a_failing_deep_insert_leaves_nothing_behind():
    with pytest.raises(InvalidEntity, match="Datastream: unitOfMeasurement is required"):
        services.create_entity(
            THING,
            thing(
                Locations=[location()],
                Datastreams=[{k: v for k, v in datastream().items() if k != "unitOfMeasurement"}],
            ),
        )
    assert not m.Thing.objects.exists()
    assert not m.Location.objects.exists()
    assert not m.Sensor.objects.exists()


def test_posting_to_a_navigation_collection_links_to_the_parent(station):
    stream = services.create_entity(
        DATASTREAM,
        datastream(name="humidity"),
        parent=(THING, station, THING.nav_by_name["Datastreams"]),
    )
    assert stream.thing_id == station.pk


def test_a_location_posted_to_a_thing_moves_it_and_records_the_history(station):
    new = services.create_entity(
        LOCATION,
        location("Hardenbergplatz"),
        parent=(THING, station, THING.nav_by_name["Locations"]),
    )
    assert list(station.locations.all()) == [new]
    latest = station.historical_locations.order_by("-id").first()
    assert list(latest.locations.all()) == [new]
    assert station.historical_locations.count() == 2


def test_a_location_created_with_things_records_their_history(station):
    new = services.create_entity(LOCATION, location("B") | {"Things": [{"@iot.id": station.pk}]})
    assert list(station.locations.all()) == [new]
    assert station.historical_locations.count() == 2


def test_a_historical_location_can_be_created_directly(station):
    place = station.locations.get()
    history = services.create_entity(
        HISTORY,
        {
            "time": "2024-06-01T12:00:00+02:00",
            "Thing": {"@iot.id": station.pk},
            "Locations": [{"@iot.id": place.pk}],
        },
    )
    assert history.time == datetime(2024, 6, 1, 10, tzinfo=UTC)
    assert list(history.locations.all()) == [place]


def test_posting_an_entity_with_an_id_at_the_top_is_refused():
    with pytest.raises(InvalidEntity, match="assigned by the server"):
        services.create_entity(THING, thing() | {"@iot.id": 5})


def test_annotations_from_a_read_are_ignored():
    obj = services.create_entity(
        THING, thing() | {"@iot.selfLink": "x", "Datastreams@iot.navigationLink": "y"}
    )
    assert obj.pk


# --- observations and features of interest --------------------------------------------------


def test_an_observation_without_feature_gets_one_from_the_things_location(station):
    stream = only_datastream(station)
    first = services.create_entity(OBSERVATION, {"result": 1, "Datastream": {"@iot.id": stream.pk}})
    second = services.create_entity(
        OBSERVATION,
        {"result": 2},
        parent=(DATASTREAM, stream, DATASTREAM.nav_by_name["Observations"]),
    )
    feature = first.feature_of_interest
    assert second.feature_of_interest_id == feature.pk  # reused
    assert feature.feature == {"type": "Point", "coordinates": [13.35, 52.54]}
    assert feature.from_location == station.locations.get()
    assert m.FeatureOfInterest.objects.count() == 1


def test_a_thing_that_moved_gets_a_new_feature(station):
    stream = only_datastream(station)
    old = services.create_entity(OBSERVATION, {"result": 1, "Datastream": {"@iot.id": stream.pk}})
    place = station.locations.get()
    services.update_entity(place, {"location": {"type": "Point", "coordinates": [13.0, 52.0]}})
    new = services.create_entity(OBSERVATION, {"result": 2, "Datastream": {"@iot.id": stream.pk}})
    assert new.feature_of_interest_id != old.feature_of_interest_id
    assert new.feature_of_interest.feature["coordinates"] == [13.0, 52.0]


def test_an_observation_of_a_thing_without_location_needs_a_feature():
    obj = services.create_entity(THING, thing(Datastreams=[datastream()]))
    stream = only_datastream(obj)
    with pytest.raises(InvalidEntity, match="FeatureOfInterest is required"):
        services.create_entity(OBSERVATION, {"result": 1, "Datastream": {"@iot.id": stream.pk}})
    made = services.create_entity(
        OBSERVATION,
        {
            "result": 1,
            "Datastream": {"@iot.id": stream.pk},
            "FeatureOfInterest": {
                "name": "lake",
                "description": "the lake",
                "encodingType": "application/geo+json",
                "feature": {"type": "Point", "coordinates": [13.2, 52.4]},
            },
        },
    )
    assert made.feature_of_interest.name == "lake"


def test_observation_times_default_parse_and_accept_intervals(station):
    stream = only_datastream(station)
    link = {"Datastream": {"@iot.id": stream.pk}}
    before = timezone.now()
    now = services.create_entity(OBSERVATION, {"result": 1, "resultTime": None, **link})
    assert before <= now.phenomenon_time_start <= timezone.now()
    assert now.result_time is None
    span = services.create_entity(
        OBSERVATION,
        {
            "result": "ok",
            "phenomenonTime": "2025-03-01T00:00:00Z/2025-03-01T01:00:00Z",
            "resultTime": "2025-03-01T01:00:05+01:00",
            "validTime": "2025-03-01T00:00:00Z/P1D",
            **link,
        },
    )
    assert span.phenomenon_time_end - span.phenomenon_time_start == timedelta(hours=1)
    assert span.result_time == datetime(2025, 3, 1, 0, 0, 5, tzinfo=UTC)
    assert span.valid_time_end == datetime(2025, 3, 2, tzinfo=UTC)
    assert span.result == "ok"
    stream.refresh_from_db()
    assert stream.phenomenon_time_start == datetime(2025, 3, 1, tzinfo=UTC)
    assert stream.result_time_end == span.result_time


@pytest.mark.parametrize("result", [7, 2.5, "text", True, None, [1, 2], {"a": 1}])
def test_results_of_every_json_type_round_trip(station, result):
    stream = only_datastream(station)
    obs = services.create_entity(
        OBSERVATION, {"result": result, "Datastream": {"@iot.id": stream.pk}}
    )
    obs = m.Observation.objects.get(pk=obs.pk)
    assert obs.result == result


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"description": "x"}, "Thing: name is required"),
        (thing(color="red"), "Thing: unknown property 'color'"),
        (thing(name=5), "Thing: name must be a string"),
        (thing(name=None), "Thing: name must not be null"),
        (thing(name="x" * 300), "longer than 255"),
        (thing(properties=[1]), "Thing: properties must be a JSON object"),
        (thing(Locations={"name": "x"}), "Thing: Locations must be an array"),
        (thing(Locations=["x"]), "Location: expected a JSON object"),
        (thing(Locations=[{"@iot.id": "abc"}]), "@iot.id must be a positive integer"),
        (thing(Locations=[location() | {"location": {"type": "Point"}}]), "valid GeoJSON"),
        (thing(Locations=[location() | {"location": "52,13"}]), "GeoJSON object"),
        (thing(Datastreams=[datastream(unitOfMeasurement="°C")]), "must be a JSON object"),
        (thing(Datastreams=[datastream(Sensor=None)]), "Sensor: expected a JSON object"),
        (
            thing(Datastreams=[{**datastream(), "Sensor": {"name": "s"}}]),
            "Sensor: description is required",
        ),
    ],
)
def test_invalid_bodies_are_refused_with_a_message(data, message):
    with pytest.raises(InvalidEntity, match=message):
        services.create_entity(THING, data)
    assert not m.Thing.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Observation: result is required"),
        ({"result": float("nan")}, "finite number"),
        ({"result": 1, "phenomenonTime": "yesterday"}, "not an ISO 8601 time"),
        ({"result": 1, "phenomenonTime": 5}, "ISO 8601 time string"),
        ({"result": 1, "phenomenonTime": "2025-01-02T00:00Z/2025-01-01T00:00Z"}, "ends before"),
        ({"result": 1, "validTime": "2025-01-01T00:00Z/PXYZ"}, "not an ISO 8601 duration"),
        ({"result": 1, "parameters": "x"}, "parameters must be a JSON object"),
        ({"result": 1, "FeatureOfInterest": {"@iot.id": 12345}}, "FeatureOfInterest with"),
    ],
)
def test_invalid_observations_are_refused(station, body, message):
    stream = only_datastream(station)
    with pytest.raises(InvalidEntity, match=message):
        services.create_entity(OBSERVATION, body | {"Datastream": {"@iot.id": stream.pk}})
    assert not m.Observation.objects.exists()


def test_an_observation_needs_a_datastream():
    with pytest.raises(InvalidEntity, match="exactly one of Datastream and MultiDatastream"):
        services.create_entity(OBSERVATION, {"result": 1})


def test_read_only_datastream_times_are_ignored_and_any_observation_type_uri_accepted(station):
    stream = services.create_entity(
        DATASTREAM,
        datastream(
            observationType="https://example.org/my-own-type",
            phenomenonTime="2000-01-01T00:00:00Z/2001-01-01T00:00:00Z",
            resultTime=None,
            observedArea={"type": "Point", "coordinates": [0, 0]},
            Thing={"@iot.id": station.pk},
        ),
    )
    assert stream.observation_type == "https://example.org/my-own-type"
    assert stream.phenomenon_time_start is None
    assert stream.observed_area is None


# --- MultiDatastream ------------------------------------------------------------------------


def multi_datastream(properties, **extra):
    return {
        "name": "weather",
        "description": "temperature and humidity",
        "multiObservationDataTypes": [MEASUREMENT] * len(properties),
        "unitOfMeasurements": [CELSIUS] * len(properties),
        "Sensor": sensor(),
        "ObservedProperties": properties,
        **extra,
    }


def test_a_multidatastream_keeps_the_order_of_its_observed_properties(station):
    humidity = services.create_entity(PROPERTY, temperature() | {"name": "humidity"})
    mds = services.create_entity(
        MDS,
        multi_datastream(
            [{"@iot.id": humidity.pk}, temperature() | {"name": "pressure"}, temperature()],
            Thing={"@iot.id": station.pk},
        ),
    )
    names = [
        p.observed_property.name
        for p in m.MultiDatastreamProperty.objects.filter(multi_datastream=mds)
    ]
    assert names == ["humidity", "pressure", "air temperature"]
    obs = services.create_entity(
        OBSERVATION, {"result": [50, 1013, 21.5], "MultiDatastream": {"@iot.id": mds.pk}}
    )
    assert obs.result == [50, 1013, 21.5]
    with pytest.raises(InvalidEntity, match="array of 3 values"):
        services.create_entity(
            OBSERVATION, {"result": [1, 2], "MultiDatastream": {"@iot.id": mds.pk}}
        )


def test_multidatastream_lengths_must_agree(station):
    body = multi_datastream([temperature(), temperature()], Thing={"@iot.id": station.pk})
    body["unitOfMeasurements"] = [CELSIUS]
    with pytest.raises(InvalidEntity, match=r"unitOfMeasurements \(1\)"):
        services.create_entity(MDS, body)
    with pytest.raises(InvalidEntity, match="ObservedProperties is required"):
        services.create_entity(MDS, multi_datastream([], Thing={"@iot.id": station.pk}))
    assert not m.MultiDatastream.objects.exists()


# --- update ---------------------------------------------------------------------------------


def test_patch_changes_only_the_given_properties_and_links(station):
    stream = only_datastream(station)
    other = services.create_entity(SENSOR, sensor() | {"name": "SHT31"})
    services.update_entity(stream, {"description": "hourly", "Sensor": {"@iot.id": other.pk}})
    stream = m.Datastream.objects.get(pk=stream.pk)
    assert stream.description == "hourly"
    assert stream.name == "air temperature"
    assert stream.sensor_id == other.pk


def test_patch_with_locations_replaces_them_and_records_the_history(station):
    place = services.create_entity(LOCATION, location("Neukölln"))
    services.update_entity(station, {"Locations": [{"@iot.id": place.pk}]})
    assert list(station.locations.all()) == [place]
    assert station.historical_locations.count() == 2


def test_patch_refuses_bad_values_and_keeps_the_row(station):
    with pytest.raises(InvalidEntity, match="Thing: name must be a string"):
        services.update_entity(station, {"name": 3})
    with pytest.raises(InvalidEntity, match="can not be changed"):
        services.update_entity(station, {"@iot.id": station.pk + 1})
    station.refresh_from_db()
    assert station.name == "Kiezbox 1"


def test_put_needs_every_mandatory_property_and_resets_the_rest(station):
    station.properties = {"a": 1}
    station.save()
    with pytest.raises(InvalidEntity, match="Thing: description is required"):
        services.replace_entity(station, {"name": "new"})
    services.replace_entity(station, {"name": "new", "description": "d"})
    station.refresh_from_db()
    assert (station.name, station.description, station.properties) == ("new", "d", None)


def test_json_patch_edits_properties(station):
    services.json_patch_entity(
        station,
        [
            {"op": "add", "path": "/properties", "value": {"floor": 1}},
            {"op": "replace", "path": "/name", "value": "Kiezbox 2"},
            {"op": "add", "path": "/properties/room", "value": "A"},
        ],
    )
    station.refresh_from_db()
    assert station.name == "Kiezbox 2"
    assert station.properties == {"floor": 1, "room": "A"}


@pytest.mark.parametrize(
    "operations",
    [
        [{"op": "remove", "path": "/name"}],
        [{"op": "replace", "path": "/nothing/here", "value": 1}],
        [{"op": "test", "path": "/name", "value": "other"}],
        [{"op": "jump"}],
        {"op": "add"},
        [{"op": "add", "path": "/color", "value": "red"}],
    ],
)
def test_a_bad_json_patch_is_invalid(station, operations):
    with pytest.raises(InvalidEntity):
        services.json_patch_entity(station, operations)
    station.refresh_from_db()
    assert station.name == "Kiezbox 1"


def test_patching_an_observation_widens_the_datastream_extent(station):
    stream = only_datastream(station)
    obs = services.create_entity(
        OBSERVATION,
        {
            "result": 1,
            "phenomenonTime": "2025-01-01T00:00:00Z",
            "Datastream": {"@iot.id": stream.pk},
        },
    )
    services.update_entity(obs, {"phenomenonTime": "2024-01-01T00:00:00Z", "result": 9})
    stream.refresh_from_db()
    obs.refresh_from_db()
    assert obs.result == 9
    assert stream.phenomenon_time_start == datetime(2024, 1, 1, tzinfo=UTC)


# --- delete ---------------------------------------------------------------------------------


def add_observations(stream, count, start=datetime(2025, 1, 1, tzinfo=UTC)):
    feature = services.features_from_locations({stream.thing_id})[stream.thing_id]
    return services.record_observations(
        [
            m.Observation(
                datastream=stream,
                feature_of_interest_id=feature,
                phenomenon_time_start=start + timedelta(minutes=i),
                result_number=float(i),
            )
            for i in range(count)
        ]
    )


def observation_deletes(queries):
    table = m.Observation._meta.db_table
    return [q["sql"] for q in queries if q["sql"].startswith("DELETE") and table in q["sql"]]


def test_deleting_a_datastream_deletes_its_observations_with_one_statement(station):
    stream = only_datastream(station)
    add_observations(stream, 50)
    with CaptureQueriesContext(connection) as queries:
        services.delete_entity(stream)
    table = m.Observation._meta.db_table
    assert not [
        q for q in queries if q["sql"].startswith("SELECT") and f'"{table}"."id"' in q["sql"]
    ]
    assert len(observation_deletes(queries)) <= 2
    assert not m.Observation.objects.exists()
    assert m.Thing.objects.exists() and m.Sensor.objects.exists()


def test_deleting_a_thing_deletes_datastreams_observations_and_history(station):
    add_observations(only_datastream(station), 10)
    services.delete_entity(station)
    assert not m.Datastream.objects.exists()
    assert not m.Observation.objects.exists()
    assert not m.HistoricalLocation.objects.exists()
    assert m.Location.objects.exists()  # a Location may serve other Things


def test_deleting_sensor_or_observed_property_deletes_their_datastreams(station):
    stream = only_datastream(station)
    mds = services.create_entity(
        MDS,
        multi_datastream(
            [{"@iot.id": stream.observed_property_id}, temperature()],
            Thing={"@iot.id": station.pk},
        ),
    )
    services.create_entity(OBSERVATION, {"result": [1, 2], "MultiDatastream": {"@iot.id": mds.pk}})
    add_observations(stream, 3)
    services.delete_entity(stream.observed_property)
    assert not m.Datastream.objects.exists()
    assert not m.MultiDatastream.objects.exists()
    assert not m.Observation.objects.exists()
    services.delete_entity(m.Sensor.objects.first())
    assert m.ObservedProperty.objects.count() == 1


def test_deleting_a_location_drops_history_that_only_pointed_there(station):
    place = station.locations.get()
    services.delete_entity(place)
    assert not station.historical_locations.exists()
    assert not station.locations.exists()


def test_deleting_a_feature_deletes_its_observations(station):
    obs = add_observations(only_datastream(station), 3)
    services.delete_entity(obs[0].feature_of_interest)
    assert not m.Observation.objects.exists()


def test_unlinking_a_location_keeps_both_entities(station):
    place = station.locations.get()
    services.unlink_entity(station, THING.nav_by_name["Locations"], place.pk)
    assert not station.locations.exists()
    assert m.Location.objects.filter(pk=place.pk).exists()
    services.unlink_entity(station, THING.nav_by_name["Locations"], place.pk)  # gone: no error


def test_unlinking_what_cannot_be_without_its_owner_is_refused(station):
    stream = only_datastream(station)
    with pytest.raises(InvalidEntity, match="a Datastream can not be without its Thing"):
        services.unlink_entity(station, THING.nav_by_name["Datastreams"], stream.pk)
    assert only_datastream(station) == stream


def test_deleting_the_last_observation_shrinks_the_extent(station):
    stream = only_datastream(station)
    observations = add_observations(stream, 4)
    services.delete_entity(observations[-1])
    stream.refresh_from_db()
    assert stream.phenomenon_time_end == datetime(2025, 1, 1, 0, 2, tzinfo=UTC)
    with CaptureQueriesContext(connection) as queries:
        services.delete_entity(observations[1])  # inside the extent: nothing to recompute
    assert not [q for q in queries if q["sql"].startswith("UPDATE")]
    stream.refresh_from_db()
    assert stream.phenomenon_time_start == datetime(2025, 1, 1, tzinfo=UTC)
    assert stream.phenomenon_time_end == datetime(2025, 1, 1, 0, 2, tzinfo=UTC)


# --- the bulk path --------------------------------------------------------------------------


def test_record_observations_inserts_a_thousand_rows_with_one_insert(station):
    stream = only_datastream(station)
    second = services.create_entity(DATASTREAM, datastream(Thing={"@iot.id": station.pk}))
    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [
        m.Observation(
            datastream=stream if i % 2 else second,
            phenomenon_time_start=start + timedelta(seconds=i),
            result_time=start + timedelta(seconds=i + 1),
            result_number=float(i),
        )
        for i in range(1000)
    ]
    with CaptureQueriesContext(connection) as queries:
        services.record_observations(rows)
    table = m.Observation._meta.db_table
    inserts = [q for q in queries if q["sql"].startswith("INSERT") and table in q["sql"]]
    updates = [q for q in queries if "UPDATE" in q["sql"]]
    assert len(inserts) == 1
    assert len(updates) == 1  # one for both datastreams
    # A handful per batch, none per row (the partition check only commits outside tests).
    assert len(queries) < 30
    assert all(o.pk for o in rows)
    stream.refresh_from_db()
    assert stream.phenomenon_time_start == start + timedelta(seconds=1)
    assert stream.phenomenon_time_end == start + timedelta(seconds=999)
    assert stream.result_time_end == start + timedelta(seconds=1000)
    second.refresh_from_db()
    assert second.phenomenon_time_start == start
    assert second.phenomenon_time_end == start + timedelta(seconds=998)
    assert second.result_time_start == start + timedelta(seconds=1)


def test_record_observations_refuses_a_missing_datastream():
    with pytest.raises(InvalidEntity, match=r"Datastream with @iot\.id 77 does not exist"):
        services.record_observations(
            [m.Observation(datastream_id=77, phenomenon_time_start=timezone.now(), result_number=1)]
        )


def test_create_observations_answers_per_row(station):
    stream = only_datastream(station)
    feature = services.features_from_locations({station.pk})[station.pk]
    payload = [
        {
            "Datastream": {"@iot.id": stream.pk},
            "components": ["phenomenonTime", "result", "FeatureOfInterest/id"],
            "dataArray@iot.count": 5,
            "dataArray": [
                ["2010-12-23T10:20:00-0700", 20, feature],
                ["2010-12-23T10:21:00-0700", 30, feature],
                ["not a time", 30, feature],
                ["2010-12-23T10:22:00-0700", 30, 999999],
                ["2010-12-23T10:23:00-0700", 30],
            ],
        },
        {
            "Datastream": {"@iot.id": stream.pk},
            "components": ["result", "resultTime", "validTime"],
            "dataArray": [
                [1.5, None, "2010-12-23T00:00Z/2010-12-24T00:00Z"],
                [float("inf"), None, None],
            ],
        },
    ]
    answer = services.create_observations(payload)
    assert [isinstance(a, int) for a in answer] == [True, True, False, False, False, True, False]
    assert answer[2:5] == ["error"] * 3
    created = m.Observation.objects.get(pk=answer[0])
    assert created.phenomenon_time_start == datetime(2010, 12, 23, 17, 20, tzinfo=UTC)
    assert created.result == 20
    assert m.Observation.objects.get(pk=answer[5]).feature_of_interest_id == feature
    stream.refresh_from_db()
    assert stream.phenomenon_time_start == datetime(2010, 12, 23, 17, 20, tzinfo=UTC)


def test_create_observations_for_a_multidatastream(station):
    mds = services.create_entity(
        MDS, multi_datastream([temperature(), temperature()], Thing={"@iot.id": station.pk})
    )
    answer = services.create_observations(
        [
            {
                "MultiDatastream": {"@iot.id": mds.pk},
                "components": ["phenomenonTime", "result"],
                "dataArray": [["2025-01-01T00:00:00Z", [1, 2]], ["2025-01-01T00:01:00Z", [1]]],
            }
        ]
    )
    assert answer[1] == "error"
    assert m.Observation.objects.get(pk=answer[0]).result == [1, 2]


@pytest.mark.parametrize(
    "payload",
    [
        {"Datastream": {"@iot.id": 1}},
        [{"components": ["result"], "dataArray": []}],
        [{"Datastream": {"@iot.id": 424242}, "components": ["result"], "dataArray": []}],
        [{"Datastream": 1, "components": ["result"], "dataArray": []}],
        [{"Datastream": {"@iot.id": 1}, "components": ["result", "color"], "dataArray": []}],
        [{"Datastream": {"@iot.id": 1}, "components": ["phenomenonTime"], "dataArray": []}],
        [{"Datastream": {"@iot.id": 1}, "components": ["result"], "dataArray": {}}],
    ],
)
def test_a_malformed_create_observations_request_is_invalid(station, payload):
    for block in payload if isinstance(payload, list) else []:
        if block.get("Datastream") == {"@iot.id": 1}:
            block["Datastream"] = {"@iot.id": only_datastream(station).pk}
    with pytest.raises(InvalidEntity):
        services.create_observations(payload)


def test_create_observations_stores_every_component(station):
    stream = only_datastream(station)
    components = ["phenomenonTime", "resultTime", "result", "resultQuality", "validTime"]
    components.append("parameters")
    row = [
        "2025-05-01T10:00:00+02:00/2025-05-01T11:00:00+02:00",
        "2025-05-01T09:30:00Z",
        {"pm10": 12},
        {"flag": "checked"},
        "2025-05-01T00:00:00Z/2025-05-02T00:00:00Z",
        {"method": "gravimetric"},
    ]
    [pk] = services.create_observations(
        [{"Datastream": {"@iot.id": stream.pk}, "components": components, "dataArray": [row]}]
    )
    obs = m.Observation.objects.get(pk=pk)
    assert obs.phenomenon_time_start == datetime(2025, 5, 1, 8, tzinfo=UTC)
    assert obs.phenomenon_time_end == datetime(2025, 5, 1, 9, tzinfo=UTC)
    assert obs.result_time == datetime(2025, 5, 1, 9, 30, tzinfo=UTC)
    assert obs.result == {"pm10": 12}
    assert obs.result_quality == {"flag": "checked"}
    assert obs.valid_time_end == datetime(2025, 5, 2, tzinfo=UTC)
    assert obs.parameters == {"method": "gravimetric"}
    assert obs.feature_of_interest.from_location == station.locations.get()


def test_a_device_message_parses_and_bad_rows_are_refused_alone(station):
    stream = only_datastream(station)
    link = {"Datastream": {"@iot.id": stream.pk}}
    good = services.parse_observation({"result": 3, "phenomenonTime": "2025-01-01T00:00Z", **link})
    stranger = services.parse_observation({"result": 4, "Datastream": {"@iot.id": 99999}})
    assert services.parse_observation({"result": 1, "Datastream": datastream()}) is None
    with pytest.raises(InvalidEntity, match="result is required"):
        services.parse_observation(link)
    reasons = services.record_observations_per_row([good, stranger])
    assert reasons[0] is None and "does not exist" in reasons[1]
    assert m.Observation.objects.get().pk == good.pk
    assert good.feature_of_interest_id is not None


def test_a_later_batch_widens_the_extents_and_keeps_what_it_does_not_reach(station):
    stream = only_datastream(station)
    at = datetime(2025, 3, 1, 10, tzinfo=UTC)

    def obs(hours: float, result_time=None) -> m.Observation:
        return m.Observation(
            datastream=stream,
            phenomenon_time_start=at + timedelta(hours=hours),
            result_time=result_time,
            result_number=1.0,
        )

    services.record_observations([obs(0, result_time=at), obs(2, result_time=at)])
    services.record_observations([obs(-1), obs(1)])  # earlier start; no result times
    stream.refresh_from_db()
    assert stream.phenomenon_time_start == at - timedelta(hours=1)
    assert stream.phenomenon_time_end == at + timedelta(hours=2)
    assert stream.result_time_start == stream.result_time_end == at
