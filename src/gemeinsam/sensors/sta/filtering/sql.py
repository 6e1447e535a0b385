"""SQL expressions that `$filter` needs and Django lacks, for SQLite and PostgreSQL alike.

SQLite gets Python functions (shapely geometry, Unicode case mapping, fmod) on every
connection, so that it computes exactly what the reference evaluator computes.
"""

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import shapely
from django.db.backends.signals import connection_created
from django.db.models import BooleanField, Expression, FloatField, Func, TextField

from ...query.evaluate import call


def func(template: str, *expressions: Any, output: type = BooleanField, **extra: Any) -> Func:
    """A Func of Django's own template syntax (`%(expressions)s`) with its output field."""
    return Func(*expressions, template=template, output_field=output(), **extra)


class Sql(Func):
    """A template with {0}, {1}... for the compiled arguments (each may appear twice)."""

    def __init__(
        self,
        template: str,
        *expressions: Any,
        output: type = BooleanField,
        postgresql: str | None = None,
    ) -> None:
        super().__init__(*expressions, output_field=output())
        self.pattern = template
        self.pattern_postgresql = postgresql or template

    def as_postgresql(self, compiler, connection, **extra):
        return self._render(self.pattern_postgresql, compiler)

    def as_sql(self, compiler, connection, **extra):
        return self._render(self.pattern, compiler)

    def _render(self, text: str, compiler):
        pieces, params = [], []
        for expression in self.source_expressions:
            sql, p = compiler.compile(expression)
            pieces.append((sql, p))
        out: list[str] = []
        position = 0
        while position < len(text):
            brace = text.find("{", position)
            if brace < 0:
                out.append(text[position:])
                break
            out.append(text[position:brace])
            close = text.index("}", brace)
            sql, p = pieces[int(text[brace + 1 : close])]
            out.append(sql)
            params.extend(p)
            position = close + 1
        return "".join(out), params


class OfOne(Expression):
    """SQL over one other expression, `source`, that the subclass renders."""

    def __init__(self, source: Any, output_field=None) -> None:
        super().__init__(output_field)
        self.source = source

    def get_source_expressions(self):
        return [self.source]

    def set_source_expressions(self, exprs):
        (self.source,) = exprs


class JsonPart(OfOne):
    """One kind of a JSON value at a path: its number, string, boolean, object, or a test."""

    def __init__(self, column: Any, path: tuple[str, ...], kind: str, output_field) -> None:
        super().__init__(column, output_field)
        self.path, self.kind = path, kind

    # Per kind the SQL on each database, with {kind} the JSON type of the value at the path,
    # {value} the value and {text} its text (PostgreSQL); each placeholder binds the column
    # and the path once more.
    SQLITE = {
        "number": "CASE WHEN {kind} IN ('integer', 'real') THEN {value} END",
        "int": "({kind} = 'integer')",
        "string": "CASE WHEN {kind} = 'text' THEN {value} END",
        "boolean": "CASE {kind} WHEN 'true' THEN 1 WHEN 'false' THEN 0 END",
        "null": "(COALESCE({kind}, 'null') = 'null')",
        "object": "CASE WHEN {kind} = 'object' THEN {value} END",
    }
    POSTGRESQL = {
        "number": "CASE WHEN {kind} = 'number' THEN {text}::float8 END",
        "int": "({kind} = 'number' AND {text} ~ '^-?[0-9]+$')",
        "string": "CASE WHEN {kind} = 'string' THEN {text} END",
        "boolean": "CASE WHEN {kind} = 'boolean' THEN {text}::boolean END",
        "null": "(COALESCE({kind}, 'null') = 'null')",
        "object": "CASE WHEN {kind} = 'object' THEN {value} END",
    }

    def as_sqlite(self, compiler, connection):
        column, params = compiler.compile(self.source)
        path = "$" + "".join(f'."{key}"' for key in self.path)
        kind, value = f"json_type({column}, %s)", f"json_extract({column}, %s)"
        return self._sql_for(self.SQLITE, [*params, path], kind=kind, value=value)

    def as_postgresql(self, compiler, connection):
        column, params = compiler.compile(self.source)
        value = f"({column}" + " -> %s" * len(self.path) + ")"
        kind, text = f"jsonb_typeof({value})", f"({value} #>> '{{}}')"
        return self._sql_for(
            self.POSTGRESQL, [*params, *self.path], kind=kind, value=value, text=text
        )

    def _sql_for(self, templates: dict[str, str], params: list, **pieces: str):
        template = templates[self.kind]
        uses = sum(template.count("{" + name + "}") for name in pieces)
        return template.format(**pieces), params * uses


class Truncate(Func):
    """Towards zero, as integer division in the evaluator."""

    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS INTEGER)")

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="TRUNC(%(expressions)s)")


def fmod(dividend: Any, divisor: Any) -> Sql:
    """The remainder with the sign of the dividend (C's fmod, OData's mod)."""
    return Sql(
        "STA_FMOD({0}, {1})",
        dividend,
        divisor,
        output=FloatField,
        postgresql="(MOD(({0})::numeric, ({1})::numeric))::float8",
    )


class Named(Func):
    """A function of `$filter` whose SQL depends on its name."""

    def __init__(self, name: str, expression: Any) -> None:
        super().__init__(expression)
        self.name = name


class Round(Named):
    """round (halves away from zero), floor, ceiling; the evaluator's results exactly."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra):
        template = {
            "floor": "FLOOR(%(expressions)s)",
            "ceiling": "CEILING(%(expressions)s)",
            "round": "(CASE WHEN %(expressions)s < 0 THEN -FLOOR(-%(expressions)s + 0.5) "
            "ELSE FLOOR(%(expressions)s + 0.5) END)",
        }[self.name]
        sql, params = compiler.compile(self.source_expressions[0])
        uses = template.count("%(expressions)s")
        return template % {"expressions": sql}, list(params) * uses


class TextFunction(Named):
    """tolower, toupper, trim as Python does them (SQLite's own are ASCII only)."""

    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function=f"STA_{self.name.upper()}")

    def as_postgresql(self, compiler, connection, **extra):
        if self.name == "trim":
            template = r"REGEXP_REPLACE(%(expressions)s, '^\s+|\s+$', '', 'g')"
            return self.as_sql(compiler, connection, template=template)
        function = {"tolower": "LOWER", "toupper": "UPPER"}[self.name]
        return self.as_sql(compiler, connection, function=function)


class FractionalSeconds(Func):
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="STA_FRACTIONALSECONDS")

    def as_postgresql(self, compiler, connection, **extra):
        template = (
            "(MOD(EXTRACT(MICROSECONDS FROM %(expressions)s)::bigint, 1000000)::float8 / 1000000)"
        )
        return self.as_sql(compiler, connection, template=template)


class LookupTable(OfOne):
    """values[i] where keys[i] equals the key expression (PostgreSQL arrays)."""

    output_field = FloatField()

    def __init__(self, key: Any, keys: list, values: list) -> None:
        super().__init__(key)
        self.keys, self.values = keys, values

    def as_sql(self, compiler, connection):
        key, params = compiler.compile(self.source)
        return (
            f"((%s::float8[])[array_position(%s::bigint[], ({key})::bigint)])",
            [self.values, self.keys, *params],
        )


class AnyOf(OfOne):
    """Whether the key expression is one of the keys (PostgreSQL arrays)."""

    output_field = BooleanField()

    def __init__(self, key: Any, keys: list) -> None:
        super().__init__(key)
        self.keys = keys

    def as_sql(self, compiler, connection):
        key, params = compiler.compile(self.source)
        return f"(({key})::bigint = ANY(%s::bigint[]))", [*params, self.keys]


# SQLite functions, registered on every connection


def _decode_geometry(text: Any) -> Any:
    if text is None:
        return None
    if text.startswith("WKT;"):
        return shapely.from_wkt(text[4:])
    try:
        return json.loads(text)
    except ValueError:
        return None


def _sqlite_geo(name: str, *args: Any) -> Any:
    count = 1 if name == "geo.length" else 2
    values = [_decode_geometry(arg) for arg in args[:count]] + list(args[count:])
    result = call(name, values, datetime.now(UTC))
    return int(result) if isinstance(result, bool) else result


def _sqlite_fractional_seconds(text: Any) -> float | None:
    # Django stores "YYYY-MM-DD HH:MM:SS[.ffffff]" and times as "HH:MM:SS[.ffffff]".
    if text is None:
        return None
    clock = str(text).rsplit(" ", 1)[-1]
    fraction = clock.split(".", 1)[1][:6] if "." in clock else ""
    digits = "".join(c for c in fraction if c.isdigit())
    return int(digits.ljust(6, "0")) / 1_000_000 if digits else 0.0


def _sqlite_fmod(left: Any, right: Any) -> float | None:
    if left is None or right is None or right == 0 or not math.isfinite(left):
        return None
    return math.fmod(left, right)


def _text(function: Callable[[str], str]) -> Callable[[Any], Any]:
    return lambda value: function(value) if isinstance(value, str) else None


_SQLITE_FUNCTIONS: tuple[tuple[str, int, Callable], ...] = (
    ("STA_GEO", -1, _sqlite_geo),
    ("STA_FRACTIONALSECONDS", 1, _sqlite_fractional_seconds),
    ("STA_FMOD", 2, _sqlite_fmod),
    ("STA_TOLOWER", 1, _text(str.lower)),
    ("STA_TOUPPER", 1, _text(str.upper)),
    ("STA_TRIM", 1, _text(str.strip)),
)


def register_sqlite_functions(connection) -> None:
    """Make the functions above known to a SQLite connection (cheap; repeatable)."""
    connection.ensure_connection()
    _create_functions(connection)


def _create_functions(connection) -> None:
    for name, arity, function in _SQLITE_FUNCTIONS:
        connection.connection.create_function(name, arity, function, deterministic=True)


def _on_connection(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        _create_functions(connection)


connection_created.connect(_on_connection, dispatch_uid="gemeinsam.sensors.sta.filtering.sql")
