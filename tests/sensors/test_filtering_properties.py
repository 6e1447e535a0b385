"""Properties: every typed random filter selects in SQL exactly the observations that the
reference evaluator selects on their plain-dict view, and no parsed filter makes the database
fail: the translation either runs or says UnsupportedQuery."""

from datetime import UTC, datetime, timedelta

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gemeinsam.sensors import models as m
from gemeinsam.sensors.query import FilterSyntaxError, matches, parse_filter, render
from gemeinsam.sensors.query.nodes import (
    Arithmetic,
    ArithmeticOp,
    Call,
    CompareOp,
    Comparison,
    Literal,
    Logical,
    LogicalOp,
    Negate,
    Not,
    Property,
)
from gemeinsam.sensors.sta.entities import BY_NAME
from gemeinsam.sensors.sta.filtering import UnsupportedQuery, filter_queryset

from .test_filtering import INSIDE, MEASUREMENT, OUTSIDE, SQUARE, observation_dict

pytestmark = [
    pytest.mark.django_db,
    # Hypothesis describes the strategies of syntax trees at length; the description is unused.
    pytest.mark.filterwarnings("ignore:Generating overly large repr"),
]

NOW = datetime(2024, 5, 3, 12, 0, tzinfo=UTC)
T0 = datetime(2024, 5, 1, tzinfo=UTC)
OBSERVATION = BY_NAME["Observation"]


def make_fixed():
    """Two Datastreams on two Things, two features: what random observations attach to."""
    sensor = m.Sensor.objects.create(
        name="S", description="", encoding_type="text/html", metadata="https://example.org"
    )
    prop = m.ObservedProperty.objects.create(name="T", definition="https://example.org/t")
    streams = []
    for name, description, props, extent in (
        ("Air T", "Neukölln", {"h": 3, "district": "a"}, (T0, T0 + timedelta(days=2))),
        ("Soil", " Linde ", None, (None, None)),
    ):
        thing = m.Thing.objects.create(
            name=name + " box", description=description, properties=props
        )
        streams.append(
            m.Datastream.objects.create(
                name=name,
                description="",
                observation_type=MEASUREMENT,
                unit_of_measurement={"symbol": "°C"},
                thing=thing,
                sensor=sensor,
                observed_property=prop,
                phenomenon_time_start=extent[0],
                phenomenon_time_end=extent[1],
            )
        )
    features = [
        m.FeatureOfInterest.objects.create(
            name=name, description="", encoding_type="application/geo+json", feature=feature
        )
        for name, feature in (("near", INSIDE), ("far", OUTSIDE))
    ]
    return streams, features


# Random observations

TEXTS = st.sampled_from(["", "a", "B", "ab", "aB", "high", "Äa", " a ", "b a"])
NUMBERS = st.one_of(st.integers(-6, 12), st.sampled_from([0.5, -1.5, 2.25, 7.5, 1000.0, 3.0, -0.0]))
JSON_SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXTS)
RESULTS = st.one_of(
    NUMBERS,
    TEXTS,
    st.booleans(),
    st.none(),
    st.fixed_dictionaries({"x": NUMBERS}),
    st.just([1, 2]),
)
PARAMETERS = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={
            "n": JSON_SCALARS,
            "s": TEXTS,
            "b": st.one_of(st.booleans(), st.none(), NUMBERS),
            "deep": st.fixed_dictionaries({}, optional={"x": JSON_SCALARS}),
        },
    ),
)
MINUTES = st.integers(0, 60 * 72)
DURATION_MINUTES = st.one_of(st.none(), st.integers(0, 60 * 30))


@st.composite
def observations(draw):
    start = T0 + timedelta(minutes=draw(MINUTES))
    length = draw(DURATION_MINUTES)
    result_time = draw(st.one_of(st.none(), st.integers(0, 10**6)))
    valid = draw(st.one_of(st.none(), st.tuples(MINUTES, st.integers(0, 600))))
    return {
        "stream": draw(st.integers(0, 1)),
        "feature": draw(st.integers(0, 1)),
        "phenomenon_time_start": start,
        "phenomenon_time_end": None if length is None else start + timedelta(minutes=length),
        "result_time": None
        if result_time is None
        else T0 + timedelta(seconds=result_time / 4, microseconds=result_time % 7 * 125000),
        "valid_time_start": None if valid is None else T0 + timedelta(minutes=valid[0]),
        "valid_time_end": None if valid is None else T0 + timedelta(minutes=sum(valid)),
        "result": draw(RESULTS),
        "parameters": draw(PARAMETERS),
    }


# Random filters, typed so that SQL and the evaluator both have something to compute


def prop(path: str) -> Property:
    return Property(tuple(path.split("/")))


def call(name: str, *args) -> Call:
    return Call(name, tuple(args))


DYNAMIC = [prop("result"), prop("parameters/n"), prop("parameters/deep/x")]
NUMBER_LEAVES = st.one_of(
    NUMBERS.map(Literal),
    st.sampled_from(
        [*DYNAMIC, prop("Datastream/Thing/properties/h"), prop("parameters/b"), prop("result/x")]
    ),
)
TEXT_LEAVES = st.one_of(
    TEXTS.map(Literal),
    st.sampled_from(
        [
            *DYNAMIC,
            prop("parameters/s"),
            prop("Datastream/name"),
            prop("Datastream/Thing/description"),
            prop("FeatureOfInterest/name"),
        ]
    ),
)
TIME_LEAVES = st.one_of(
    MINUTES.map(lambda minutes: Literal(T0 + timedelta(minutes=minutes))),
    st.sampled_from(
        [
            prop("phenomenonTime"),
            prop("resultTime"),
            prop("validTime"),
            prop("Datastream/phenomenonTime"),
            call("now"),
        ]
    ),
)
DURATIONS = st.integers(-600, 3000).map(lambda minutes: Literal(timedelta(minutes=minutes)))


def numbers_from(numbers, texts, times):
    return st.one_of(
        st.builds(Arithmetic, st.sampled_from(list(ArithmeticOp)), numbers, numbers),
        st.builds(Negate, numbers),
        st.builds(call, st.sampled_from(["round", "floor", "ceiling"]), numbers),
        st.builds(call, st.just("length"), texts),
        st.builds(call, st.just("indexof"), texts, texts),
        st.builds(
            call,
            st.sampled_from(["year", "month", "day", "hour", "minute", "second"]),
            times,
        ),
        st.builds(call, st.just("fractionalseconds"), times),
    )


def texts_from(texts, small):
    return st.one_of(
        st.builds(call, st.sampled_from(["tolower", "toupper", "trim"]), texts),
        st.builds(call, st.just("concat"), texts, texts),
        st.builds(call, st.just("substring"), texts, small),
        st.builds(call, st.just("substring"), texts, small, small),
    )


def times_from(times):
    return st.builds(
        Arithmetic, st.sampled_from([ArithmeticOp.ADD, ArithmeticOp.SUB]), times, DURATIONS
    )


# Mostly leaves and one level of functions: deep random trees are null for nearly every row.
SMALL = st.one_of(st.integers(-2, 5).map(Literal), st.sampled_from(DYNAMIC))
TIMES = st.one_of(TIME_LEAVES, TIME_LEAVES, times_from(TIME_LEAVES))
TEXTS_ = st.one_of(TEXT_LEAVES, TEXT_LEAVES, texts_from(TEXT_LEAVES, SMALL))
NUMBERS_ = st.one_of(
    NUMBER_LEAVES,
    NUMBER_LEAVES,
    numbers_from(NUMBER_LEAVES, TEXT_LEAVES, TIME_LEAVES),
    numbers_from(numbers_from(NUMBER_LEAVES, TEXT_LEAVES, TIME_LEAVES), TEXTS_, TIMES),
)
COMPARE = st.sampled_from(list(CompareOp))
GEO = st.sampled_from(
    [
        call("st_within", prop("FeatureOfInterest/feature"), Literal(shapely.from_wkt(SQUARE))),
        call("st_disjoint", Literal(shapely.from_wkt(SQUARE)), prop("FeatureOfInterest/feature")),
        Comparison(
            CompareOp.LT,
            call("geo.distance", prop("FeatureOfInterest/feature"), Literal(shapely.Point(14, 53))),
            Literal(0.5),
        ),
        call("st_intersects", prop("result"), Literal(shapely.Point(1, 2))),
    ]
)
PREDICATES = st.one_of(
    st.builds(Comparison, COMPARE, NUMBERS_, NUMBERS_),
    st.builds(Comparison, COMPARE, TEXTS_, TEXTS_),
    st.builds(Comparison, COMPARE, TIMES, TIMES),
    st.builds(
        Comparison,
        COMPARE,
        st.builds(Arithmetic, st.just(ArithmeticOp.SUB), TIMES, TIMES),
        DURATIONS,
    ),
    st.builds(
        Comparison,
        st.sampled_from([CompareOp.EQ, CompareOp.NE]),
        st.one_of(NUMBERS_, TEXTS_, TIMES),
        st.just(Literal(None)),
    ),
    st.builds(call, st.sampled_from(["substringof", "startswith", "endswith"]), TEXTS_, TEXTS_),
    st.sampled_from([prop("parameters/b"), prop("result"), prop("parameters/n")]),
    GEO,
)
FILTERS = st.recursive(
    PREDICATES,
    lambda inner: st.one_of(
        st.builds(Logical, st.sampled_from(list(LogicalOp)), inner, inner),
        st.builds(Not, inner),
    ),
    max_leaves=3,
)


def store(rows, streams, features) -> None:
    m.Observation.objects.all().delete()
    for row in rows:
        row = dict(row)
        observation = m.Observation(
            datastream=streams[row.pop("stream")],
            feature_of_interest=features[row.pop("feature")],
        )
        observation.result = row.pop("result")
        for name, value in row.items():
            setattr(observation, name, value)
        observation.save()


def agree(tree) -> None:
    rows = m.Observation.objects.select_related("datastream__thing", "feature_of_interest")
    expected = {row.id for row in rows if matches(tree, observation_dict(row), NOW)}
    found = filter_queryset(m.Observation.objects.all(), OBSERVATION, tree, NOW)
    assert set(found.values_list("id", flat=True)) == expected, render(tree)


def test_random_filters_agree_with_the_evaluator_on_random_observations():
    streams, features = make_fixed()

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        st.lists(observations(), min_size=6, max_size=14), st.lists(FILTERS, min_size=1, max_size=4)
    )
    def check(rows, trees):
        store(rows, streams, features)
        for tree in trees:
            agree(tree)
            agree(parse_filter(render(tree)))  # the text form means the same

    check()


TOKENS = [
    "result", "phenomenonTime", "validTime", "resultTime", "parameters/n", "@iot.id",
    "Datastream/Thing/name", "Datastream/name", "FeatureOfInterest/feature", "Datastream",
    "foo", "and", "or", "not", "eq", "ne", "gt", "lt", "add", "sub", "mul", "div", "mod", "(",
    ")", ",", "-", "'text'", "1", "0", "2.5", "1e3", "true", "null", "2024-05-01T00:00:00Z",
    "2024-05-01", "12:00", "duration'P1D'", "geography'POINT(14 53)'", "substringof",
    "substring", "round", "now", "geo.distance", "st_within", "year", "fractionalseconds",
    "mindatetime", "maxdatetime", "length", "concat", "date", "time", "tolower", "indexof",
    "totaloffsetminutes", "ceiling", "st_relate", "'T********'", "geo.length", "1e999", "1e308",
    "duration'P3652000D'", "1e-308", "9999-12-31T23:59:59Z", "validTime",
]  # fmt: skip


def test_parsed_filters_run_or_are_refused_with_a_reason():
    streams, features = make_fixed()
    store(
        [
            {
                "stream": 0,
                "feature": 0,
                "phenomenon_time_start": T0,
                "phenomenon_time_end": None,
                "result": 3,
                "parameters": {"n": 2},
            },
            {
                "stream": 1,
                "feature": 1,
                "phenomenon_time_start": T0,
                "phenomenon_time_end": T0 + timedelta(hours=1),
                "result": "x",
                "result_time": T0,
            },
        ],
        streams,
        features,
    )

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=12))
    def check(tokens):
        try:
            tree = parse_filter(" ".join(tokens))
        except FilterSyntaxError:
            return
        try:
            agree(tree)
        except UnsupportedQuery as refused:
            assert refused.message

    check()
