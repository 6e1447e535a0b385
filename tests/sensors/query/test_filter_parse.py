"""`$filter` examples of OGC 18-088 9.3.3.5 parse into the expected trees; errors point home."""

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
import shapely

from gemeinsam.sensors.query import FilterSyntaxError, parse_filter, render
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


def prop(*path: str) -> Property:
    return Property(path)


def test_result_less_than_decimal_is_a_float_comparison():
    assert parse_filter("result lt 10.00") == Comparison(
        CompareOp.LT, prop("result"), Literal(10.0)
    )
    assert isinstance(parse_filter("result lt 10.00").right.value, float)
    assert isinstance(parse_filter("result lt 10").right.value, int)


def test_navigation_paths_annotations_and_json_properties():
    assert parse_filter("Datastreams/Observations/result gt 5").left == prop(
        "Datastreams", "Observations", "result"
    )
    assert parse_filter("Datastream/ObservedProperty/@iot.id eq 3").left == prop(
        "Datastream", "ObservedProperty", "@iot.id"
    )
    assert parse_filter("@iot.id eq 3").left == prop("@iot.id")
    assert parse_filter("properties/owner eq 'BVG'") == Comparison(
        CompareOp.EQ, prop("properties", "owner"), Literal("BVG")
    )


def test_substringof_takes_the_substring_first():
    assert parse_filter("substringof('Temp', name)") == Call(
        "substringof", (Literal("Temp"), prop("name"))
    )


def test_geography_literal_is_a_shapely_geometry():
    tree = parse_filter(
        "geo.intersects(location, geography'POLYGON((30 10, 10 20, 20 40, 40 40, 30 10))')"
    )
    polygon = shapely.from_wkt("POLYGON((30 10, 10 20, 20 40, 40 40, 30 10))")
    assert tree == Call("geo.intersects", (prop("location"), Literal(polygon)))
    assert parse_filter("st_within(location, geometry'POINT(1 2)')").args[1] == Literal(
        shapely.Point(1, 2)
    )


def test_time_interval_with_and():
    tree = parse_filter(
        "phenomenonTime ge 2016-11-24T00:00:00.000Z and phenomenonTime lt 2016-11-25T00:00:00.000Z"
    )
    assert tree == Logical(
        LogicalOp.AND,
        Comparison(
            CompareOp.GE, prop("phenomenonTime"), Literal(datetime(2016, 11, 24, tzinfo=UTC))
        ),
        Comparison(
            CompareOp.LT, prop("phenomenonTime"), Literal(datetime(2016, 11, 25, tzinfo=UTC))
        ),
    )


def test_temporal_literals_with_offsets_dates_times_and_durations():
    plus_two = timezone(timedelta(hours=2))
    assert parse_filter("t eq 2016-11-24T10:30:00.5+02:00").right == Literal(
        datetime(2016, 11, 24, 10, 30, 0, 500_000, tzinfo=plus_two)
    )
    assert parse_filter("date(t) eq 2016-11-24").right == Literal(date(2016, 11, 24))
    assert parse_filter("time(t) lt 12:30:15").right == Literal(time(12, 30, 15))
    assert parse_filter("t add duration'P1DT2H30M' gt now()").left.right == Literal(
        timedelta(days=1, hours=2, minutes=30)
    )


def test_not_binds_tighter_than_comparison():
    assert parse_filter("not (result eq 3)") == Not(
        Comparison(CompareOp.EQ, prop("result"), Literal(3))
    )
    assert parse_filter("not flag eq true") == Comparison(
        CompareOp.EQ, Not(prop("flag")), Literal(True)
    )


def test_parentheses_and_arithmetic_precedence():
    assert parse_filter("(result add 5) mul 2 gt 10") == Comparison(
        CompareOp.GT,
        Arithmetic(
            ArithmeticOp.MUL, Arithmetic(ArithmeticOp.ADD, prop("result"), Literal(5)), Literal(2)
        ),
        Literal(10),
    )
    assert parse_filter("result add 5 mul 2 gt 10").left == Arithmetic(
        ArithmeticOp.ADD, prop("result"), Arithmetic(ArithmeticOp.MUL, Literal(5), Literal(2))
    )


def test_or_binds_loosest_and_operators_are_left_associative():
    a, b, c = (Comparison(CompareOp.EQ, prop(n), Literal(1)) for n in "abc")
    assert parse_filter("a eq 1 or b eq 1 and c eq 1") == Logical(
        LogicalOp.OR, a, Logical(LogicalOp.AND, b, c)
    )
    assert parse_filter("x sub 1 sub 2 eq 0").left == Arithmetic(
        ArithmeticOp.SUB, Arithmetic(ArithmeticOp.SUB, prop("x"), Literal(1)), Literal(2)
    )


def test_minus_folds_into_number_literals_and_negates_the_rest():
    assert parse_filter("result gt -5").right == Literal(-5)
    assert parse_filter("-result lt 0").left == Negate(prop("result"))


def test_functions_from_the_standard():
    assert parse_filter("length(description) le 20").left == Call("length", (prop("description"),))
    assert parse_filter("year(phenomenonTime) eq 2015").left == Call(
        "year", (prop("phenomenonTime"),)
    )
    assert parse_filter("round(result) eq 32").left == Call("round", (prop("result"),))
    assert parse_filter("substring(name, 1) eq 'emp'").left.args[1:] == (Literal(1),)
    assert len(parse_filter("substring(name, 1, 2) eq 'em'").left.args) == 3
    assert parse_filter("now() gt mindatetime()").left == Call("now", ())
    assert parse_filter("st_relate(a, b, 'T*F**F***')").args[2] == Literal("T*F**F***")


def test_quotes_in_strings_are_doubled():
    assert parse_filter("name eq 'O''Brien'").right == Literal("O'Brien")
    assert render(parse_filter("name eq 'O''Brien'")) == "name eq 'O''Brien'"


def test_keywords_are_not_property_names_but_longer_names_are():
    assert parse_filter("android eq notice").right == prop("notice")
    with pytest.raises(FilterSyntaxError) as error:
        parse_filter("(and eq 1)")
    assert error.value.position == 1


def test_positions_are_kept_on_nodes():
    tree = parse_filter("name eq 'x' and year(t) eq 2015")
    assert tree.right.left.position == 16
    assert tree.right.right.position == 27


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("result gt", 9, "unexpected end of input at position 9; expected a value"),
        ("result gt 5)", 11, "unexpected ')' at position 11"),
        ("result gt (5 add )", 17, "unexpected ')' at position 17; expected a value"),
        ("substringof('a')", 0, "substringof() at position 0 takes 2 arguments, got 1"),
        ("substring('a', 1, 2, 3) eq 'a'", 0, "takes 2 or 3 arguments, got 4"),
        ("now(1) gt t", 0, "takes 0 arguments"),
        ("result eq 'unterminated", 10, "unterminated string starting at position 10"),
        ("geo.distance(location, geography'POINT(1)')", 23, "invalid WKT geometry at position 23"),
        ("frobnicate(result)", 0, "unknown function 'frobnicate'"),
        ("result # 3", 7, "unexpected character '#' at position 7"),
        ("t gt 2016-11-24T00:00:00", 5, "needs a time zone offset"),
        ("t gt 2016-13-24T00:00:00Z", 5, "invalid date-time"),
        ("t gt duration'P1Y'", 5, "invalid duration"),
        ("", 0, "unexpected end of input at position 0"),
        ("result eq 1 2", 12, "unexpected '2' at position 12"),
        ("result eq " + "1" * 5000, 10, "too many digits"),
        ("t gt duration'P99999999999D'", 5, "longer than 999,999,999 days"),
    ],
)
def test_syntax_errors_name_the_position(text, position, words):
    with pytest.raises(FilterSyntaxError) as error:
        parse_filter(text)
    assert error.value.position == position
    assert words in str(error.value)


def test_deep_nesting_is_a_syntax_error_not_a_recursion_error():
    with pytest.raises(FilterSyntaxError, match="nested deeper"):
        parse_filter("not " * 5000 + "true")
    with pytest.raises(FilterSyntaxError, match="nested deeper"):
        parse_filter(" add ".join(["1"] * 5000) + " eq 1")
    assert parse_filter("(" * 5000 + "result" + ")" * 5000 + " eq 1") == Comparison(
        CompareOp.EQ, prop("result"), Literal(1)
    )


def test_render_puts_back_only_needed_parentheses():
    for text in [
        "(result add 5) mul 2 gt 10",
        "not (result eq 3)",
        "a eq 1 or b eq 1 and c eq 1",
        "(a eq 1 or b eq 1) and c eq 1",
        "x sub (1 sub 2) eq 0",
        "-(result add 1) lt -2.5",
        "geo.distance(location, geography'POINT (1 2)') lt 0.5",
    ]:
        assert render(parse_filter(text)) == text
