"""Properties: any text parses or fails cleanly; rendered trees parse back to the same meaning."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gemeinsam.sensors.query import FilterSyntaxError, evaluate, parse_filter, render
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

pytestmark = pytest.mark.pure

TOKENS = [
    "result", "name", "phenomenonTime", "Datastream/Thing/name", "@iot.id", "and", "or",
    "not", "eq", "ne", "gt", "lt", "add", "sub", "mul", "div", "mod", "(", ")", ",", "-",
    "/", "'", "''", "'text'", "1", "2.5", "1e3", "true", "null", "2016-11-24T00:00:00Z",
    "2016-11-24", "12:00", "duration'P1D'", "geography'POINT(1 2)'", "geography'POINT(1)'",
    "substringof", "substring", "round", "now", "geo.distance", "st_relate", "year", "$", "@",
    "duration'P999999999D'", "99999999999", "1e308", "mindatetime", "maxdatetime", "floor",
    "length", "concat", "date", "time", "12:00:00", "location", "st_within", "geo.length",
]  # fmt: skip


def parses_or_fails_cleanly(text: str) -> None:
    try:
        parse_filter(text)
    except FilterSyntaxError as error:
        assert 0 <= error.position <= len(text)


@given(st.text())
def test_arbitrary_text_parses_or_raises_a_syntax_error(text):
    parses_or_fails_cleanly(text)


@given(st.lists(st.sampled_from(TOKENS), max_size=30), st.sampled_from([" ", ""]))
def test_token_soup_parses_or_raises_a_syntax_error(tokens, glue):
    parses_or_fails_cleanly(glue.join(tokens))


SAMPLE = {
    "result": 2.5,
    "name": "Kiezbox",
    "phenomenonTime": datetime(2016, 11, 24, tzinfo=UTC),
    "location": {"type": "Point", "coordinates": [1, 2]},
    "Datastream": {"Thing": {"name": "Box"}},
    "@iot.id": 3,
}


@settings(max_examples=300)
@given(st.lists(st.sampled_from(TOKENS), max_size=20))
def test_whatever_parses_evaluates_without_raising(tokens):
    try:
        tree = parse_filter(" ".join(tokens))
    except FilterSyntaxError:
        return
    evaluate(tree, SAMPLE, datetime(2024, 1, 1, tzinfo=UTC))


@settings(deadline=None)
@given(
    st.integers(0, 3000),
    st.sampled_from(["(", "not ", "-", "round(", "(not ", "1 add ", "concat(name, "]),
    st.booleans(),
)
def test_deep_nesting_parses_or_raises_a_syntax_error(depth, opener, closed):
    closer = ")" * opener.count("(") * depth if closed else ""
    parses_or_fails_cleanly(opener * depth + "result" + closer)


# Well-formed trees over result (number or null), phenomenonTime and name.

finite = st.floats(allow_nan=False, allow_infinity=False)
moments = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)

numbers = st.deferred(
    lambda: st.one_of(
        st.just(Property(("result",))),
        st.builds(Literal, finite | st.integers(-1000, 1000)),
        st.builds(
            lambda f, arg: Call(f, (arg,)), st.sampled_from(["round", "floor", "ceiling"]), numbers
        ),
        st.builds(lambda arg: Call("length", (arg,)), strings),
        st.builds(lambda a, b: Call("indexof", (a, b)), strings, strings),
        st.builds(
            lambda f, arg: Call(f, (arg,)),
            st.sampled_from(["year", "month", "day", "hour", "minute", "second"]),
            moments_expr,
        ),
        st.builds(Arithmetic, st.sampled_from(ArithmeticOp), numbers, numbers),
        st.builds(Negate, st.builds(Arithmetic, st.sampled_from(ArithmeticOp), numbers, numbers)),
        st.builds(Negate, st.just(Property(("result",)))),
    )
)
strings = st.deferred(
    lambda: st.one_of(
        st.just(Property(("name",))),
        st.builds(Literal, st.text(max_size=8)),
        st.builds(
            lambda f, arg: Call(f, (arg,)), st.sampled_from(["tolower", "toupper", "trim"]), strings
        ),
        st.builds(lambda a, b: Call("concat", (a, b)), strings, strings),
        st.builds(
            lambda s, args: Call("substring", (s, *map(Literal, args))),
            strings,
            st.lists(st.integers(-3, 10), min_size=1, max_size=2),
        ),
    )
)
moments_expr = st.deferred(
    lambda: st.one_of(
        st.just(Property(("phenomenonTime",))),
        st.builds(Literal, moments),
        st.just(Call("now", ())),
        st.builds(
            Arithmetic,
            st.sampled_from([ArithmeticOp.ADD, ArithmeticOp.SUB]),
            moments_expr,
            st.builds(
                Literal,
                st.timedeltas(min_value=timedelta(days=-900), max_value=timedelta(days=900)),
            ),
        ),
    )
)
predicates = st.deferred(
    lambda: st.one_of(
        st.builds(Comparison, st.sampled_from(CompareOp), numbers, numbers),
        st.builds(Comparison, st.sampled_from(CompareOp), strings, strings),
        st.builds(Comparison, st.sampled_from(CompareOp), moments_expr, moments_expr),
        st.builds(
            Comparison,
            st.sampled_from([CompareOp.EQ, CompareOp.NE]),
            numbers,
            st.just(Literal(None)),
        ),
        st.builds(
            lambda f, a, b: Call(f, (a, b)),
            st.sampled_from(["substringof", "startswith", "endswith"]),
            strings,
            strings,
        ),
        st.builds(Logical, st.sampled_from(LogicalOp), predicates, predicates),
        st.builds(Not, predicates),
    )
)
entities = st.fixed_dictionaries(
    {
        "result": st.none() | finite | st.integers(-100, 100),
        "phenomenonTime": moments,
        "name": st.text(max_size=8),
    }
)


@settings(max_examples=300, deadline=None)
@given(predicates, st.lists(entities, min_size=1, max_size=4), moments)
def test_rendered_filters_parse_back_to_the_same_meaning(tree, population, now):
    text = render(tree)
    parsed = parse_filter(text)
    assert parsed == tree, text
    for entity in population:
        assert evaluate(parsed, entity, now) == evaluate(tree, entity, now), text
