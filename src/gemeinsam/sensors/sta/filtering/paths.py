"""Property paths of `$filter` in SQL: from the filtered entity through to-one navigations to
a column (`Datastream/Thing/name`), JSON members (`properties/owner`) and `result`.

A path through a to-many navigation (`Datastreams/Observations/result` on Things) cannot be
one column: `resolve` raises ToMany, and the comparison becomes an EXISTS subquery whose
entity is one more `Scope`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    F,
    FloatField,
    OuterRef,
    Q,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Floor
from django.db.models.lookups import Exact, LessThan

from ...query.nodes import (
    Arithmetic,
    Call,
    Comparison,
    Expression,
    Literal,
    Logical,
    Negate,
    Not,
    Property,
    children,
)
from ..entities import BY_NAME, EntityType, Kind, Nav
from .sql import JsonPart, func
from .values import Cond, SqlValue, UnsupportedQuery, and_, is_, is_null


def quoted_ids(node: Expression, et: EntityType) -> Expression:
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


def has_property(node: Expression) -> bool:
    """Whether the expression reads the entity at all (else it is computed once, in Python)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Property):
            return True
        stack.extend(children(current))
    return False


def properties(node: Expression) -> list[Property]:
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Property):
            found.append(current)
        stack.extend(reversed(children(current)))
    return found


class ToMany(Exception):
    """A path crosses a to-many navigation; the comparison becomes an EXISTS subquery."""

    def __init__(self, level: int, prefix: tuple[str, ...], owner: list[str], nav: Nav) -> None:
        self.level, self.prefix, self.owner, self.nav = level, prefix, owner, nav


@dataclass(frozen=True)
class Scope:
    """An entity a condition reads: the filtered one, or one of an EXISTS subquery."""

    et: EntityType
    prefix: tuple[str, ...]  # the path of navigations from the filtered entity to this one


def column(scopes: list[Scope], level: int, path: str) -> Any:
    """A column of the entity of scope `level`, seen from the innermost scope."""
    reference: Any = path
    for _ in range(len(scopes) - 1 - level):
        reference = OuterRef(reference)
    return F(reference) if isinstance(reference, str) else reference


def resolve(scopes: list[Scope], path: tuple[str, ...]):
    """(scope level, navigation accessors, entity type, nullable, rest of the path)."""
    level = max(i for i, scope in enumerate(scopes) if path[: len(scope.prefix)] == scope.prefix)
    scope = scopes[level]
    et, rest, owner, nullable = scope.et, path[len(scope.prefix) :], [], False
    while rest and rest[0] in et.nav_by_name:
        nav = et.nav_by_name[rest[0]]
        if nav.many:
            prefix = path[: len(path) - len(rest) + 1]
            raise ToMany(level, prefix, owner, nav)
        nullable = nullable or et.model._meta.get_field(nav.accessor).null
        owner.append(nav.accessor)
        et, rest = BY_NAME[nav.target], rest[1:]
    return level, owner, et, nullable, rest


def property_value(scopes: list[Scope], path: tuple[str, ...]) -> SqlValue:
    """The SQL of a property path; raises ToMany for a path through a to-many navigation."""
    level, owner, et, nullable, rest = resolve(scopes, path)
    if not rest:
        raise UnsupportedQuery(
            f"{path[-1]} is a navigation property; compare one of its properties, "
            f"e.g. {path[-1]}/@iot.id"
        )
    name, subpath = rest[0], rest[1:]

    def ref(attribute: str) -> Any:
        return column(scopes, level, "__".join([*owner, attribute]))

    def null_of(expression: Any, column_null: bool) -> Cond:
        return is_null(expression) if nullable or column_null else False

    if name in ("@iot.id", "id") and not subpath:
        sql = ref("pk")
        return SqlValue({"number": sql}, null=null_of(sql, False), is_int=True)
    prop = et.prop_by_name.get(name)
    if prop is None:
        raise UnsupportedQuery(f"{et.set_name} have no property '{name}'")
    if subpath and prop.kind not in (Kind.JSON, Kind.RESULT):
        raise UnsupportedQuery(f"{name} of {et.set_name} has no properties of its own")
    columns = {Kind.INTERVAL: prop.field + "_start", Kind.RESULT: "result_number"}
    model_field = et.model._meta.get_field(columns.get(prop.kind, prop.field))
    match prop.kind:
        case Kind.TEXT:
            sql = ref(prop.field)
            return SqlValue({"string": sql}, null=null_of(sql, model_field.null))
        case Kind.TIME:
            sql = ref(prop.field)
            return SqlValue({"datetime": sql}, null=null_of(sql, model_field.null))
        case Kind.INTERVAL:
            start, end = ref(prop.field + "_start"), ref(prop.field + "_end")
            instant = Case(
                When(is_null(end), then=start),
                default=Value(None),
                output_field=DateTimeField(),
            )
            return SqlValue(
                {"datetime": instant},
                null=null_of(start, model_field.null),
                interval=(start, Coalesce(end, start, output_field=DateTimeField())),
            )
        case Kind.JSON:
            return json_value(ref(prop.field), subpath, (ref("pk"), et.model, prop.field))
    return _result(et, ref, subpath)


def _result(et: EntityType, ref, subpath: tuple[str, ...]) -> SqlValue:
    """Observation.result: one column per kind of result."""
    if subpath:
        source = (ref("pk"), et.model, "result_json")
        return json_value(ref("result_json"), subpath, source)
    number, string = ref("result_number"), ref("result_string")
    stored = json_value(ref("result_json"), (), None)
    # Observation.result shows integral numbers below 2**53 as ints.
    size = func("ABS(%(expressions)s)", number, output=FloatField)
    is_int = Q(Exact(number, Floor(number))) & Q(LessThan(size, Value(2.0**53)))
    return SqlValue(
        {"number": number, "string": string, "boolean": stored.parts["boolean"]},
        null=and_(and_(is_null(number), is_null(string)), stored.null),
        dynamic=True,
        is_int=is_int,
        geo_sql=stored.geo_sql,
        geo_source=(ref("pk"), et.model, "result_json", ()),
    )


def json_value(column: Any, subpath: tuple[str, ...], source: tuple | None) -> SqlValue:
    """A JSON value at `subpath` of a column: a number, string or boolean, or an object that
    the geospatial functions read; `source` lets PostgreSQL read it in Python."""

    def part(kind: str, output: type) -> JsonPart:
        return JsonPart(column, subpath, kind, output())

    return SqlValue(
        {
            "number": part("number", FloatField),
            "string": part("string", TextField),
            "boolean": part("boolean", BooleanField),
        },
        null=is_(part("null", BooleanField), True),
        dynamic=True,
        is_int=is_(part("int", BooleanField), True),
        geo_sql=part("object", TextField),
        geo_source=None if source is None else (*source, subpath),
    )
