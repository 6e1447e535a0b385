"""FROST's own Python client (frost-sta-client, unchanged) drives /sta/v1.1/ over real HTTP.

A live server runs the app; the client authenticates the way devices do, with HTTP Basic and
an access token as the password. What the client parses (the Location header of a create,
@iot.nextLink, @iot.count, the CreateObservations answer) must be what the server sends.
"""

from datetime import UTC, datetime, timedelta

import frost_sta_client as fsc
import pytest
import requests
from frost_sta_client import DataArrayDocument, DataArrayValue

from gemeinsam.sensors import models as m

pytestmark = pytest.mark.django_db(transaction=True)

START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
WEDDING = {"type": "Point", "coordinates": [13.3498, 52.5432]}
HARDENBERGPLATZ = {"type": "Point", "coordinates": [13.3327, 52.5069]}


@pytest.fixture(autouse=True)
def _server_connections_closed_after_each_request():
    """The live server's request threads would keep their database connections for
    CONN_MAX_AGE, and PostgreSQL would then refuse to drop the test database at the end."""
    from django.db import connections

    shared = connections.settings["default"]  # the dict every thread's connection reads
    kept, shared["CONN_MAX_AGE"] = shared["CONN_MAX_AGE"], 0
    yield
    shared["CONN_MAX_AGE"] = kept


@pytest.fixture
def service(live_server, sta_token) -> fsc.SensorThingsService:
    auth = fsc.AuthHandler(username="device", password=sta_token)
    return fsc.SensorThingsService(live_server.url + "/sta/v1.1", auth_handler=auth)


def location(name: str, point: dict) -> fsc.Location:
    return fsc.Location(
        name=name,
        description=f"measuring station {name}",
        encoding_type="application/geo+json",
        location=point,
    )


def datastream(name: str, **links) -> fsc.Datastream:
    return fsc.Datastream(
        name=name,
        description="hourly means",
        observation_type=MEASUREMENT,
        unit_of_measurement=fsc.UnitOfMeasurement(
            name="microgram per cubic metre",
            symbol="µg/m³",
            definition="http://qudt.org/vocab/unit/MicroGM-PER-M3",
        ),
        **links,
    )


def sensor() -> fsc.Sensor:
    return fsc.Sensor(
        name="NO2 analyser",
        description="chemiluminescence",
        encoding_type="text/html",
        metadata="https://example.org/no2",
    )


def no2() -> fsc.ObservedProperty:
    return fsc.ObservedProperty(
        name="NO2",
        definition="http://vocab.nerc.ac.uk/collection/P01/current/NO2/",
        description="nitrogen dioxide",
    )


def station(service, name: str, point: dict = WEDDING) -> fsc.Thing:
    """A Thing created by deep insert with its Location and one Datastream."""
    thing = fsc.Thing(
        name=name,
        description=f"air quality station {name}",
        properties={"network": "BLUME"},
        locations=[location(name, point)],
        datastreams=[datastream(f"NO2 {name}", sensor=sensor(), observed_property=no2())],
    )
    service.create(thing)
    return thing


def test_deep_insert_of_a_thing_with_location_and_datastream(service):
    thing = station(service, "Wedding")
    assert isinstance(thing.id, int)

    found = service.things().find(thing.id)
    assert found.name == "Wedding"
    assert found.properties == {"network": "BLUME"}
    assert found.self_link.endswith(f"/sta/v1.1/Things({thing.id})")

    locations = found.get_locations().query().list()
    assert [loc.location for loc in locations] == [WEDDING]
    history = found.get_historical_locations().query().list()
    assert len(history.entities) == 1  # a Thing created with Locations gets its history
    streams = found.get_datastreams().query().expand("Sensor,ObservedProperty").list()
    (stream,) = streams.entities
    assert stream.name == "NO2 Wedding"
    assert stream.unit_of_measurement.symbol == "µg/m³"
    assert stream.sensor.name == "NO2 analyser"
    assert stream.observed_property.name == "NO2"


def test_entities_created_one_by_one_and_linked_by_id(service):
    made_sensor, made_property = sensor(), no2()
    service.create(made_sensor)
    service.create(made_property)
    thing = fsc.Thing(name="Hardenbergplatz", description="Smart Space")
    service.create(thing)
    place = location("Hardenbergplatz", HARDENBERGPLATZ)
    place.things = [fsc.Thing(id=thing.id)]
    service.create(place)
    stream = datastream(
        "NO2 Hardenbergplatz",
        thing=fsc.Thing(id=thing.id),
        sensor=fsc.Sensor(id=made_sensor.id),
        observed_property=fsc.ObservedProperty(id=made_property.id),
    )
    service.create(stream)

    observation = fsc.Observation(
        phenomenon_time=START, result=42.5, datastream=fsc.Datastream(id=stream.id)
    )
    service.create(observation)
    assert isinstance(observation.id, int)

    # No FeatureOfInterest given: the server makes one from the Thing's Location.
    found = service.observations().query().filter(f"id eq {observation.id}")
    (read,) = found.expand("FeatureOfInterest,Datastream").list().entities
    assert read.result == 42.5
    assert read.datastream.id == stream.id
    assert read.feature_of_interest.feature == HARDENBERGPLATZ
    things = service.sensors().find(made_sensor.id).get_datastreams().query().list()
    assert [d.id for d in things] == [stream.id]


def add_observations(service, stream_id: int, results: list[float]) -> list[fsc.Observation]:
    made = []
    for hour, result in enumerate(results):
        observation = fsc.Observation(
            phenomenon_time=START + timedelta(hours=hour),
            result=result,
            datastream=fsc.Datastream(id=stream_id),
        )
        service.create(observation)
        made.append(observation)
    return made


def test_query_with_filter_expand_orderby_top_and_count(service):
    wedding = station(service, "Wedding")
    station(service, "Hardenbergplatz", HARDENBERGPLATZ)
    stream_id = m.Datastream.objects.get(thing_id=wedding.id).pk
    add_observations(service, stream_id, [31.0, 12.5, 48.0, 27.25, 5.0])

    things = service.things().query().filter("name eq 'Wedding'").expand("Datastreams").list()
    (thing,) = things.entities
    assert thing.id == wedding.id
    assert [d.id for d in thing.datastreams] == [stream_id]

    observations = (
        service.observations()
        .query()
        .filter("result gt 10 and Datastream/Thing/name eq 'Wedding'")
        .orderby("result")  # the client's default direction: DESC
        .top(2)
        .count()
        .list()
    )
    assert observations.count == 4
    assert [o.result for o in observations.entities] == [48.0, 31.0]
    assert observations.next_link is not None

    ascending = service.observations().query().orderby("phenomenonTime", "asc").top(3).list()
    assert [o.result for o in ascending.entities] == [31.0, 12.5, 48.0]

    near = (
        service.things()
        .query()
        .filter(
            "st_within(Locations/location, geography'POLYGON((13.3 52.5, 13.36 52.5, "
            "13.36 52.52, 13.3 52.52, 13.3 52.5))')"
        )
    )
    assert [t.name for t in near.list()] == ["Hardenbergplatz"]


def test_iteration_follows_next_links_over_every_page(service, settings):
    settings.STA_DEFAULT_TOP = 3
    thing = station(service, "Wedding")
    stream_id = m.Datastream.objects.get(thing_id=thing.id).pk
    results = [float(value) for value in range(10)]
    add_observations(service, stream_id, results)

    first_page = service.observations().query().count().list()
    assert len(first_page.entities) == 3
    assert first_page.count == 10
    assert [o.result for o in first_page] == results  # iteration loads the other pages
    assert len(first_page.entities) == 10

    datastream_page = service.datastreams().find(stream_id).get_observations().query().list()
    seen = [o.result for o in datastream_page if o.result >= 4]
    assert seen == results[4:]


def test_iteration_follows_next_links_inside_an_expanded_collection(service, settings):
    settings.STA_DEFAULT_TOP = 2
    thing = fsc.Thing(
        name="Kiezbox",
        description="many sensors in one box",
        locations=[location("Kiezbox", WEDDING)],
        datastreams=[
            datastream(f"stream {index}", sensor=sensor(), observed_property=no2())
            for index in range(5)
        ],
    )
    service.create(thing)
    (found,) = service.things().query().filter(f"id eq {thing.id}").expand("Datastreams").list()
    assert len(found.datastreams.entities) == 2
    assert found.datastreams.next_link is not None
    assert [d.name for d in found.datastreams] == [f"stream {index}" for index in range(5)]


def test_update_with_put_and_json_patch(service):
    thing = station(service, "Wedding")
    found = service.things().find(thing.id)
    found.name = "Wedding (MC010)"
    found.description = "Amrumer Straße"
    service.update(found)  # PUT of the whole entity
    again = service.things().find(thing.id)
    assert (again.name, again.description) == ("Wedding (MC010)", "Amrumer Straße")

    service.patch(again, [{"op": "replace", "path": "/properties/network", "value": "LUBW"}])
    assert service.things().find(thing.id).properties == {"network": "LUBW"}

    stream = service.datastreams().query().list().entities[0]
    stream.description = "hourly means, validated"
    service.update(stream)
    assert service.datastreams().find(stream.id).description == "hourly means, validated"


def test_delete_removes_the_entity_and_its_datastreams(service):
    thing = station(service, "Wedding")
    keep = station(service, "Hardenbergplatz", HARDENBERGPLATZ)
    stream_id = m.Datastream.objects.get(thing_id=thing.id).pk
    add_observations(service, stream_id, [1.0, 2.0])
    service.delete(service.things().find(thing.id))

    with pytest.raises(requests.HTTPError) as gone:
        service.things().find(thing.id)
    assert gone.value.response.status_code == 404
    assert [t.id for t in service.things().query().list()] == [keep.id]
    assert not m.Datastream.objects.filter(pk=stream_id).exists()
    assert not m.Observation.objects.filter(datastream_id=stream_id).exists()


def test_create_observations_with_the_data_array_document(service):
    wedding = station(service, "Wedding")
    hardenberg = station(service, "Hardenbergplatz", HARDENBERGPLATZ)
    first = fsc.Datastream(id=m.Datastream.objects.get(thing_id=wedding.id).pk)
    second = fsc.Datastream(id=m.Datastream.objects.get(thing_id=hardenberg.id).pk)
    feature = fsc.FeatureOfInterest(
        name="Wedding air",
        description="air at the station",
        encoding_type="application/geo+json",
        feature=WEDDING,
    )
    service.create(feature)

    with_feature = DataArrayValue()
    with_feature.datastream = first
    with_feature.components = {
        DataArrayValue.Property.PHENOMENON_TIME,
        DataArrayValue.Property.RESULT,
        DataArrayValue.Property.FEATURE_OF_INTEREST,
    }
    for hour, result in enumerate([20, 30]):
        with_feature.add_observation(
            fsc.Observation(
                phenomenon_time=START + timedelta(hours=hour),
                result=result,
                feature_of_interest=fsc.FeatureOfInterest(id=feature.id),
                datastream=first,
            )
        )
    # A row that names a FeatureOfInterest that does not exist fails alone.
    with_feature.add_observation(
        fsc.Observation(
            phenomenon_time=START + timedelta(hours=2),
            result=40,
            feature_of_interest=fsc.FeatureOfInterest(id=feature.id + 1000),
            datastream=first,
        )
    )
    without_feature = DataArrayValue()
    without_feature.datastream = second
    without_feature.components = {
        DataArrayValue.Property.PHENOMENON_TIME,
        DataArrayValue.Property.RESULT,
    }
    without_feature.add_observation(
        fsc.Observation(phenomenon_time=START, result=65, datastream=second)
    )
    document = DataArrayDocument()
    document.add_data_array_value(with_feature)
    document.add_data_array_value(without_feature)

    created = service.observations().create(document)

    links = [observation.self_link for observation in created]
    assert links[2] == "error"
    assert [link.rsplit("/", 1)[-1].startswith("Observations(") for link in links] == [
        True,
        True,
        False,
        True,
    ]
    observations = (
        service.observations().query().orderby("id", "asc").expand("FeatureOfInterest").list()
    )
    assert [(o.result, o.feature_of_interest.feature) for o in observations] == [
        (20, WEDDING),
        (30, WEDDING),
        (65, HARDENBERGPLATZ),
    ]
    assert [o.self_link for o in observations] == [links[0], links[1], links[3]]


def test_a_wrong_token_is_refused_and_nothing_is_written(live_server):
    auth = fsc.AuthHandler(username="device", password="sta_wrong")
    intruder = fsc.SensorThingsService(live_server.url + "/sta/v1.1", auth_handler=auth)
    with pytest.raises(requests.HTTPError) as refused:
        intruder.create(fsc.Thing(name="intruder", description="x"))
    assert refused.value.response.status_code == 401
    assert not m.Thing.objects.exists()
    reader = fsc.SensorThingsService(live_server.url + "/sta/v1.1")
    assert reader.things().query().list().entities == []
