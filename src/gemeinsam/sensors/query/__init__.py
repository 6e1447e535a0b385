"""The SensorThings API 1.1 query language (OGC 18-088 section 9.3) in plain Python, no Django.

`parse_filter` turns `$filter` text into the typed tree of `nodes` (the node types are imported
from there), `evaluate`/`matches` compute it on a dict (the oracle for the ORM translation, and
the MQTT subscription filter), and `parse_query_options` reads all options, nested `$expand`
included.
"""

from .evaluate import evaluate, matches
from .filter import MAX_DEPTH, FilterSyntaxError, QuerySyntaxError, parse_filter
from .nodes import FUNCTIONS, render
from .options import (
    Expand,
    OrderBy,
    QueryOptions,
    parse_count,
    parse_expand,
    parse_orderby,
    parse_query_options,
    parse_select,
    parse_skip,
    parse_top,
)

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "Expand",
    "FilterSyntaxError",
    "OrderBy",
    "QueryOptions",
    "QuerySyntaxError",
    "evaluate",
    "matches",
    "parse_count",
    "parse_expand",
    "parse_filter",
    "parse_orderby",
    "parse_query_options",
    "parse_select",
    "parse_skip",
    "parse_top",
    "render",
]
