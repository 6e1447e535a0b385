"""`$filter` and `$orderby` trees (sensors.query) as Django ORM queries on SQLite and PostgreSQL.

The meaning is that of the reference evaluator `query.evaluate` (OData 4.01): null propagates,
comparisons with null are false except `eq`/`ne null`, `and`/`or`/`not` use three-valued logic,
and only true passes. How this module keeps that meaning in SQL:

- Every expression becomes a `_Value`: one SQL expression per kind it may have (number, string,
  boolean, date-time, ...). JSON properties (`properties/owner`) and `result` may hold any kind,
  so they carry several parts, each null unless the stored value is of that kind; a comparison
  ORs the parts both sides share. Mixing kinds that are known without the data (`name gt 5`,
  `length(phenomenonTime)`) is an `UnsupportedQuery`, answered with 400.
- Conditions are built for a wanted truth value ("is true", "is false"), pushing `not` down,
  so `phenomenonTime ge X and result gt 5` is a plain WHERE on indexed columns; only a negated
  comparison needs `NOT COALESCE(..., FALSE)`.
- Intervals (Observation.phenomenonTime, validTime, the Datastream's times) compare as FROST
  does: an instant X is the interval [X, X], and `a gt b` means a.start > b.end, `a ge b`
  a.start >= b.end, `a lt b` a.end < b.start, `a le b` a.end <= b.start, `a eq b` equal starts
  and equal ends, `ne` the opposite of `eq`. In functions and arithmetic an interval is null,
  an instant its date-time. `lt`, `le` and `eq` also bound the start column (start <= end
  always holds), so a time window uses the (datastream, phenomenon_time_start) index.
- A path through a to-many navigation (`Datastreams/Observations/result gt 5` on Things) means
  "some related entity makes the comparison true": an EXISTS subquery, so rows never repeat.
- Geospatial functions: SQLite runs shapely inside the query through functions registered on
  every connection; PostgreSQL (no PostGIS here) computes the function in Python once per row
  of the table that holds the geometry (Locations, FeaturesOfInterest, Datastreams: the small
  tables) and looks the result up by primary key in SQL. Two geometry properties in one call
  need SQLite.
- Integer arithmetic follows the evaluator: `div` truncates when both sides are integers (a
  result or JSON number counts as an integer when it is integral, as the API shows it), `mod`
  keeps the sign of the dividend, division by zero is null.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    DateField,
    DateTimeField,
    DurationField,
    Exists,
    F,
    FloatField,
    ForeignObjectRel,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    TimeField,
    Value,
    When,
)
from django.db.models.expressions import Combinable, CombinedExpression
from django.db.models.functions import (
    Cast,
    Coalesce,
    Extract,
    Floor,
    Length,
    StrIndex,
    TruncDate,
    TruncTime,
)
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IsNull,
    LessThan,
    LessThanOrEqual,
)
from shapely.geometry.base import BaseGeometry

from .entities import BY_NAME, EntityType, Kind, Nav
from .filtering_sql import (
    AnyOf,
    FractionalSeconds,
    JsonPart,
    LookupTable,
    Round,
    Sql,
    TextFunction,
    Truncate,
    fmod,
    register_sqlite_functions,
)
from .query.evaluate import call, evaluate, lookup
from .query.nodes import (
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
    children,
)
from .query.nodes import Expression as Node
from .query.options import OrderBy


class UnsupportedQuery(ValueError):
    """A filter that parses but that this server cannot answer; the message is for the client."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def quoted_ids(node: Node, et: EntityType) -> Node:
    """`Datastream/id eq '1'` read as `Datastream/id eq 1`: ids are numbers here, but the
    standard's examples and FROST accept them quoted, as in `Things('1')`."""
    match node:
        case Comparison(left=Property(path=path), right=Literal(value=str() as text)) if (
            _is_id_text(et, path, text)
        ):
            return replace(node, right=Literal(int(text), position=node.right.position))
        case Comparison(left=Literal(value=str() as text), right=Property(path=path)) if (
            _is_id_text(et, path, text)
        ):
            return replace(node, left=Literal(int(text), position=node.left.position))
        case Comparison() | Logical() | Arithmetic():
            return replace(node, left=quoted_ids(node.left, et), right=quoted_ids(node.right, et))
        case Not() | Negate():
            return replace(node, operand=quoted_ids(node.operand, et))
        case Call():
            return replace(node, args=tuple(quoted_ids(arg, et) for arg in node.args))
    return node


def _is_id_text(et: EntityType, path: tuple[str, ...], text: str) -> bool:
    """Whether `path` is the id of an entity (not a key `id` inside JSON) and `text` a number."""
    if path[-1] not in ("id", "@iot.id") or not (text.isascii() and text.isdigit()):
        return False
    for name in path[:-1]:
        nav = et.nav_by_name.get(name)
        if nav is None:
            return False
        et = BY_NAME[nav.target]
    return len(text) < 19


def filter_queryset(qs: QuerySet, et: EntityType, node: Node, now: datetime) -> QuerySet:
    """The entities of `qs` for which the filter is true."""
    node = quoted_ids(node, et)
    vendor = connections[qs.db].vendor
    if vendor == "sqlite":
        register_sqlite_functions(connections[qs.db])
    condition = _Translator(et, now, vendor).truth(node, True)
    if condition is True:
        return qs
    if condition is False:
        return qs.none()
    return qs.filter(condition)


def order_queryset(qs: QuerySet, et: EntityType, orderby: tuple[OrderBy, ...]) -> QuerySet:
    """Sorted by the `$orderby` items, then by id so that pages are stable; nulls sort low."""
    vendor = connections[qs.db].vendor
    if vendor == "sqlite":
        register_sqlite_functions(connections[qs.db])
    translator = _Translator(et, datetime.now(UTC), vendor)
    keys = []
    for item in orderby:
        for expression, nullable in translator.sort_keys(item.expression):
            if item.descending:
                keys.append(expression.desc(nulls_last=True) if nullable else expression.desc())
            else:
                keys.append(expression.asc(nulls_first=True) if nullable else expression.asc())
    # The tie-breaker follows the last key's direction: SQLite's indexes end in the rowid, so
    # `phenomenonTime desc` is then read from the index without a sort.
    last_descending = bool(orderby) and orderby[-1].descending
    return qs.order_by(*keys, "-pk" if last_descending else "pk")


# Conditions are Q objects, or True/False when known without the data.
type Cond = Q | bool

_KINDS = ("number", "string", "boolean", "datetime", "date", "time", "duration")
_OUTPUT = {
    "number": FloatField,
    "string": TextField,
    "boolean": BooleanField,
    "datetime": DateTimeField,
    "date": DateField,
    "time": TimeField,
    "duration": DurationField,
}
_SAID = {
    "number": "a number",
    "string": "a string",
    "boolean": "a boolean",
    "datetime": "a date-time",
    "date": "a date",
    "time": "a time",
    "duration": "a duration",
    "geometry": "a geometry",
}
_LOOKUPS = {
    CompareOp.EQ: Exact,
    CompareOp.GT: GreaterThan,
    CompareOp.GE: GreaterThanOrEqual,
    CompareOp.LT: LessThan,
    CompareOp.LE: LessThanOrEqual,
}
_FLIPPED = {
    CompareOp.EQ: CompareOp.EQ,
    CompareOp.NE: CompareOp.NE,
    CompareOp.GT: CompareOp.LT,
    CompareOp.GE: CompareOp.LE,
    CompareOp.LT: CompareOp.GT,
    CompareOp.LE: CompareOp.GE,
}
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


def _and(left: Cond, right: Cond) -> Cond:
    if left is False or right is False:
        return False
    if left is True:
        return right
    return left if right is True else left & right


def _or(left: Cond, right: Cond) -> Cond:
    if left is True or right is True:
        return True
    if left is False:
        return right
    return left if right is False else left | right


def _not(condition: Cond) -> Cond:
    return not condition if isinstance(condition, bool) else ~condition


def _any(conditions: list[Cond]) -> Cond:
    result: Cond = False
    for condition in conditions:
        result = _or(result, condition)
    return result


def _is_null(expression: Any) -> Q:
    return Q(IsNull(expression, True))


def _is(expression: Any, truth: bool) -> Q:
    return Q(Exact(expression, Value(truth, output_field=BooleanField())))


def _sql(template: str, *expressions: Any, output: type = BooleanField, **extra: Any) -> Func:
    return Func(*expressions, template=template, output_field=output(), **extra)


def _as_expression(condition: Cond) -> Any:
    """A condition as a boolean SQL value: true, false or null."""
    if isinstance(condition, bool):
        return Value(condition, output_field=BooleanField())
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


@dataclass
class _Value:
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


_NULL = _Value(null=True, constant=True)


def _said(kinds: set[str]) -> str:
    return " or ".join(sorted(_SAID.get(k, k) for k in kinds))


def _literal(value: Any) -> _Value:
    """A constant as a _Value."""
    if value is None:
        return _NULL
    base = {"literal": value, "constant": True}
    match value:
        case bool():
            return _Value({"boolean": Value(value, output_field=BooleanField())}, **base)
        case int():
            if abs(value) < 2**63:
                sql = Value(value, output_field=IntegerField())
            else:
                sql = Value(float(value), output_field=FloatField())
            return _Value({"number": sql}, is_int=True, **base)
        case float():
            return _Value({"number": Value(value, output_field=FloatField())}, **base)
        case str():
            return _Value({"string": Value(value, output_field=TextField())}, **base)
        case datetime():
            value = value.astimezone(UTC)
            return _Value({"datetime": Value(value, output_field=DateTimeField())}, **base)
        case date():
            return _Value({"date": Value(value, output_field=DateField())}, **base)
        case time():
            return _Value({"time": Value(value, output_field=TimeField())}, **base)
        case timedelta():
            return _Value({"duration": Value(value, output_field=DurationField())}, **base)
        case BaseGeometry():
            return _Value(geometry=value, **base)
    return _Value(null=False, constant=True, literal=value)  # e.g. an interval: never compared


class _ToMany(Exception):
    """A path crosses a to-many navigation; the comparison becomes an EXISTS subquery."""

    def __init__(self, level: int, prefix: tuple[str, ...], owner: list[str], nav: Nav) -> None:
        self.level, self.prefix, self.owner, self.nav = level, prefix, owner, nav


@dataclass(frozen=True)
class _Scope:
    et: EntityType
    prefix: tuple[str, ...]  # the path of navigations from the filtered entity to this one


def _has_property(node: Node) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Property):
            return True
        stack.extend(children(current))
    return False


def _properties(node: Node) -> list[Property]:
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Property):
            found.append(current)
        stack.extend(reversed(children(current)))
    return found


class _Translator:
    def __init__(self, et: EntityType, now: datetime, vendor: str, scopes=None) -> None:
        self.et, self.now, self.vendor = et, now, vendor
        self.scopes: list[_Scope] = scopes or [_Scope(et, ())]

    # Conditions

    def truth(self, node: Node, want: bool) -> Cond:
        """A condition that is TRUE exactly where the filter evaluates to `want`.

        Where it does not, the condition may be FALSE or NULL: both fail a WHERE clause, and
        `and`/`or` do not tell them apart on the way up, since `not` is pushed down to here.
        """
        if not _has_property(node):
            return evaluate(node, {}, self.now) is want
        match node:
            case Logical(op=op, left=left, right=right):
                combine = _and if (op is LogicalOp.AND) == want else _or
                return combine(self.truth(left, want), self.truth(right, want))
            case Not(operand=operand):
                return self.truth(operand, not want)
        try:
            for prop in _properties(node):
                self._resolve(prop.path)
        except _ToMany as many:
            exists = self._exists(node, many)
            return exists if want else _not(exists)
        if isinstance(node, Comparison):
            condition = self._compare(node.op, self.value(node.left), self.value(node.right))
            if want:
                return condition
            if isinstance(condition, bool):
                return not condition
            return ~Q(_as_expression(condition))
        boolean = self.value(node).parts.get("boolean")
        return False if boolean is None else _is(boolean, want)

    def _exists(self, node: Node, many: _ToMany) -> Cond:
        owner_scope = self.scopes[many.level]
        owner_model = owner_scope.et.model
        for accessor in many.owner:
            owner_model = owner_model._meta.get_field(accessor).related_model
        relation = owner_model._meta.get_field(many.nav.accessor)
        if isinstance(relation, ForeignObjectRel):
            back = relation.field.name
        else:
            back = relation.related_query_name()
        target = BY_NAME[many.nav.target]
        inner = _Translator(
            self.et, self.now, self.vendor, [*self.scopes, _Scope(target, many.prefix)]
        )
        correlated = inner._ref(many.level, "__".join([*many.owner, "pk"]))
        condition = inner.truth(node, True)
        if condition is False:
            return False
        queryset = target.model._base_manager.filter(**{back: correlated})
        if condition is not True:
            queryset = queryset.filter(condition)
        return Q(Exists(queryset))

    # Comparisons

    def _compare(self, op: CompareOp, left: _Value, right: _Value) -> Cond:
        """Where OData's comparison is true (NULL or FALSE elsewhere)."""
        if op is CompareOp.NE:
            equal = self._compare(CompareOp.EQ, left, right)
            if isinstance(equal, bool):
                return not equal
            return ~Q(_as_expression(equal))
        if left.null is True or right.null is True:
            if op is not CompareOp.EQ:
                return False
            return _and(left.null, right.null)
        both_times = "datetime" in left.parts and "datetime" in right.parts
        known_left, known_right = left.static_kinds, right.static_kinds
        if known_left and known_right and not known_left & known_right:
            raise UnsupportedQuery(f"cannot compare {_said(known_left)} with {_said(known_right)}")
        if (left.interval or right.interval) and both_times:
            result = self._compare_intervals(op, left, right)
        else:
            terms = []
            for kind in _KINDS:
                if kind in left.parts and kind in right.parts:
                    a, b = left.parts[kind], right.parts[kind]
                    if kind == "string" and op is not CompareOp.EQ:
                        a, b = self._collated(a), self._collated(b)
                    terms.append(Q(_LOOKUPS[op](a, b)))
            result = _any(terms)
        if op is CompareOp.EQ and left.null is not False and right.null is not False:
            result = _or(result, _and(left.null, right.null))
        return result

    def _collated(self, expression: Any) -> Any:
        # Code point order as in Python, whatever the database's collation.
        if self.vendor == "postgresql":
            return _sql('(%(expressions)s COLLATE "C")', expression, output=TextField)
        return expression

    def _compare_intervals(self, op: CompareOp, left: _Value, right: _Value) -> Cond:
        a_start, a_end = left.interval or (left.parts["datetime"],) * 2
        b_start, b_end = right.interval or (right.parts["datetime"],) * 2
        match op:
            case CompareOp.GT:
                return Q(GreaterThan(a_start, b_end))
            case CompareOp.GE:
                return Q(GreaterThanOrEqual(a_start, b_end))
            case CompareOp.LT:
                # start <= end, so the start is bounded too: the index on it applies.
                condition = Q(LessThan(a_end, b_start))
                if left.interval:
                    condition &= Q(LessThan(a_start, b_start))
                if right.interval:
                    condition &= Q(LessThan(a_end, b_end))
                return condition
            case CompareOp.LE:
                condition = Q(LessThanOrEqual(a_end, b_start))
                if left.interval:
                    condition &= Q(LessThanOrEqual(a_start, b_start))
                if right.interval:
                    condition &= Q(LessThanOrEqual(a_end, b_end))
                return condition
        condition = Q(Exact(a_start, b_start))
        if left.interval or right.interval:
            condition &= Q(Exact(a_end, b_end))
        return condition

    # Values

    def value(self, node: Node) -> _Value:
        if not _has_property(node):
            return _literal(evaluate(node, {}, self.now))
        match node:
            case Property(path=path):
                return self._property(path)
            case Comparison() | Logical() | Not():
                whens = []
                for truth in (True, False):
                    condition = self.truth(node, truth)
                    if condition is True:
                        return _literal(truth)
                    if condition is not False:
                        whens.append(When(condition, then=Value(truth)))
                if not whens:
                    return _NULL
                sql = Case(*whens, default=Value(None), output_field=BooleanField())
                return _Value({"boolean": sql}, null=_is_null(sql))
            case Negate(operand=operand):
                return self._negate(self.value(operand))
            case Arithmetic(op=op, left=left, right=right):
                return self._arithmetic(op, self.value(left), self.value(right))
            case Call(name=name, args=args):
                return self._call(name, [self.value(arg) for arg in args])
        return _literal(node.value)  # a Literal has no property; unreachable

    def sort_keys(self, node: Node) -> list[tuple[Any, bool]]:
        if not _has_property(node):
            return []
        try:
            value = self.value(node)
        except _ToMany as many:
            raise UnsupportedQuery(
                f"cannot order by {'/'.join(many.prefix)}: it leads to many entities"
            ) from None
        nullable = value.null is not False
        if value.interval:
            return [(value.interval[0], nullable)]
        return [(value.parts[kind], nullable) for kind in _KINDS if kind in value.parts]

    def _ref(self, level: int, path: str) -> Any:
        """A column of the entity of scope `level`, seen from the innermost scope."""
        reference: Any = path
        for _ in range(len(self.scopes) - 1 - level):
            reference = OuterRef(reference)
        return F(reference) if isinstance(reference, str) else reference

    def _resolve(self, path: tuple[str, ...]):
        """(scope level, navigation accessors, entity type, nullable, rest of the path)."""
        level = max(
            i for i, scope in enumerate(self.scopes) if path[: len(scope.prefix)] == scope.prefix
        )
        scope = self.scopes[level]
        et, rest, owner, nullable = scope.et, path[len(scope.prefix) :], [], False
        while rest and rest[0] in et.nav_by_name:
            nav = et.nav_by_name[rest[0]]
            if nav.many:
                prefix = path[: len(path) - len(rest) + 1]
                raise _ToMany(level, prefix, owner, nav)
            nullable = nullable or et.model._meta.get_field(nav.accessor).null
            owner.append(nav.accessor)
            et, rest = BY_NAME[nav.target], rest[1:]
        return level, owner, et, nullable, rest

    def _property(self, path: tuple[str, ...]) -> _Value:
        level, owner, et, nullable, rest = self._resolve(path)
        if not rest:
            raise UnsupportedQuery(
                f"{path[-1]} is a navigation property; compare one of its properties, "
                f"e.g. {path[-1]}/@iot.id"
            )
        name, subpath = rest[0], rest[1:]

        def ref(column: str) -> Any:
            return self._ref(level, "__".join([*owner, column]))

        def null_of(expression: Any, column_null: bool) -> Cond:
            return _is_null(expression) if nullable or column_null else False

        if name in ("@iot.id", "id") and not subpath:
            sql = ref("pk")
            return _Value({"number": sql}, null=null_of(sql, False), is_int=True)
        prop = et.prop_by_name.get(name)
        if prop is None:
            raise UnsupportedQuery(f"{et.set_name} have no property '{name}'")
        if subpath and prop.kind not in (Kind.JSON, Kind.RESULT):
            raise UnsupportedQuery(f"{name} of {et.set_name} has no properties of its own")
        column = {Kind.INTERVAL: prop.field + "_start", Kind.RESULT: "result_number"}
        model_field = et.model._meta.get_field(column.get(prop.kind, prop.field))
        match prop.kind:
            case Kind.TEXT:
                sql = ref(prop.field)
                return _Value({"string": sql}, null=null_of(sql, model_field.null))
            case Kind.TIME:
                sql = ref(prop.field)
                return _Value({"datetime": sql}, null=null_of(sql, model_field.null))
            case Kind.INTERVAL:
                start, end = ref(prop.field + "_start"), ref(prop.field + "_end")
                instant = Case(
                    When(_is_null(end), then=start),
                    default=Value(None),
                    output_field=DateTimeField(),
                )
                return _Value(
                    {"datetime": instant},
                    null=null_of(start, model_field.null),
                    interval=(start, Coalesce(end, start, output_field=DateTimeField())),
                )
            case Kind.JSON:
                return self._json(ref(prop.field), subpath, (ref("pk"), et.model, prop.field))
        # Kind.RESULT: one column per kind of result.
        if subpath:
            source = (ref("pk"), et.model, "result_json")
            return self._json(ref("result_json"), subpath, source)
        number, string = ref("result_number"), ref("result_string")
        stored = self._json(ref("result_json"), (), None)
        # Observation.result shows integral numbers below 2**53 as ints.
        size = _sql("ABS(%(expressions)s)", number, output=FloatField)
        is_int = Q(Exact(number, Floor(number))) & Q(LessThan(size, Value(2.0**53)))
        return _Value(
            {"number": number, "string": string, "boolean": stored.parts["boolean"]},
            null=_and(_and(_is_null(number), _is_null(string)), stored.null),
            dynamic=True,
            is_int=is_int,
            geo_sql=stored.geo_sql,
            geo_source=(ref("pk"), et.model, "result_json", ()),
        )

    def _json(self, column: Any, subpath: tuple[str, ...], source: tuple | None) -> _Value:
        def part(kind: str, output: type) -> JsonPart:
            return JsonPart(column, subpath, kind, output())

        return _Value(
            {
                "number": part("number", FloatField),
                "string": part("string", TextField),
                "boolean": part("boolean", BooleanField),
            },
            null=_is(part("null", BooleanField), True),
            dynamic=True,
            is_int=_is(part("int", BooleanField), True),
            geo_sql=part("object", TextField),
            geo_source=None if source is None else (*source, subpath),
        )

    # Operators

    def _negate(self, value: _Value) -> _Value:
        parts = {
            kind: _sql("(-%(expressions)s)", value.parts[kind], output=_OUTPUT[kind])
            for kind in ("number", "duration")
            if kind in value.parts
        }
        if not parts and value.static_kinds:
            raise UnsupportedQuery(f"cannot negate {_said(value.static_kinds)}")
        return self._computed(parts, value.is_int if "number" in parts else False)

    def _computed(self, parts: dict[str, Any], is_int: Cond = False) -> _Value:
        """A value computed in SQL: null where its SQL is null."""
        if not parts:
            return _NULL
        if len(parts) == 1:
            (sql,) = parts.values()
            return _Value(parts, null=_is_null(sql), is_int=is_int)
        nulls = [_is_null(sql) for sql in parts.values()]
        null: Cond = True
        for condition in nulls:
            null = _and(null, condition)
        return _Value(parts, null=null, is_int=is_int, dynamic=True)

    def _arithmetic(self, op: ArithmeticOp, left: _Value, right: _Value) -> _Value:
        parts: dict[str, Any] = {}
        is_int: Cond = False
        if "number" in left.parts and "number" in right.parts:
            a, b = left.parts["number"], right.parts["number"]
            is_int = _and(left.is_int, right.is_int)
            parts["number"] = self._number(op, a, b, is_int)
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
                        output_field=_OUTPUT[kind](),
                    )
                    if kind_b == "duration" and right.constant:
                        sql = self._in_range(left.parts[kind_a], op, right.literal, sql)
                    if sql is not None:
                        parts[kind] = sql
        known_left, known_right = left.static_kinds, right.static_kinds
        if not parts and known_left and known_right:
            raise UnsupportedQuery(
                f"cannot {op.value} {_said(known_left)} and {_said(known_right)}"
            )
        return self._computed(parts, is_int)

    def _in_range(self, moment: Any, op: ArithmeticOp, duration: timedelta, sql: Any) -> Any:
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

    def _number(self, op: ArithmeticOp, a: Any, b: Any, is_int: Cond) -> Any:
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
            divisor = _sql("NULLIF(%(expressions)s, 0)", b, output=FloatField)
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

    # Functions

    def _need(self, value: _Value, kind: str, name: str) -> Any:
        """The SQL of the argument's `kind` part; None when it can only be null."""
        if kind in value.parts:
            return value.parts[kind]
        if value.static_kinds:
            raise UnsupportedQuery(f"{name}() takes {_SAID[kind]}, not {_said(value.static_kinds)}")
        return None

    def _call(self, name: str, args: list[_Value]) -> _Value:
        if name in _GEO_FUNCTIONS:
            return self._geo(name, args)
        if name in ("substringof", "startswith", "endswith", "indexof", "concat",
                    "length", "tolower", "toupper", "trim"):  # fmt: skip
            texts = [self._need(arg, "string", name) for arg in args]
            if any(text is None for text in texts):
                return _NULL
            return self._string_function(name, texts)
        if name == "substring":
            return self._substring(args)
        if name in ("round", "floor", "ceiling"):
            number = self._need(args[0], "number", name)
            if number is None:
                return _NULL
            return self._computed({"number": Round(name, number)}, args[0].is_int)
        if name in _DATE_FUNCTIONS:
            return self._datetime_function(name, args[0])
        raise UnsupportedQuery(f"{name}() is not supported")

    def _string_function(self, name: str, texts: list[Any]) -> _Value:
        match name:
            case "substringof":
                needle, haystack = texts
                found = StrIndex(haystack, needle)
                sql = _sql("(%(expressions)s > 0)", found)
                return self._computed({"boolean": sql})
            case "startswith":
                text, prefix = texts
                return self._computed(
                    {"boolean": Sql("(SUBSTR({0}, 1, LENGTH({1})) = {1})", text, prefix)}
                )
            case "endswith":
                text, suffix = texts
                # The marker keeps an empty suffix from meaning "from the first character".
                sql = Sql(
                    "(SUBSTR({0} || '#', -(LENGTH({1}) + 1)) = {1} || '#')",
                    text,
                    suffix,
                    postgresql="(RIGHT({0} || '#', LENGTH({1}) + 1) = {1} || '#')",
                )
                return self._computed({"boolean": sql})
            case "indexof":
                text, needle = texts
                sql = _sql("(%(expressions)s - 1)", StrIndex(text, needle), output=IntegerField)
                return self._computed({"number": sql}, True)
            case "length":
                return self._computed({"number": Length(texts[0])}, True)
            case "concat":
                sql = _sql("(%(expressions)s)", *texts, output=TextField, arg_joiner=" || ")
                return self._computed({"string": sql})
        return self._computed({"string": TextFunction(name, texts[0])})

    def _substring(self, args: list[_Value]) -> _Value:
        text = self._need(args[0], "string", "substring")
        numbers = [self._need(arg, "number", "substring") for arg in args[1:]]
        if text is None or any(n is None for n in numbers):
            return _NULL
        integral: Cond = True
        for arg in args[1:]:
            integral = _and(integral, arg.is_int)
        if integral is False:
            return _NULL  # the evaluator wants integer positions
        start = Sql(
            "(CASE WHEN {0} < 0 THEN 0 WHEN {0} > 1000000000 THEN 1000000000 ELSE {0} END)",
            numbers[0],
        )
        position = _sql("(CAST(%(expressions)s AS INTEGER) + 1)", start, output=IntegerField)
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
        return self._computed({"string": sql})

    def _datetime_function(self, name: str, value: _Value) -> _Value:
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
                wanted = " or ".join(_SAID[k] for k in allowed)
                raise UnsupportedQuery(f"{name}() takes {wanted}, not {_said(value.static_kinds)}")
            return _NULL
        ((kind, sql),) = usable.items()
        if name == "totaloffsetminutes":  # stored date-times are UTC
            zero = Case(
                When(_is_null(sql), then=Value(None)), default=Value(0), output_field=IntegerField()
            )
            return self._computed({"number": zero}, True)
        if name == "fractionalseconds":
            return self._computed({"number": FractionalSeconds(sql)})
        if name == "date":
            return self._computed({"date": sql if kind == "date" else TruncDate(sql, tzinfo=UTC)})
        if name == "time":
            return self._computed({"time": sql if kind == "time" else TruncTime(sql, tzinfo=UTC)})
        tz = UTC if kind == "datetime" else None
        return self._computed({"number": Extract(sql, name, tzinfo=tz)}, True)

    # Geospatial functions

    def _geo(self, name: str, args: list[_Value]) -> _Value:
        count = 1 if name == "geo.length" else 2
        geometries, extra = args[:count], args[count:]
        for arg in geometries:
            if arg.geometry is None and arg.geo_sql is None and arg.static_kinds:
                raise UnsupportedQuery(f"{name}() takes geometries, not {_said(arg.static_kinds)}")
        if any(arg.null is True for arg in args):
            return _NULL
        output = FloatField if name in ("geo.distance", "geo.length") else BooleanField
        pattern = None
        if extra:
            pattern = extra[0].literal if extra[0].constant else None
            if not isinstance(pattern, str):
                if extra[0].constant:
                    return _NULL
                raise UnsupportedQuery(f"{name}() needs a literal pattern")
        kind = "number" if output is FloatField else "boolean"
        if self.vendor == "sqlite":
            sql_args = [
                Value("WKT;" + arg.geometry.wkt) if arg.geometry is not None else arg.geo_sql
                for arg in geometries
            ]
            if pattern is not None:
                sql_args.append(Value(pattern))
            return self._computed(
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
            results[key] = call(name, values, self.now)
        if output is BooleanField:
            trues = [k for k, v in results.items() if v is True]
            falses = [k for k, v in results.items() if v is False]
            whens = [
                When(Q(AnyOf(pk, keys)), then=Value(flag))
                for keys, flag in ((trues, True), (falses, False))
                if keys
            ]
            if not whens:
                return _NULL
            sql = Case(*whens, default=Value(None), output_field=BooleanField())
        else:
            known = [(k, v) for k, v in results.items() if v is not None]
            if not known:
                return _NULL
            sql = LookupTable(pk, [k for k, _ in known], [v for _, v in known])
        return self._computed({kind: sql})
