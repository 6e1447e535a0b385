"""The reference evaluator follows OData semantics on plain dicts, with an injected clock."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import shapely

from gemeinsam.sensors.query import evaluate, matches, parse_filter

pytestmark = pytest.mark.pure

NOW = datetime(2024, 5, 17, 12, 0, tzinfo=UTC)

OBSERVATION = {
    "@iot.id": 7,
    "result": 31.6,
    "phenomenonTime": datetime(
        2015, 6, 1, 23, 30, 15, 250_000, tzinfo=timezone(timedelta(hours=-2))
    ),
    "name": "Temperature Kiezbox",
    "description": "Air temperature",
    "location": {"type": "Point", "coordinates": [20, 25]},
    "properties": {"owner": "Bezirksamt", "height": 3},
    "Datastream": {
        "name": "Air T",
        "Thing": {"name": "Kiezbox 12", "properties": {"district": "Neukölln"}},
        "ObservedProperty": {"@iot.id": 4},
    },
}


def value(text: str, entity=OBSERVATION):
    return evaluate(parse_filter(text), entity, NOW)


@pytest.mark.parametrize(
    "text",
    [
        "result lt 40.00",
        "round(result) eq 32",
        "floor(result) eq 31",
        "ceiling(result) eq 32",
        "substringof('Temp', name)",
        "startswith(name, 'Temp') and endswith(name, 'box')",
        "length(description) le 20",
        "indexof(name, 'Kiez') eq 12",
        "substring(name, 12) eq 'Kiezbox'",
        "substring(name, 0, 4) eq 'Temp'",
        "tolower(name) eq 'temperature kiezbox' and toupper('a') eq 'A'",
        "trim('  x ') eq 'x' and concat(name, '!') eq 'Temperature Kiezbox!'",
        "Datastream/Thing/name eq 'Kiezbox 12'",
        "Datastream/ObservedProperty/@iot.id eq 4 and @iot.id eq 7",
        "properties/owner eq 'Bezirksamt' and properties/height ge 3",
        "Datastream/Thing/properties/district eq 'Neukölln'",
        "(result add 5) mul 2 gt 10",
        "not (result eq 3)",
        "geo.intersects(location, geography'POLYGON((30 10, 10 20, 20 40, 40 40, 30 10))')",
        "st_within(location, geography'POLYGON((30 10, 10 20, 20 40, 40 40, 30 10))')",
        "st_contains(geography'POLYGON((0 0, 50 0, 50 50, 0 50, 0 0))', location)",
        "st_disjoint(location, geography'POINT(0 0)')",
        "st_equals(location, geography'POINT(20 25)')",
        "st_relate(location, geography'POINT(20 25)', 'T********')",
        "geo.distance(location, geography'POINT(23 29)') eq 5",
        "geo.length(geography'LINESTRING(0 0, 3 4)') eq 5",
        # Date parts are taken in UTC: 23:30 at -02:00 is 01:30 on the next day.
        "year(phenomenonTime) eq 2015 and month(phenomenonTime) eq 6",
        "day(phenomenonTime) eq 2 and hour(phenomenonTime) eq 1",
        "minute(phenomenonTime) eq 30 and second(phenomenonTime) eq 15",
        "fractionalseconds(phenomenonTime) eq 0.25",
        "totaloffsetminutes(phenomenonTime) eq -120",
        "date(phenomenonTime) eq 2015-06-02 and time(phenomenonTime) eq 01:30:15.25",
        "phenomenonTime ge 2015-06-01T00:00:00.000Z and phenomenonTime lt 2015-06-03T00:00:00Z",
        "phenomenonTime lt now() and now() eq 2024-05-17T14:00:00+02:00",
        "phenomenonTime add duration'P1D' gt 2015-06-02T12:00:00Z",
        "now() sub phenomenonTime gt duration'P3000D'",
        "mindatetime() lt phenomenonTime and phenomenonTime lt maxdatetime()",
        "7 div 2 eq 3 and -7 div 2 eq -3 and 7.0 div 2 eq 3.5",
        "-7 mod 2 eq -1 and 7 mod -2 eq 1",
        "round(2.5) eq 3 and round(-2.5) eq -3 and round(2.4) eq 2",
        "missing eq null and result ne null",
    ],
)
def test_true_on_the_example_observation(text):
    assert value(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "missing gt 1",
        "missing lt 1",
        "missing eq 1",
        "result eq null",
        "result eq 'x'",
        "name gt 3",
        "result div 0 eq null and false",
        "st_overlaps(location, geography'POINT(20 25)')",
        "date(phenomenonTime) eq 2015-06-02T00:00:00Z",
    ],
)
def test_false_on_the_example_observation(text):
    assert value(text) is False


def test_null_propagates_and_logic_is_three_valued():
    assert value("missing add 1") is None
    assert value("length(missing)") is None
    assert value("result div 0") is None
    assert value("not missing") is None
    assert value("missing and false") is False
    assert value("missing or true") is True
    assert value("missing and true") is None
    assert not matches(parse_filter("missing and true"), OBSERVATION, NOW)
    # A comparison with null is false, so its negation is true (OData 4.01 5.1.1.1).
    assert matches(parse_filter("not (missing gt 1)"), OBSERVATION, NOW)


def test_naive_date_times_count_as_utc():
    entity = {"phenomenonTime": datetime(2020, 1, 1, 0, 30)}
    assert value("phenomenonTime eq 2020-01-01T01:30:00+01:00", entity) is True
    assert value("hour(phenomenonTime) eq 0", entity) is True


def test_shapely_geometries_and_a_path_through_a_non_mapping():
    entity = {"location": shapely.Point(1, 1), "Datastream": "not an object"}
    assert value("geo.distance(location, geography'POINT(4 5)') eq 5", entity) is True
    assert value("Datastream/name eq null", entity) is True
    assert value("geo.intersects(missing, location)", entity) is None
    assert value("geo.length(name)", {"name": "x"}) is None


def test_overflow_gives_null():
    assert value("duration'P999999999D' add duration'P999999999D'") is None
    assert value("maxdatetime() add duration'P1D'") is None
    assert value("1e308 mul 10") is None
    assert value("99999999999 mul 99999999999 gt 1") is True


def test_now_is_the_injected_clock():
    tree = parse_filter("now() eq 2030-01-01T00:00:00Z")
    assert evaluate(tree, {}, datetime(2030, 1, 1, tzinfo=UTC)) is True
    assert evaluate(tree, {}, NOW) is False


def test_dates_and_date_times_do_not_compare():
    assert value("date(phenomenonTime) lt 2016-01-01") is True
    assert evaluate(parse_filter("d eq 2015-06-02"), {"d": date(2015, 6, 2)}, NOW) is True
    assert (
        evaluate(parse_filter("d gt 2015-06-02T00:00:00Z"), {"d": date(2015, 6, 2)}, NOW) is False
    )
