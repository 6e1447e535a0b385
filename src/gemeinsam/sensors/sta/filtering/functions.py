"""Operators and functions of `$filter` on SQL values, computing what the evaluator does.

Integer arithmetic follows the evaluator: `div` truncates when both sides are integers (a
result or JSON number counts as an integer when it is integral, as the API shows it), `mod`
keeps the sign of the dividend, division by zero is null, and results beyond the largest
double are null. Geospatial functions: SQLite runs shapely inside the query (sql.py);
PostgreSQL (no PostGIS here) computes the function in Python once per row of the table that
holds the geometry (Locations, FeaturesOfInterest, Datastreams: the small tables) and looks
the result up by primary key in SQL. Two geometry properties in one call need SQLite.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    FloatField,
    Func,
    IntegerField,
    Q,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import Combinable, CombinedExpression
from django.db.models.functions import Cast, Extract, Length, StrIndex, TruncDate, TruncTime
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual

from ...query.evaluate import call, lookup
from ...query.nodes import ArithmeticOp
from .sql import (
    AnyOf,
    FractionalSeconds,
    LookupTable,
    Round,
    Sql,
    TextFunction,
    Truncate,
    fmod,
    func,
)
from .values import (
    NULL,
    OUTPUT,
    SAID,
    Cond,
    SqlValue,
    UnsupportedQuery,
    and_,
    computed,
    is_null,
    said,
)

_BOOLEAN_FUNCTIONS = {"substringof", "startswith", "endswith", "geo.intersects", "st_relate"}
_BOOLEAN_FUNCTIONS |= {f"st_{name}" for name in ("within", "intersects", "contains", "disjoint")}
_BOOLEAN_FUNCTIONS |= {f"st_{name}" for name in ("equals", "touches", "overlaps", "crosses")}
_GEO_FUNCTIONS = {"geo.distance", "geo.length"} | (_BOOLEAN_FUNCTIONS - {"substringof"})
_GEO_FUNCTIONS -= {"startswith", "endswith"}
_MAX = sys.float_info.max
_HALF_MAX = _MAX / 2
_MIN_DATETIME, _MAX_DATETIME = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
_DATE_FUNCTIONS = {"year", "month", "day", "hour", "minute", "second", "fractionalseconds"}
_DATE_FUNCTIONS |= {"date", "time", "totaloffsetminutes"}


def negate(value: SqlValue) -> SqlValue:
    """`-x` of a number or a duration."""
    parts = {
        kind: func("(-%(expressions)s)", value.parts[kind], output=OUTPUT[kind])
        for kind in ("number", "duration")
        if kind in value.parts
    }
    if not parts and value.static_kinds:
        raise UnsupportedQuery(f"cannot negate {said(value.static_kinds)}")
    return computed(parts, value.is_int if "number" in parts else False)


def arithmetic(op: ArithmeticOp, left: SqlValue, right: SqlValue) -> SqlValue:
    """`add`, `sub`, `mul`, `div`, `mod` of numbers; date-time and duration ± duration."""
    parts: dict[str, Any] = {}
    is_int: Cond = False
    if "number" in left.parts and "number" in right.parts:
        a, b = left.parts["number"], right.parts["number"]
        is_int = and_(left.is_int, right.is_int)
        parts["number"] = _number(op, a, b, is_int)
    if op in (ArithmeticOp.ADD, ArithmeticOp.SUB):
        connector = Combinable.ADD if op is ArithmeticOp.ADD else Combinable.SUB
        pairs = [("datetime", "duration", "datetime"), ("duration", "duration", "duration")]
        if op is ArithmeticOp.SUB:
            pairs.append(("datetime", "datetime", "duration"))
        for kind_a, kind_b, kind in pairs:
            if kind_a in left.parts and kind_b in right.parts:
                sql = CombinedExpression(
                    left.parts[kind_a],
                    connector,
                    right.parts[kind_b],
                    output_field=OUTPUT[kind](),
                )
                if kind_b == "duration" and right.constant:
                    sql = _in_range(left.parts[kind_a], op, right.literal, sql)
                if sql is not None:
                    parts[kind] = sql
    known_left, known_right = left.static_kinds, right.static_kinds
    if not parts and known_left and known_right:
        raise UnsupportedQuery(f"cannot {op.value} {said(known_left)} and {said(known_right)}")
    return computed(parts, is_int)


def _in_range(moment: Any, op: ArithmeticOp, duration: timedelta, sql: Any) -> Any:
    """date-time ± duration where the result lies in years 1 to 9999, else null."""
    shift = duration if op is ArithmeticOp.ADD else -duration
    try:
        low = _MIN_DATETIME - shift if shift < timedelta(0) else _MIN_DATETIME
    except OverflowError:
        return None
    try:
        high = _MAX_DATETIME - shift if shift > timedelta(0) else _MAX_DATETIME
    except OverflowError:
        return None
    if low == _MIN_DATETIME and high == _MAX_DATETIME:
        return sql
    bounds = Q(GreaterThanOrEqual(moment, Value(low, output_field=DateTimeField())))
    bounds &= Q(LessThanOrEqual(moment, Value(high, output_field=DateTimeField())))
    return Case(When(bounds, then=sql), default=Value(None), output_field=DateTimeField())


def _number(op: ArithmeticOp, a: Any, b: Any, is_int: Cond) -> Any:
    # Results beyond the largest double are null as in the evaluator (PostgreSQL would
    # fail the whole query, SQLite would give infinity), so each operator checks first.
    a, b = Cast(a, FloatField()), Cast(b, FloatField())
    if op in (ArithmeticOp.ADD, ArithmeticOp.SUB):
        symbol = "+" if op is ArithmeticOp.ADD else "-"
        template = f"CASE WHEN ABS({{0}} / 2 {symbol} {{1}} / 2) < {_HALF_MAX!r} "
        return Sql(template + f"THEN {{0}} {symbol} {{1}} END", a, b, output=FloatField)
    if op is ArithmeticOp.MUL:
        return Sql(
            f"CASE WHEN ABS({{0}}) <= {_MAX!r} AND ABS({{1}}) <= {_MAX!r} AND "
            f"(ABS({{0}}) <= 1 OR ABS({{1}}) <= {_MAX!r} / ABS({{0}})) THEN {{0}} * {{1}} END",
            a,
            b,
            output=FloatField,
        )
    if op is ArithmeticOp.MOD:
        divisor = func("NULLIF(%(expressions)s, 0)", b, output=FloatField)
        remainder = fmod(a, divisor)
        return Sql(
            f"CASE WHEN ABS({{0}}) <= {_MAX!r} THEN {{1}} END", a, remainder, output=FloatField
        )
    quotient = Sql(
        f"CASE WHEN {{1}} <> 0 AND ABS({{0}}) <= {_MAX!r} AND "
        f"(ABS({{1}}) >= 1 OR ABS({{0}}) <= {_MAX!r} * ABS({{1}})) THEN {{0}} / {{1}} END",
        a,
        b,
        output=FloatField,
    )
    if is_int is False:
        return quotient
    truncated = Truncate(quotient)
    if is_int is True:
        return truncated
    return Case(When(is_int, then=truncated), default=quotient, output_field=FloatField())


def _need(value: SqlValue, kind: str, name: str) -> Any:
    """The SQL of the argument's `kind` part; None when it can only be null."""
    if kind in value.parts:
        return value.parts[kind]
    if value.static_kinds:
        raise UnsupportedQuery(f"{name}() takes {SAID[kind]}, not {said(value.static_kinds)}")
    return None


def call_function(name: str, args: list[SqlValue], *, vendor: str, now: datetime) -> SqlValue:
    """A function of `$filter` on SQL values; `vendor` names the database, `now` is the
    request's clock."""
    if name in _GEO_FUNCTIONS:
        return _geo(name, args, vendor, now)
    if name in ("substringof", "startswith", "endswith", "indexof", "concat",
                "length", "tolower", "toupper", "trim"):  # fmt: skip
        texts = [_need(arg, "string", name) for arg in args]
        if any(text is None for text in texts):
            return NULL
        return _string_function(name, texts)
    if name == "substring":
        return _substring(args)
    if name in ("round", "floor", "ceiling"):
        number = _need(args[0], "number", name)
        if number is None:
            return NULL
        return computed({"number": Round(name, number)}, args[0].is_int)
    if name in _DATE_FUNCTIONS:
        return _datetime_function(name, args[0])
    raise UnsupportedQuery(f"{name}() is not supported")


def _string_function(name: str, texts: list[Any]) -> SqlValue:
    match name:
        case "substringof":
            needle, haystack = texts
            found = StrIndex(haystack, needle)
            sql = func("(%(expressions)s > 0)", found)
            return computed({"boolean": sql})
        case "startswith":
            text, prefix = texts
            return computed({"boolean": Sql("(SUBSTR({0}, 1, LENGTH({1})) = {1})", text, prefix)})
        case "endswith":
            text, suffix = texts
            # The marker keeps an empty suffix from meaning "from the first character".
            sql = Sql(
                "(SUBSTR({0} || '#', -(LENGTH({1}) + 1)) = {1} || '#')",
                text,
                suffix,
                postgresql="(RIGHT({0} || '#', LENGTH({1}) + 1) = {1} || '#')",
            )
            return computed({"boolean": sql})
        case "indexof":
            text, needle = texts
            sql = func("(%(expressions)s - 1)", StrIndex(text, needle), output=IntegerField)
            return computed({"number": sql}, True)
        case "length":
            return computed({"number": Length(texts[0])}, True)
        case "concat":
            sql = func("(%(expressions)s)", *texts, output=TextField, arg_joiner=" || ")
            return computed({"string": sql})
    return computed({"string": TextFunction(name, texts[0])})


def _substring(args: list[SqlValue]) -> SqlValue:
    text = _need(args[0], "string", "substring")
    numbers = [_need(arg, "number", "substring") for arg in args[1:]]
    if text is None or any(n is None for n in numbers):
        return NULL
    integral: Cond = True
    for arg in args[1:]:
        integral = and_(integral, arg.is_int)
    if integral is False:
        return NULL  # the evaluator wants integer positions
    start = Sql(
        "(CASE WHEN {0} < 0 THEN 0 WHEN {0} > 1000000000 THEN 1000000000 ELSE {0} END)",
        numbers[0],
    )
    position = func("(CAST(%(expressions)s AS INTEGER) + 1)", start, output=IntegerField)
    if len(numbers) == 1:
        sql = Sql("SUBSTR({0}, {1})", text, position, output=TextField)
    else:
        length = Sql(
            "CAST(CASE WHEN {0} < 0 THEN 0 WHEN {0} > 1000000000 THEN 1000000000 ELSE {0} END "
            "AS INTEGER)",
            numbers[1],
            output=IntegerField,
        )
        sql = Sql("SUBSTR({0}, {1}, {2})", text, position, length, output=TextField)
    if integral is not True:
        sql = Case(When(integral, then=sql), default=Value(None), output_field=TextField())
    return computed({"string": sql})


def _datetime_function(name: str, value: SqlValue) -> SqlValue:
    parts = {k: value.parts[k] for k in ("datetime", "date", "time") if k in value.parts}
    allowed = {
        "year": ("datetime", "date"),
        "month": ("datetime", "date"),
        "day": ("datetime", "date"),
        "hour": ("datetime", "time"),
        "minute": ("datetime", "time"),
        "second": ("datetime", "time"),
        "fractionalseconds": ("datetime", "time"),
        "date": ("datetime", "date"),
        "time": ("datetime", "time"),
        "totaloffsetminutes": ("datetime",),
    }[name]
    usable = {k: v for k, v in parts.items() if k in allowed}
    if not usable:
        if value.static_kinds:
            wanted = " or ".join(SAID[k] for k in allowed)
            raise UnsupportedQuery(f"{name}() takes {wanted}, not {said(value.static_kinds)}")
        return NULL
    ((kind, sql),) = usable.items()
    if name == "totaloffsetminutes":  # stored date-times are UTC
        zero = Case(
            When(is_null(sql), then=Value(None)), default=Value(0), output_field=IntegerField()
        )
        return computed({"number": zero}, True)
    if name == "fractionalseconds":
        return computed({"number": FractionalSeconds(sql)})
    if name == "date":
        return computed({"date": sql if kind == "date" else TruncDate(sql, tzinfo=UTC)})
    if name == "time":
        return computed({"time": sql if kind == "time" else TruncTime(sql, tzinfo=UTC)})
    tz = UTC if kind == "datetime" else None
    return computed({"number": Extract(sql, name, tzinfo=tz)}, True)


# --- geospatial functions --------------------------------------------------------------------


def _geo(name: str, args: list[SqlValue], vendor: str, now: datetime) -> SqlValue:
    count = 1 if name == "geo.length" else 2
    geometries, extra = args[:count], args[count:]
    for arg in geometries:
        if arg.geometry is None and arg.geo_sql is None and arg.static_kinds:
            raise UnsupportedQuery(f"{name}() takes geometries, not {said(arg.static_kinds)}")
    if any(arg.null is True for arg in args):
        return NULL
    output = FloatField if name in ("geo.distance", "geo.length") else BooleanField
    pattern = None
    if extra:
        pattern = extra[0].literal if extra[0].constant else None
        if not isinstance(pattern, str):
            if extra[0].constant:
                return NULL
            raise UnsupportedQuery(f"{name}() needs a literal pattern")
    kind = "number" if output is FloatField else "boolean"
    if vendor == "sqlite":
        sql_args = [
            Value("WKT;" + arg.geometry.wkt) if arg.geometry is not None else arg.geo_sql
            for arg in geometries
        ]
        if pattern is not None:
            sql_args.append(Value(pattern))
        return computed(
            {kind: Func(Value(name), *sql_args, function="STA_GEO", output_field=output())}
        )
    varying = [i for i, arg in enumerate(geometries) if arg.geometry is None]
    if len(varying) > 1:
        raise UnsupportedQuery(
            f"{name}() of two properties is not supported on this database; "
            "compare a property with a geography'...' literal"
        )
    (index,) = varying
    pk, model, column, subpath = geometries[index].geo_source
    results: dict[Any, Any] = {}
    rows = model._base_manager.filter(**{f"{column}__isnull": False})
    for key, stored in rows.values_list("pk", column):
        values = [arg.geometry for arg in geometries]
        values[index] = lookup(stored, subpath) if subpath else stored
        if pattern is not None:
            values.append(pattern)
        results[key] = call(name, values, now)
    if output is BooleanField:
        trues = [k for k, v in results.items() if v is True]
        falses = [k for k, v in results.items() if v is False]
        whens = [
            When(Q(AnyOf(pk, keys)), then=Value(flag))
            for keys, flag in ((trues, True), (falses, False))
            if keys
        ]
        if not whens:
            return NULL
        sql = Case(*whens, default=Value(None), output_field=BooleanField())
    else:
        known = [(k, v) for k, v in results.items() if v is not None]
        if not known:
            return NULL
        sql = LookupTable(pk, [k for k, _ in known], [v for _, v in known])
    return computed({kind: sql})
