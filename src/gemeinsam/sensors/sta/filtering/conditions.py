"""`$filter` and `$orderby` trees as conditions and sort keys of the Django ORM.

Conditions are built for a wanted truth value ("is true", "is false"), pushing `not` down, so
`phenomenonTime ge X and result gt 5` is a plain WHERE on indexed columns; only a negated
comparison needs `NOT COALESCE(..., FALSE)`. A comparison ORs the kinds both sides share;
intervals compare as FROST does (see the package's docstring).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ForeignObjectRel,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
)

from ...query import OrderBy
from ...query.evaluate import evaluate
from ...query.nodes import (
    Arithmetic,
    Call,
    CompareOp,
    Comparison,
    Expression,
    Logical,
    LogicalOp,
    Negate,
    Not,
    Property,
)
from ..entities import BY_NAME, EntityType
from .functions import arithmetic, call_function, negate
from .paths import (
    Scope,
    ToMany,
    column,
    has_property,
    properties,
    property_value,
    quoted_ids,
    resolve,
)
from .sql import func, register_sqlite_functions
from .values import (
    KINDS,
    NULL,
    Cond,
    SqlValue,
    UnsupportedQuery,
    and_,
    any_,
    as_expression,
    is_,
    is_null,
    literal,
    not_,
    or_,
    said,
)

_LOOKUPS = {
    CompareOp.EQ: Exact,
    CompareOp.GT: GreaterThan,
    CompareOp.GE: GreaterThanOrEqual,
    CompareOp.LT: LessThan,
    CompareOp.LE: LessThanOrEqual,
}


def filter_queryset(qs: QuerySet, et: EntityType, node: Expression, now: datetime) -> QuerySet:
    """The entities of `qs` for which the filter is true."""
    node = quoted_ids(node, et)
    vendor = _vendor(qs)
    condition = Translator(et, now, vendor).truth(node, True)
    if condition is True:
        return qs
    if condition is False:
        return qs.none()
    return qs.filter(condition)


def order_queryset(qs: QuerySet, et: EntityType, orderby: tuple[OrderBy, ...]) -> QuerySet:
    """Sorted by the `$orderby` items, then by id so that pages are stable; nulls sort low."""
    translator = Translator(et, datetime.now(UTC), _vendor(qs))
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


def _vendor(qs: QuerySet) -> str:
    connection = connections[qs.db]
    if connection.vendor == "sqlite":
        register_sqlite_functions(connection)
    return connection.vendor


class Translator:
    """Translates the expressions of one query: its entity type, clock and database, and the
    scopes (the filtered entity, then those of enclosing EXISTS subqueries)."""

    def __init__(
        self, et: EntityType, now: datetime, vendor: str, scopes: list[Scope] | None = None
    ) -> None:
        self.et, self.now, self.vendor = et, now, vendor
        self.scopes: list[Scope] = scopes or [Scope(et, ())]

    # --- conditions ---------------------------------------------------------------------------

    def truth(self, node: Expression, want: bool) -> Cond:
        """A condition that is TRUE exactly where the filter evaluates to `want`.

        Where it does not, the condition may be FALSE or NULL: both fail a WHERE clause, and
        `and`/`or` do not tell them apart on the way up, since `not` is pushed down to here.
        """
        if not has_property(node):
            return evaluate(node, {}, self.now) is want
        match node:
            case Logical(op=op, left=left, right=right):
                combine = and_ if (op is LogicalOp.AND) == want else or_
                return combine(self.truth(left, want), self.truth(right, want))
            case Not(operand=operand):
                return self.truth(operand, not want)
        try:
            for prop in properties(node):
                resolve(self.scopes, prop.path)
        except ToMany as many:
            exists = self._exists(node, many)
            return exists if want else not_(exists)
        if isinstance(node, Comparison):
            condition = self._compare(node.op, self.value(node.left), self.value(node.right))
            if want:
                return condition
            if isinstance(condition, bool):
                return not condition
            return ~Q(as_expression(condition))
        boolean = self.value(node).parts.get("boolean")
        return False if boolean is None else is_(boolean, want)

    def _exists(self, node: Expression, many: ToMany) -> Cond:
        """Some entity of the to-many navigation makes the condition true: EXISTS (...)."""
        owner_model = self.scopes[many.level].et.model
        for accessor in many.owner:
            owner_model = owner_model._meta.get_field(accessor).related_model
        relation = owner_model._meta.get_field(many.nav.accessor)
        if isinstance(relation, ForeignObjectRel):
            back = relation.field.name
        else:
            back = relation.related_query_name()
        target = BY_NAME[many.nav.target]
        scopes = [*self.scopes, Scope(target, many.prefix)]
        inner = Translator(self.et, self.now, self.vendor, scopes)
        correlated = column(scopes, many.level, "__".join([*many.owner, "pk"]))
        condition = inner.truth(node, True)
        if condition is False:
            return False
        queryset = target.model._base_manager.filter(**{back: correlated})
        if condition is not True:
            queryset = queryset.filter(condition)
        return Q(Exists(queryset))

    # --- comparisons --------------------------------------------------------------------------

    def _compare(self, op: CompareOp, left: SqlValue, right: SqlValue) -> Cond:
        """Where OData's comparison is true (NULL or FALSE elsewhere)."""
        if op is CompareOp.NE:
            equal = self._compare(CompareOp.EQ, left, right)
            if isinstance(equal, bool):
                return not equal
            return ~Q(as_expression(equal))
        if left.null is True or right.null is True:
            if op is not CompareOp.EQ:
                return False
            return and_(left.null, right.null)
        both_times = "datetime" in left.parts and "datetime" in right.parts
        known_left, known_right = left.static_kinds, right.static_kinds
        if known_left and known_right and not known_left & known_right:
            raise UnsupportedQuery(f"cannot compare {said(known_left)} with {said(known_right)}")
        if (left.interval or right.interval) and both_times:
            result = _compare_intervals(op, left, right)
        else:
            terms = []
            for kind in KINDS:
                if kind in left.parts and kind in right.parts:
                    a, b = left.parts[kind], right.parts[kind]
                    if kind == "string" and op is not CompareOp.EQ:
                        a, b = self._collated(a), self._collated(b)
                    terms.append(Q(_LOOKUPS[op](a, b)))
            result = any_(terms)
        if op is CompareOp.EQ and left.null is not False and right.null is not False:
            result = or_(result, and_(left.null, right.null))
        return result

    def _collated(self, expression: Any) -> Any:
        # Code point order as in Python, whatever the database's collation.
        if self.vendor == "postgresql":
            return func('(%(expressions)s COLLATE "C")', expression, output=TextField)
        return expression

    # --- values -------------------------------------------------------------------------------

    def value(self, node: Expression) -> SqlValue:
        if not has_property(node):
            return literal(evaluate(node, {}, self.now))
        match node:
            case Property(path=path):
                return property_value(self.scopes, path)
            case Comparison() | Logical() | Not():
                whens = []
                for truth in (True, False):
                    condition = self.truth(node, truth)
                    if condition is True:
                        return literal(truth)
                    if condition is not False:
                        whens.append(When(condition, then=Value(truth)))
                if not whens:
                    return NULL
                sql = Case(*whens, default=Value(None), output_field=BooleanField())
                return SqlValue({"boolean": sql}, null=is_null(sql))
            case Negate(operand=operand):
                return negate(self.value(operand))
            case Arithmetic(op=op, left=left, right=right):
                return arithmetic(op, self.value(left), self.value(right))
            case Call(name=name, args=args):
                values = [self.value(arg) for arg in args]
                return call_function(name, values, vendor=self.vendor, now=self.now)
        return literal(node.value)  # a Literal has no property; unreachable

    def sort_keys(self, node: Expression) -> list[tuple[Any, bool]]:
        if not has_property(node):
            return []
        try:
            value = self.value(node)
        except ToMany as many:
            raise UnsupportedQuery(
                f"cannot order by {'/'.join(many.prefix)}: it leads to many entities"
            ) from None
        nullable = value.null is not False
        if value.interval:
            return [(value.interval[0], nullable)]
        return [(value.parts[kind], nullable) for kind in KINDS if kind in value.parts]


def _compare_intervals(op: CompareOp, left: SqlValue, right: SqlValue) -> Cond:
    """As FROST: `a gt b` is a.start > b.end, `a lt b` a.end < b.start, `eq` both ends."""
    a_start, a_end = left.interval or (left.parts["datetime"],) * 2
    b_start, b_end = right.interval or (right.parts["datetime"],) * 2
    match op:
        case CompareOp.GT | CompareOp.GE:
            return Q(_LOOKUPS[op](a_start, b_end))
        case CompareOp.LT | CompareOp.LE:
            # start <= end, so the start is bounded too: the index on it applies.
            before = _LOOKUPS[op]
            condition = Q(before(a_end, b_start))
            if left.interval:
                condition &= Q(before(a_start, b_start))
            if right.interval:
                condition &= Q(before(a_end, b_end))
            return condition
    condition = Q(Exact(a_start, b_start))
    if left.interval or right.interval:
        condition &= Q(Exact(a_end, b_end))
    return condition
