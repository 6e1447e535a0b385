"""A reference evaluator of `$filter` trees on plain dicts: the oracle for the ORM translation.

It also filters MQTT subscriptions. OData semantics: null propagates through operators and
functions, comparisons with null are false except `eq`/`ne null`, `and`/`or` use three-valued
logic, and an entity matches only when the filter is true.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from . import nodes
from .nodes import ArithmeticOp, CompareOp, Expression, LogicalOp

MIN_DATETIME = datetime.min.replace(tzinfo=UTC)
MAX_DATETIME = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Interval:
    """A time interval (an ISO 8601 "start/end" such as an Observation's phenomenonTime).

    It compares with date-times and intervals as FROST-Server does, an instant X being the
    interval X/X: `a gt b` is a.start > b.end, `a ge b` a.start >= b.end, `a lt b`
    a.end < b.start, `a le b` a.end <= b.start, `a eq b` equal starts and equal ends. It is
    not a date-time, so functions and arithmetic give null for it.
    """

    start: datetime
    end: datetime


def matches(node: Expression, entity: Mapping[str, Any], now: datetime) -> bool:
    """Whether the entity passes the filter: only a true result passes, null does not."""
    return evaluate(node, entity, now) is True


def evaluate(node: Expression, entity: Mapping[str, Any], now: datetime) -> Any:
    """The value of an expression for one entity.

    Properties are looked up along their path in nested mappings (`Datastream/Thing/name`
    reads entity["Datastream"]["Thing"]["name"]); a missing key is null. Date-times without
    a time zone count as UTC. Geometries are shapely objects or GeoJSON mappings; distances
    and lengths are in the units of the coordinates, i.e. degrees for WGS84 as in FROST.
    """
    match node:
        case nodes.Literal(value=value):
            return value
        case nodes.Property(path=path):
            return lookup(entity, path)
        case nodes.Not(operand=operand):
            value = evaluate(operand, entity, now)
            return None if not isinstance(value, bool) else not value
        case nodes.Negate(operand=operand):
            value = evaluate(operand, entity, now)
            if _is_number(value):
                return -value
            return -value if isinstance(value, timedelta) else None
        case nodes.Logical(op=op, left=left, right=right):
            return _logical(op, evaluate(left, entity, now), evaluate(right, entity, now))
        case nodes.Comparison(op=op, left=left, right=right):
            return compare(op, evaluate(left, entity, now), evaluate(right, entity, now))
        case nodes.Arithmetic(op=op, left=left, right=right):
            return arithmetic(op, evaluate(left, entity, now), evaluate(right, entity, now))
        case nodes.Call(name=name, args=args):
            return call(name, [evaluate(arg, entity, now) for arg in args], now)
    raise TypeError(f"not a filter expression: {node!r}")


def lookup(entity: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = entity
    for segment in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(segment)
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _logical(op: LogicalOp, left: Any, right: Any) -> bool | None:
    # Kleene logic (OData 4.01 5.1.1.2.1/2): false and null is false, true or null is true.
    left = left if isinstance(left, bool) else None
    right = right if isinstance(right, bool) else None
    if op is LogicalOp.AND:
        if left is False or right is False:
            return False
        return None if left is None or right is None else True
    if left is True or right is True:
        return True
    return None if left is None or right is None else False


def _kind(value: Any) -> str | None:
    """Values of one kind compare with each other; other pairs are never equal or ordered."""
    match value:
        case bool():
            return "boolean"
        case int() | float():
            return "number"
        case str():
            return "string"
        case datetime():
            return "datetime"
        case date():
            return "date"
        case time():
            return "time"
        case timedelta():
            return "duration"
        case BaseGeometry():
            return "geometry"
    return None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _comparable(value: Any) -> Any:
    if isinstance(value, datetime):
        return _utc(value)
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    return value


_OPERATORS = {
    CompareOp.EQ: operator.eq,
    CompareOp.NE: operator.ne,
    CompareOp.GT: operator.gt,
    CompareOp.GE: operator.ge,
    CompareOp.LT: operator.lt,
    CompareOp.LE: operator.le,
}


def compare(op: CompareOp, left: Any, right: Any) -> bool:
    if left is None or right is None:
        if op is CompareOp.EQ:
            return left is None and right is None
        if op is CompareOp.NE:
            return not (left is None and right is None)
        return False
    if isinstance(left, Interval) or isinstance(right, Interval):
        return _compare_intervals(op, left, right)
    kind = _kind(left)
    if kind is None or kind != _kind(right):
        return op is CompareOp.NE
    left, right = _comparable(left), _comparable(right)
    if kind == "geometry":
        equal = left.equals(right)
        return equal if op is CompareOp.EQ else (not equal if op is CompareOp.NE else False)
    if (isinstance(left, float) and math.isnan(left)) or (
        isinstance(right, float) and math.isnan(right)
    ):
        return op is CompareOp.NE
    return _OPERATORS[op](left, right)


def _span(value: Any) -> tuple[datetime, datetime] | None:
    if isinstance(value, Interval):
        return _utc(value.start), _utc(value.end)
    if isinstance(value, datetime):
        return _utc(value), _utc(value)
    return None


def _compare_intervals(op: CompareOp, left: Any, right: Any) -> bool:
    a, b = _span(left), _span(right)
    if a is None or b is None:
        return op is CompareOp.NE
    if op in (CompareOp.GT, CompareOp.GE):  # a after b
        return _OPERATORS[op](a[0], b[1])
    if op in (CompareOp.LT, CompareOp.LE):  # a before b
        return _OPERATORS[op](a[1], b[0])
    return _OPERATORS[op](a, b)


def arithmetic(op: ArithmeticOp, left: Any, right: Any) -> Any:
    """Numbers, and date-time ± duration; anything else (null included) gives null."""
    if _is_number(left) and _is_number(right):
        return _numeric(op, left, right)
    try:
        return _temporal(op, left, right)
    except OverflowError:  # beyond year 9999 or 999,999,999 days
        return None


def _temporal(op: ArithmeticOp, left: Any, right: Any) -> datetime | timedelta | None:
    if op not in (ArithmeticOp.ADD, ArithmeticOp.SUB):
        return None
    if isinstance(left, datetime) and isinstance(right, timedelta):
        return _utc(left) + right if op is ArithmeticOp.ADD else _utc(left) - right
    if isinstance(left, datetime) and isinstance(right, datetime) and op is ArithmeticOp.SUB:
        return _utc(left) - _utc(right)
    if isinstance(left, timedelta) and isinstance(right, timedelta):
        return left + right if op is ArithmeticOp.ADD else left - right
    return None


def _numeric(op: ArithmeticOp, left: int | float, right: int | float) -> int | float | None:
    integers = isinstance(left, int) and isinstance(right, int)
    try:
        match op:
            case ArithmeticOp.ADD:
                result = left + right
            case ArithmeticOp.SUB:
                result = left - right
            case ArithmeticOp.MUL:
                result = left * right
            case ArithmeticOp.DIV:
                if right == 0:
                    return None  # OData: division by zero is an error; in a filter, null
                # Integer division truncates towards zero (OData 4.01 5.1.1.4.4).
                result = _truncated_div(left, right) if integers else left / right
            case ArithmeticOp.MOD:
                if right == 0:
                    return None
                # The remainder has the sign of the dividend (OData 4.01 5.1.1.4.5).
                result = (
                    left - right * _truncated_div(left, right)
                    if integers
                    else math.fmod(left, right)
                )
    except (OverflowError, ValueError):  # ValueError: fmod of an infinite dividend
        return None
    if isinstance(result, float) and not math.isfinite(result):
        return None
    return result


def _truncated_div(left: int, right: int) -> int:
    quotient = abs(left) // abs(right)
    return quotient if (left < 0) == (right < 0) else -quotient


def call(name: str, args: list[Any], now: datetime) -> Any:
    """A function of Table 25 on evaluated arguments; null or wrongly typed arguments: null."""
    if name == "now":
        return _utc(now)
    if name == "mindatetime":
        return MIN_DATETIME
    if name == "maxdatetime":
        return MAX_DATETIME
    if any(arg is None for arg in args):
        return None
    if name in _STRING:
        return _STRING[name](*args) if all(isinstance(a, str) for a in args) else None
    if name == "substring":
        return _substring(*args)
    if name in _DATETIME:
        return _datetime_part(name, args[0])
    if name in _ROUNDING:
        return _round(name, args[0])
    if name in _GEO:
        return _geo(name, args)
    raise ValueError(f"unknown function {name!r}")


_STRING = {
    "substringof": lambda needle, haystack: needle in haystack,
    "startswith": lambda text, prefix: text.startswith(prefix),
    "endswith": lambda text, suffix: text.endswith(suffix),
    "length": len,
    "indexof": lambda text, needle: text.find(needle),
    "tolower": str.lower,
    "toupper": str.upper,
    "trim": str.strip,
    "concat": lambda first, second: first + second,
}


def _substring(text: Any, start: Any, length: Any = None) -> str | None:
    numbers = (start,) if length is None else (start, length)
    if not isinstance(text, str) or not all(_is_integer(n) for n in numbers):
        return None
    start = max(start, 0)
    return text[start:] if length is None else text[start : start + max(length, 0)]


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_DATETIME = {
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "second",
    "fractionalseconds",
    "date",
    "time",
    "totaloffsetminutes",
}


def _datetime_part(name: str, value: Any) -> Any:
    if name == "totaloffsetminutes":
        if not isinstance(value, datetime):
            return None
        offset = value.utcoffset() or timedelta(0)
        return int(offset.total_seconds() // 60)
    if isinstance(value, datetime):
        moment = _utc(value).astimezone(UTC)  # date parts are taken in UTC
    elif isinstance(value, date | time):
        moment = value
    else:
        return None
    if name == "date":
        return moment.date() if isinstance(moment, datetime) else _only(moment, date)
    if name == "time":
        return moment.time() if isinstance(moment, datetime) else _only(moment, time)
    if name == "fractionalseconds":
        return moment.microsecond / 1_000_000 if isinstance(moment, datetime | time) else None
    return getattr(moment, name, None)


def _only(value: Any, kind: type) -> Any:
    return value if isinstance(value, kind) else None


_ROUNDING = {"round", "floor", "ceiling"}


def _round(name: str, value: Any) -> int | float | None:
    if not _is_number(value):
        return None
    if isinstance(value, int):
        return value
    if not math.isfinite(value):
        return value
    match name:
        case "floor":
            return float(math.floor(value))
        case "ceiling":
            return float(math.ceil(value))
    # OData rounds halves away from zero, unlike Python's round().
    return math.copysign(math.floor(abs(value) + 0.5), value)


_GEO = {
    "geo.distance": shapely.distance,
    "geo.length": shapely.length,
    "geo.intersects": shapely.intersects,
    "st_within": shapely.within,
    "st_intersects": shapely.intersects,
    "st_contains": shapely.contains,
    "st_disjoint": shapely.disjoint,
    "st_equals": shapely.equals,
    "st_touches": shapely.touches,
    "st_overlaps": shapely.overlaps,
    "st_crosses": shapely.crosses,
    "st_relate": shapely.relate_pattern,
}


def _geo(name: str, args: list[Any]) -> Any:
    count = 1 if name == "geo.length" else 2
    geometries = [as_geometry(arg) for arg in args[:count]]
    if any(g is None for g in geometries):
        return None
    if name == "st_relate":
        pattern = args[2]
        if not isinstance(pattern, str):
            return None
        try:
            return bool(shapely.relate_pattern(*geometries, pattern))
        except Exception:  # a malformed DE-9IM pattern: GEOSException
            return None
    result = _GEO[name](*geometries)
    if name in ("geo.distance", "geo.length"):
        number = float(result)
        return number if math.isfinite(number) else None
    return bool(result)


def as_geometry(value: Any) -> BaseGeometry | None:
    """A shapely geometry, a GeoJSON geometry mapping (as in a Location), or null."""
    if isinstance(value, BaseGeometry):
        return value
    if isinstance(value, Mapping) and "type" in value:
        try:
            return shape(value)
        except Exception:  # malformed GeoJSON in stored data is not a filter's fault
            return None
    return None
