"""$orderby, $select, $top, $skip, $count and nested $expand parse into `QueryOptions`."""

import pytest

from gemeinsam.sensors.query import (
    Expand,
    FilterSyntaxError,
    OrderBy,
    QueryOptions,
    QuerySyntaxError,
    parse_count,
    parse_expand,
    parse_orderby,
    parse_query_options,
    parse_select,
    parse_skip,
    parse_top,
)
from gemeinsam.sensors.query.nodes import CompareOp, Comparison, Literal, Property

pytestmark = pytest.mark.pure


def test_nested_expand_from_the_brief():
    text = (
        "Datastreams($filter=result gt 5;"
        "$expand=Observations($top=3;$orderby=phenomenonTime desc);$select=name)"
    )
    assert parse_expand(text) == (
        Expand(
            ("Datastreams",),
            QueryOptions(
                filter=Comparison(CompareOp.GT, Property(("result",)), Literal(5)),
                expand=(
                    Expand(
                        ("Observations",),
                        QueryOptions(
                            top=3, orderby=(OrderBy(Property(("phenomenonTime",)), True),)
                        ),
                    ),
                ),
                select=(Property(("name",)),),
            ),
        ),
    )


def test_expand_lists_and_slashed_paths():
    assert parse_expand("Datastreams/Observations, Locations") == (
        Expand(("Datastreams", "Observations"), QueryOptions()),
        Expand(("Locations",), QueryOptions()),
    )
    # Commas and semicolons inside a nested filter's strings and calls do not split.
    (item,) = parse_expand("Things($filter=substringof('a;b,c)', name);$skip=2)")
    assert item.options.skip == 2
    assert item.options.filter.args[0] == Literal("a;b,c)")


def test_all_options_together():
    options = parse_query_options(
        {
            "$filter": "result gt 5",
            "$select": "name, properties/owner, @iot.id",
            "$orderby": "phenomenonTime desc, result",
            "$top": "10",
            "$skip": "20",
            "$count": "true",
            "$resultFormat": "dataArray",
            "$expand": "Datastream",
            "page": "ignored, not an option",
        }
    )
    assert options.select == (
        Property(("name",)),
        Property(("properties", "owner")),
        Property(("@iot.id",)),
    )
    assert options.orderby == (
        OrderBy(Property(("phenomenonTime",)), descending=True),
        OrderBy(Property(("result",)), descending=False),
    )
    assert (options.top, options.skip, options.count) == (10, 20, True)
    assert options.result_format == "dataArray"
    assert options.expand == (Expand(("Datastream",), QueryOptions()),)


def test_orderby_accepts_expressions_and_asc():
    assert parse_orderby("year(phenomenonTime) asc") == (
        OrderBy(parse_orderby("year(phenomenonTime)")[0].expression, False),
    )


def test_simple_values():
    assert parse_top("0") == 0
    assert parse_skip("15") == 15
    assert parse_count("false") is False
    assert parse_select("name") == (Property(("name",)),)


@pytest.mark.parametrize(
    ("parse", "text", "position"),
    [
        (parse_top, "-1", 0),
        (parse_top, "1x", 1),
        (parse_top, "", 0),
        (parse_skip, "3.5", 1),
        (parse_count, "yes", 0),
        (parse_select, "name,", 5),
        (parse_select, "name desc", 5),
        (parse_orderby, "result up", 7),
        (parse_expand, "Datastreams(", 11),
        (parse_expand, "Datastreams)", 11),
        (parse_expand, "Datastreams($top=x)", 17),
        (parse_expand, "Datastreams($filter=result gt)", 29),
        (parse_expand, "Datastreams($bogus=1)", 12),
        (parse_expand, "Datastreams($top=1;$top=2)", 19),
        (parse_expand, "Datastreams($top=1)x", 19),
        (parse_expand, "Things,,Locations", 7),
        (parse_expand, "Things/", 7),
        (parse_expand, "Things($filter='open)", 15),
    ],
)
def test_option_errors_point_into_the_value(parse, text, position):
    with pytest.raises(QuerySyntaxError) as error:
        parse(text)
    assert error.value.position == position
    assert f"position {position}" in str(error.value)


def test_nested_filter_errors_are_filter_errors():
    with pytest.raises(FilterSyntaxError):
        parse_expand("Datastreams($filter=result gt)")


def test_unknown_option_is_an_error():
    with pytest.raises(QuerySyntaxError, match=r"\$frobnicate"):
        parse_query_options({"$frobnicate": "1"})


def test_orderby_direction_in_capitals_as_the_frost_client_sends_it():
    """frost-sta-client's `query().orderby("name")` sends `$orderby=name DESC`."""
    assert parse_orderby("name DESC,phenomenonTime Asc") == (
        OrderBy(Property(("name",)), descending=True),
        OrderBy(Property(("phenomenonTime",)), descending=False),
    )
