"""`$filter` and `$orderby` as ORM queries: examples per feature on real rows, each also checked
against the reference evaluator on the same entities as plain dicts."""

from datetime import UTC, datetime, timedelta

import pytest

from gemeinsam.sensors import models as m
from gemeinsam.sensors.query import matches, parse_filter, parse_orderby
from gemeinsam.sensors.query.evaluate import Interval
from gemeinsam.sensors.sta.entities import BY_NAME
from gemeinsam.sensors.sta.filtering import UnsupportedQuery, filter_queryset, order_queryset

pytestmark = pytest.mark.django_db

NOW = datetime(2024, 5, 17, 12, 0, tzinfo=UTC)
T0 = datetime(2024, 5, 1, 0, 0, tzinfo=UTC)
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
INSIDE = {"type": "Point", "coordinates": [13.05, 52.05]}
OUTSIDE = {"type": "Point", "coordinates": [14.0, 53.0]}
SQUARE = "POLYGON((13 52, 13.1 52, 13.1 52.1, 13 52.1, 13 52))"


def interval(value_start, value_end):
    if value_start is None:
        return None
    return value_start if value_end is None else Interval(value_start, value_end)


def thing_dict(thing: m.Thing) -> dict:
    return {
        "@iot.id": thing.id,
        "name": thing.name,
        "description": thing.description,
        "properties": thing.properties,
    }


def datastream_dict(stream: m.Datastream) -> dict:
    return {
        "@iot.id": stream.id,
        "name": stream.name,
        "description": stream.description,
        "observationType": stream.observation_type,
        "unitOfMeasurement": stream.unit_of_measurement,
        "observedArea": stream.observed_area,
        "phenomenonTime": interval(stream.phenomenon_time_start, stream.phenomenon_time_end),
        "resultTime": interval(stream.result_time_start, stream.result_time_end),
        "properties": stream.properties,
        "Thing": thing_dict(stream.thing),
    }


def observation_dict(observation: m.Observation) -> dict:
    """The plain-dict view of an Observation that the evaluator reads."""
    foi = observation.feature_of_interest
    return {
        "@iot.id": observation.id,
        "phenomenonTime": interval(
            observation.phenomenon_time_start, observation.phenomenon_time_end
        ),
        "resultTime": observation.result_time,
        "result": observation.result,
        "resultQuality": observation.result_quality,
        "validTime": interval(observation.valid_time_start, observation.valid_time_end),
        "parameters": observation.parameters,
        "Datastream": datastream_dict(observation.datastream) if observation.datastream else None,
        "FeatureOfInterest": {
            "@iot.id": foi.id,
            "name": foi.name,
            "description": foi.description,
            "encodingType": foi.encoding_type,
            "feature": foi.feature,
            "properties": foi.properties,
        },
    }


def oracle_ids(text_or_tree, now=NOW) -> set[int]:
    tree = parse_filter(text_or_tree) if isinstance(text_or_tree, str) else text_or_tree
    rows = m.Observation.objects.select_related(
        "datastream__thing", "feature_of_interest"
    ).order_by("id")
    return {row.id for row in rows if matches(tree, observation_dict(row), now)}


def orm_ids(text_or_tree, et_name="Observation", now=NOW) -> set[int]:
    tree = parse_filter(text_or_tree) if isinstance(text_or_tree, str) else text_or_tree
    et = BY_NAME[et_name]
    return set(filter_queryset(et.model.objects.all(), et, tree, now).values_list("id", flat=True))


def make_world():
    """Two Things with Locations and Datastreams, and observations of every kind of result."""
    sensor = m.Sensor.objects.create(
        name="S", description="", encoding_type="text/html", metadata="https://example.org"
    )
    prop = m.ObservedProperty.objects.create(name="T", definition="https://example.org/t")
    kiez = m.Thing.objects.create(
        name="Kiezbox 12", description="Neukölln", properties={"district": "Neukölln", "h": 3}
    )
    tree = m.Thing.objects.create(name="Baum", description="Linde", properties=None)
    for thing, point in ((kiez, INSIDE), (tree, OUTSIDE)):
        location = m.Location.objects.create(
            name=f"{thing.name} site",
            description="",
            encoding_type="application/geo+json",
            location=point,
        )
        thing.locations.add(location)
    air = m.Datastream.objects.create(
        name="Air T",
        description="air",
        observation_type=MEASUREMENT,
        unit_of_measurement={"symbol": "°C", "name": "degree Celsius"},
        thing=kiez,
        sensor=sensor,
        observed_property=prop,
        phenomenon_time_start=T0,
        phenomenon_time_end=T0 + timedelta(days=3),
    )
    soil = m.Datastream.objects.create(
        name="Soil moisture",
        description="soil",
        observation_type=MEASUREMENT,
        unit_of_measurement={"symbol": "%"},
        thing=tree,
        sensor=sensor,
        observed_property=prop,
    )
    near = m.FeatureOfInterest.objects.create(
        name="near", description="", encoding_type="application/geo+json", feature=INSIDE
    )
    far = m.FeatureOfInterest.objects.create(
        name="far", description="", encoding_type="application/geo+json", feature=OUTSIDE
    )
    rows = {}

    def observe(key, stream, result, hours, *, end_hours=None, foi=near, **fields):
        observation = m.Observation(
            datastream=stream,
            feature_of_interest=foi,
            phenomenon_time_start=T0 + timedelta(hours=hours),
            phenomenon_time_end=None if end_hours is None else T0 + timedelta(hours=end_hours),
            parameters={"key": key, **fields.pop("parameters", {})},
            **fields,
        )
        observation.result = result
        observation.save()
        rows[key] = observation.id

    observe("a", air, 5, 0, parameters={"n": 1, "flag": True, "deep": {"x": 1.5}})
    observe("b", air, 7.5, 1, end_hours=2, parameters={"n": 2.5, "flag": False})
    observe("c", air, -3, 2, result_time=T0 + timedelta(hours=2, seconds=15, microseconds=250000))
    observe("d", air, "high", 3, parameters={"n": "2", "owner": "Bezirksamt"})
    observe("e", air, True, 4, foi=far)
    observe("f", soil, None, 5, foi=far, parameters={"n": None})
    observe("g", soil, {"depth": 30, "value": 12}, 6, end_hours=30)
    observe("h", soil, 12, 26, valid_time_start=T0, valid_time_end=T0 + timedelta(days=2))
    return {"rows": rows, "air": air, "soil": soil, "kiez": kiez, "tree": tree}


@pytest.fixture
def world():
    return make_world()


def keys(world, ids: set[int]) -> str:
    by_id = {v: k for k, v in world["rows"].items()}
    return "".join(sorted(by_id[i] for i in ids))


CASES = [
    # comparisons and null
    ("result gt 5", "bh"),
    ("result ge 5", "abh"),
    ("result eq 'high'", "d"),
    ("result lt 'i'", "d"),
    ("result eq true", "e"),
    ("result eq null", "f"),
    ("result ne null", "abcdegh"),
    ("not (result gt 5)", "acdefg"),
    ("result ne 5", "bcdefgh"),
    ("resultTime eq null", "abdefgh"),
    ("resultTime ne null and not (resultTime lt 2024-05-01T02:00:00Z)", "c"),
    ("result/depth eq 30", "g"),
    # logic: three-valued
    ("result gt 5 or result eq 'high'", "bdh"),
    ("not (result gt 0 and result lt 10)", "cdefgh"),
    ("not (parameters/flag)", "b"),
    ("parameters/flag", "a"),
    ("parameters/flag eq false or result lt 0", "bc"),
    ("not (parameters/flag or result lt 0)", "b"),
    # JSON properties: numbers as numbers, strings as strings
    ("parameters/n gt 1", "b"),
    ("parameters/n eq '2'", "d"),
    ("parameters/n eq null", "cefgh"),
    ("parameters/deep/x eq 1.5", "a"),
    ("parameters/owner eq 'Bezirksamt'", "d"),
    ("parameters/key/x eq null", "abcdefgh"),
    ("Datastream/unitOfMeasurement/symbol eq '°C'", "abcde"),
    ("Datastream/Thing/properties/district eq 'Neukölln'", "abcde"),
    ("Datastream/Thing/properties/h add 1 eq 4", "abcde"),
    # intervals, FROST rules
    ("phenomenonTime ge 2024-05-01T01:00:00Z", "bcdefgh"),
    ("phenomenonTime gt 2024-05-01T01:00:00Z", "cdefgh"),
    ("phenomenonTime lt 2024-05-01T02:00:00Z", "a"),
    ("phenomenonTime le 2024-05-01T02:00:00Z", "abc"),
    ("phenomenonTime eq 2024-05-01T01:00:00Z", ""),
    ("phenomenonTime eq 2024-05-01T02:00:00Z", "c"),
    ("phenomenonTime ne 2024-05-01T02:00:00Z", "abdefgh"),
    ("2024-05-01T01:30:00Z lt phenomenonTime", "cdefgh"),
    ("phenomenonTime ge 2024-05-01T06:00:00Z and phenomenonTime lt 2024-05-02T06:00:00Z", "h"),
    ("validTime ge 2024-05-01T00:00:00Z", "h"),
    ("validTime lt 2024-05-03T00:00:01Z", "h"),
    ("phenomenonTime lt validTime", ""),
    ("Datastream/phenomenonTime gt 2024-04-30T00:00:00Z", "abcde"),
    ("Datastream/phenomenonTime eq null", "fgh"),
    # arithmetic
    ("result add 1 eq 6", "a"),
    ("result div 2 eq 2", "a"),
    ("result div 2 eq 3.75", "b"),
    ("result mod 4 eq -3", "c"),
    ("result mod 2 eq 1.5", "b"),
    ("result div 0 eq null", "abcdefgh"),
    ("-result eq 3", "c"),
    ("result mul 2 sub 1 gt 14", "h"),
    ("phenomenonTime add duration'PT1H' eq 2024-05-01T01:00:00Z", "a"),
    ("phenomenonTime sub 2024-05-01T00:00:00Z gt duration'PT3H'", "efh"),
    ("now() sub phenomenonTime lt duration'P16D'", "h"),
    # beyond the doubles and years 1 to 9999: null, not a failed query
    ("result mul 1e308 gt 0", ""),
    ("result div 1e-308 ne null", ""),
    ("result add 1.7e308 gt 0", "abch"),
    ("result mod 1e999 eq 5", "a"),
    ("1e999 gt result", "abch"),
    ("phenomenonTime add duration'P3652000D' eq null", "abcdefgh"),
    ("phenomenonTime sub duration'P738000D' lt 2000-01-01T00:00:00Z", "acdefh"),
    ("phenomenonTime sub duration'P740000D' eq null", "abcdefgh"),
    ("phenomenonTime sub duration'-P2900000D' gt 9000-01-01T00:00:00Z", "acdefh"),
    # string functions
    ("substringof('ir', Datastream/name)", "abcde"),
    ("startswith(Datastream/name, 'Air')", "abcde"),
    ("endswith(Datastream/name, 'ture')", "fgh"),
    ("endswith(Datastream/name, '')", "abcdefgh"),
    ("length(result) eq 4", "d"),
    ("indexof(result, 'ig') eq 1", "d"),
    ("substring(result, 1) eq 'igh'", "d"),
    ("substring(result, 1, 2) eq 'ig'", "d"),
    ("substring(result, -1, 2) eq 'hi'", "d"),
    ("substring(result, 1.0) eq 'igh'", ""),
    ("tolower(Datastream/Thing/description) eq 'neukölln'", "abcde"),
    ("toupper(Datastream/Thing/description) eq 'NEUKÖLLN'", "abcde"),
    ("trim(concat(' ', result)) eq 'high'", "d"),
    ("concat(result, null) eq null", "abcdefgh"),
    ("result lt 'Z'", ""),
    # date functions
    ("year(resultTime) eq 2024 and month(resultTime) eq 5 and day(resultTime) eq 1", "c"),
    ("hour(resultTime) eq 2 and minute(resultTime) eq 0 and second(resultTime) eq 15", "c"),
    ("fractionalseconds(resultTime) eq 0.25", "c"),
    ("date(resultTime) eq 2024-05-01 and time(resultTime) eq 02:00:15.25", "c"),
    ("totaloffsetminutes(resultTime) eq 0", "c"),
    ("hour(phenomenonTime) eq 2", "ch"),
    ("hour(phenomenonTime) eq null", "bg"),
    ("resultTime lt now() and mindatetime() lt resultTime and resultTime lt maxdatetime()", "c"),
    # rounding
    ("round(result) eq 8 and floor(result) eq 7 and ceiling(result) eq 8", "b"),
    ("round(result div 4) eq 2", "b"),
    ("round(-result) eq 3", "c"),
    # identifiers and navigation
    ("Datastream/Thing/name eq 'Baum'", "fgh"),
    ("FeatureOfInterest/name eq 'far'", "ef"),
    # geospatial
    (f"st_within(FeatureOfInterest/feature, geography'{SQUARE}')", "abcdgh"),
    (f"not st_within(FeatureOfInterest/feature, geography'{SQUARE}')", "ef"),
    (f"st_intersects(geography'{SQUARE}', FeatureOfInterest/feature)", "abcdgh"),
    ("geo.distance(FeatureOfInterest/feature, geography'POINT(14 53)') lt 0.5", "ef"),
    ("geo.intersects(FeatureOfInterest/feature, geography'POINT(14 53)')", "ef"),
    ("st_equals(FeatureOfInterest/feature, geography'POINT(14 53)')", "ef"),
    (f"st_disjoint(FeatureOfInterest/feature, geography'{SQUARE}')", "ef"),
    ("geo.length(FeatureOfInterest/feature) eq 0", "abcdefgh"),
    ("st_relate(FeatureOfInterest/feature, geography'POINT(14 53)', 'T********')", "ef"),
    # constants
    ("true", "abcdefgh"),
    ("1 eq 2 or null", ""),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_filter_selects_what_the_evaluator_selects(world, text, expected):
    assert keys(world, orm_ids(text)) == expected
    assert keys(world, oracle_ids(text)) == expected


def test_integer_ids_compare_as_numbers(world):
    first = world["rows"]["a"]
    assert orm_ids(f"@iot.id eq {first}") == {first}
    assert orm_ids(f"id le {first}") == {first}
    assert orm_ids(f"Datastream/@iot.id eq {world['air'].id}") == orm_ids("result ne 12") - {
        world["rows"][k] for k in "fg"
    }


THING_CASES = [
    ("Datastreams/name eq 'Air T'", {"Kiezbox 12"}),
    ("not (Datastreams/name eq 'Air T')", {"Baum"}),
    ("Datastreams/Observations/result gt 10", {"Baum"}),
    ("Datastreams/Observations/result eq 'high'", {"Kiezbox 12"}),
    ("Datastreams/Observations/result gt 0 and Datastreams/name eq 'Soil moisture'", {"Baum"}),
    ("Datastreams/Observations/FeatureOfInterest/name eq 'far'", {"Kiezbox 12", "Baum"}),
    ("Datastreams/name eq name", set()),
    ("startswith(Datastreams/name, substring(name, 0, 1))", set()),
    ("Locations/name eq concat(name, ' site')", {"Kiezbox 12", "Baum"}),
    (f"st_within(Locations/location, geography'{SQUARE}')", {"Kiezbox 12"}),
    ("properties/district eq 'Neukölln'", {"Kiezbox 12"}),
    ("properties eq null", {"Baum"}),
]


@pytest.mark.parametrize(("text", "expected"), THING_CASES)
def test_to_many_paths_match_when_any_related_entity_does(world, text, expected):
    things = filter_queryset(m.Thing.objects.all(), BY_NAME["Thing"], parse_filter(text), NOW)
    names = list(things.values_list("name", flat=True))
    assert set(names) == expected
    assert len(names) == len(set(names))  # EXISTS, not a join: no duplicate rows


def test_to_many_from_the_other_side(world):
    locations = filter_queryset(
        m.Location.objects.all(),
        BY_NAME["Location"],
        parse_filter("Things/Datastreams/name eq 'Soil moisture'"),
        NOW,
    )
    assert list(locations.values_list("name", flat=True)) == ["Baum site"]
    streams = filter_queryset(
        m.Datastream.objects.all(),
        BY_NAME["Datastream"],
        parse_filter("Thing/Locations/name eq 'Kiezbox 12 site' and Observations/result gt 5"),
        NOW,
    )
    assert list(streams.values_list("name", flat=True)) == ["Air T"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("foo eq 1", "Observations have no property 'foo'"),
        ("Datastream/Thing/foo eq 1", "Things have no property 'foo'"),
        ("Datastream eq 1", "Datastream is a navigation property"),
        ("resultTime/x eq 1", "resultTime of Observations has no properties of its own"),
        ("phenomenonTime gt 'yesterday'", "cannot compare a date-time with a string"),
        ("Datastream/name eq 5", "cannot compare a string with a number"),
        ("length(phenomenonTime) eq 5", "length() takes a string, not a date-time"),
        ("Datastream/name add 1 eq 5", "cannot add a string and a number"),
        ("year(Datastream/name) eq 5", "year() takes a date-time or a date, not a string"),
        ("st_within(Datastream/name, geography'POINT(1 2)')", "st_within() takes geometries"),
    ],
)
def test_filters_the_server_cannot_answer_say_why(world, text, message):
    with pytest.raises(UnsupportedQuery) as error:
        orm_ids(text)
    assert error.value.message.startswith(message)


def test_to_many_paths_cannot_order():
    with pytest.raises(UnsupportedQuery, match="leads to many entities"):
        order_queryset(m.Thing.objects.all(), BY_NAME["Thing"], parse_orderby("Datastreams/name"))


def ordered(world, text: str) -> str:
    et = BY_NAME["Observation"]
    qs = order_queryset(m.Observation.objects.all(), et, parse_orderby(text) if text else ())
    return keys_in_order(world, list(qs.values_list("id", flat=True)))


def keys_in_order(world, ids: list[int]) -> str:
    by_id = {v: k for k, v in world["rows"].items()}
    return "".join(by_id[i] for i in ids)


def test_order_by_time_result_and_id(world):
    assert ordered(world, "") == "abcdefgh"
    assert ordered(world, "phenomenonTime desc") == "hgfedcba"
    assert ordered(world, "result") == ordered(world, "result asc")
    numbers = ordered(world, "result")
    assert numbers.index("c") < numbers.index("a") < numbers.index("b") < numbers.index("h")
    assert ordered(world, "resultTime desc")[0] == "c"  # nulls sort low
    assert ordered(world, "resultTime")[-1] == "c"
    assert ordered(world, "Datastream/name desc, phenomenonTime desc") == "hgfedcba"
    assert ordered(world, "parameters/n desc")[:2] == "ba"


def test_now_is_the_given_clock(world):
    assert keys(world, orm_ids("phenomenonTime lt now()", now=T0)) == ""
    later = T0 + timedelta(hours=1, minutes=30)
    assert keys(world, orm_ids("phenomenonTime lt now()", now=later)) == "a"


def test_quoted_ids_compare_as_numbers_but_json_keys_named_id_stay_strings():
    from gemeinsam.sensors.query import parse_filter
    from gemeinsam.sensors.query.nodes import Literal
    from gemeinsam.sensors.sta.filtering import quoted_ids

    things = BY_NAME["Thing"]
    converted = quoted_ids(parse_filter("Datastreams/id eq '7'"), things)
    assert converted.right == Literal(7)
    kept = quoted_ids(parse_filter("properties/id eq '7'"), things)
    assert kept.right == Literal("7")
