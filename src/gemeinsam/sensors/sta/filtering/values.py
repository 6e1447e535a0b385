"""An expression's SQL form (`SqlValue`: one SQL expression per kind the value may have) and
the conditions built from them (a Q, or True/False when known without the data).

JSON properties and `result` may hold any kind, so their values carry several parts, each
null unless the stored value is of that kind; values of known kinds carry one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    DateField,
    DateTimeField,
    DurationField,
    FloatField,
    IntegerField,
    Q,
    TextField,
    TimeField,
    Value,
    When,
)
from django.db.models.lookups import Exact, IsNull
from shapely.geometry.base import BaseGeometry


class UnsupportedQuery(ValueError):
    """A filter that parses but that this server cannot answer; the message is for the client."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- conditions ------------------------------------------------------------------------------

# Conditions are Q objects, or True/False when known without the data.
type Cond = Q | bool


def and_(left: Cond, right: Cond) -> Cond:
    if left is False or right is False:
        return False
    if left is True:
        return right
    return left if right is True else left & right


def or_(left: Cond, right: Cond) -> Cond:
    if left is True or right is True:
        return True
    if left is False:
        return right
    return left if right is False else left | right


def not_(condition: Cond) -> Cond:
    return not condition if isinstance(condition, bool) else ~condition


def any_(conditions: list[Cond]) -> Cond:
    result: Cond = False
    for condition in conditions:
        result = or_(result, condition)
    return result


def is_null(expression: Any) -> Q:
    return Q(IsNull(expression, True))


def is_(expression: Any, truth: bool) -> Q:
    return Q(Exact(expression, Value(truth, output_field=BooleanField())))


def as_expression(condition: Cond) -> Any:
    """A condition as a boolean SQL value: true, false or null."""
    if isinstance(condition, bool):
        return Value(condition, output_field=BooleanField())
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


# --- values ----------------------------------------------------------------------------------

KINDS = ("number", "string", "boolean", "datetime", "date", "time", "duration")
OUTPUT = {
    "number": FloatField,
    "string": TextField,
    "boolean": BooleanField,
    "datetime": DateTimeField,
    "date": DateField,
    "time": TimeField,
    "duration": DurationField,
}
SAID = {
    "number": "a number",
    "string": "a string",
    "boolean": "a boolean",
    "datetime": "a date-time",
    "date": "a date",
    "time": "a time",
    "duration": "a duration",
    "geometry": "a geometry",
}


def said(kinds: set[str]) -> str:
    """Kinds as a client reads them in an error message: "a number or a string"."""
    return " or ".join(sorted(SAID.get(k, k) for k in kinds))


@dataclass
class SqlValue:
    """An expression's SQL form: one SQL expression per kind the value may have."""

    parts: dict[str, Any] = field(default_factory=dict)
    null: Cond = False  # the value is null
    dynamic: bool = False  # its kind depends on the data (JSON, result)
    is_int: Cond = False  # a number that the evaluator holds as an int
    interval: tuple[Any, Any] | None = None  # (start, end) of an interval property
    geometry: BaseGeometry | None = None  # a geometry literal
    geo_sql: Any = None  # SQL giving a GeoJSON object (SQLite)
    geo_source: tuple | None = None  # (owner pk, model, field path, subpath) for PostgreSQL
    literal: Any = None
    constant: bool = False

    @property
    def static_kinds(self) -> set[str] | None:
        """The kinds this value can have, when known without the data; None if it is null."""
        if self.dynamic:
            return None
        kinds = set(self.parts) | ({"geometry"} if self.geometry is not None else set())
        return kinds or None


NULL = SqlValue(null=True, constant=True)


def literal(value: Any) -> SqlValue:
    """A constant as a SqlValue."""
    if value is None:
        return NULL
    base = {"literal": value, "constant": True}
    match value:
        case bool():
            return SqlValue({"boolean": Value(value, output_field=BooleanField())}, **base)
        case int():
            if abs(value) < 2**63:
                sql = Value(value, output_field=IntegerField())
            else:
                sql = Value(float(value), output_field=FloatField())
            return SqlValue({"number": sql}, is_int=True, **base)
        case float():
            return SqlValue({"number": Value(value, output_field=FloatField())}, **base)
        case str():
            return SqlValue({"string": Value(value, output_field=TextField())}, **base)
        case datetime():
            value = value.astimezone(UTC)
            return SqlValue({"datetime": Value(value, output_field=DateTimeField())}, **base)
        case date():
            return SqlValue({"date": Value(value, output_field=DateField())}, **base)
        case time():
            return SqlValue({"time": Value(value, output_field=TimeField())}, **base)
        case timedelta():
            return SqlValue({"duration": Value(value, output_field=DurationField())}, **base)
        case BaseGeometry():
            return SqlValue(geometry=value, **base)
    return SqlValue(null=False, constant=True, literal=value)  # e.g. an interval: never compared


def computed(parts: dict[str, Any], is_int: Cond = False) -> SqlValue:
    """A value computed in SQL: null where its SQL is null."""
    if not parts:
        return NULL
    if len(parts) == 1:
        (sql,) = parts.values()
        return SqlValue(parts, null=is_null(sql), is_int=is_int)
    null: Cond = True
    for sql in parts.values():
        null = and_(null, is_null(sql))
    return SqlValue(parts, null=null, is_int=is_int, dynamic=True)
