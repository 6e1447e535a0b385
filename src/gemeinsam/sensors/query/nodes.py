"""The typed syntax tree of a SensorThings `$filter` expression, and its rendering as text.

OGC 18-088 section 9.3.3.5 borrows OData 4.01's expression syntax; the function table below
is the one the standard lists (Table 25), with the arity the parser checks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from shapely.geometry.base import BaseGeometry

type LiteralValue = (
    int | float | str | bool | datetime | date | time | timedelta | BaseGeometry | None
)


class CompareOp(StrEnum):
    EQ = "eq"
    NE = "ne"
    GT = "gt"
    GE = "ge"
    LT = "lt"
    LE = "le"


class ArithmeticOp(StrEnum):
    ADD = "add"
    SUB = "sub"
    MUL = "mul"
    DIV = "div"
    MOD = "mod"


class LogicalOp(StrEnum):
    AND = "and"
    OR = "or"


# name -> (fewest, most) arguments
FUNCTIONS: dict[str, tuple[int, int]] = {
    "substringof": (2, 2),
    "startswith": (2, 2),
    "endswith": (2, 2),
    "length": (1, 1),
    "indexof": (2, 2),
    "substring": (2, 3),
    "tolower": (1, 1),
    "toupper": (1, 1),
    "trim": (1, 1),
    "concat": (2, 2),
    "year": (1, 1),
    "month": (1, 1),
    "day": (1, 1),
    "hour": (1, 1),
    "minute": (1, 1),
    "second": (1, 1),
    "fractionalseconds": (1, 1),
    "date": (1, 1),
    "time": (1, 1),
    "totaloffsetminutes": (1, 1),
    "now": (0, 0),
    "mindatetime": (0, 0),
    "maxdatetime": (0, 0),
    "round": (1, 1),
    "floor": (1, 1),
    "ceiling": (1, 1),
    "geo.distance": (2, 2),
    "geo.length": (1, 1),
    "geo.intersects": (2, 2),
    "st_within": (2, 2),
    "st_intersects": (2, 2),
    "st_contains": (2, 2),
    "st_disjoint": (2, 2),
    "st_equals": (2, 2),
    "st_touches": (2, 2),
    "st_overlaps": (2, 2),
    "st_crosses": (2, 2),
    "st_relate": (3, 3),
}

# Words the grammar reserves; a property path segment may not be one of them.
KEYWORDS = frozenset(
    {"and", "or", "not", "true", "false", "null", "asc", "desc"}
    | {op.value for op in CompareOp}
    | {op.value for op in ArithmeticOp}
)


@dataclass(frozen=True)
class Node:
    # Where the node starts in the expression; not part of its meaning.
    position: int = field(default=-1, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Literal(Node):
    value: LiteralValue


@dataclass(frozen=True)
class Property(Node):
    """A path such as `Datastream/Thing/name`, `properties/owner` or `@iot.id`."""

    path: tuple[str, ...]


@dataclass(frozen=True)
class Not(Node):
    operand: Expression


@dataclass(frozen=True)
class Negate(Node):
    operand: Expression


@dataclass(frozen=True)
class Comparison(Node):
    op: CompareOp
    left: Expression
    right: Expression


@dataclass(frozen=True)
class Arithmetic(Node):
    op: ArithmeticOp
    left: Expression
    right: Expression


@dataclass(frozen=True)
class Logical(Node):
    op: LogicalOp
    left: Expression
    right: Expression


@dataclass(frozen=True)
class Call(Node):
    name: str
    args: tuple[Expression, ...]


type Expression = Literal | Property | Not | Negate | Comparison | Arithmetic | Logical | Call


def children(node: Expression) -> tuple[Expression, ...]:
    match node:
        case Not(operand=operand) | Negate(operand=operand):
            return (operand,)
        case Comparison(left=left, right=right) | Arithmetic(left=left, right=right):
            return (left, right)
        case Logical(left=left, right=right):
            return (left, right)
        case Call(args=args):
            return args
    return ()


def depth(node: Expression) -> int:
    """The nesting depth of a tree, computed without recursion (trees may be very deep)."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children(current))
    return deepest


# OData 4.01 URL conventions 5.1.1.15: a higher number binds tighter.
_BINDING = {
    LogicalOp.OR: 1,
    LogicalOp.AND: 2,
    CompareOp.EQ: 3,
    CompareOp.NE: 3,
    CompareOp.GT: 4,
    CompareOp.GE: 4,
    CompareOp.LT: 4,
    CompareOp.LE: 4,
    ArithmeticOp.ADD: 5,
    ArithmeticOp.SUB: 5,
    ArithmeticOp.MUL: 6,
    ArithmeticOp.DIV: 6,
    ArithmeticOp.MOD: 6,
}
_UNARY = 7
_ATOM = 8


def _binding(node: Expression) -> int:
    match node:
        case Comparison(op=op) | Arithmetic(op=op) | Logical(op=op):
            return _BINDING[op]
        case Not() | Negate():
            return _UNARY
        case Literal(value=int() | float() as number) if number < 0 or math.copysign(1, number) < 0:
            return _UNARY  # rendered with a leading minus
    return _ATOM


def render(node: Expression) -> str:
    """The expression as `$filter` text, with only the parentheses the precedence needs."""
    match node:
        case Literal(value=value):
            return render_literal(value)
        case Property(path=path):
            return "/".join(path)
        case Call(name=name, args=args):
            return f"{name}({', '.join(render(arg) for arg in args)})"
        case Not(operand=operand):
            return f"not {_wrap(operand, _UNARY)}"
        case Negate(operand=operand):
            return f"-{_wrap(operand, _ATOM)}"
        case (
            Comparison(op=op, left=left, right=right)
            | Arithmetic(op=op, left=left, right=right)
            | Logical(op=op, left=left, right=right)
        ):
            # Operators are left-associative: a right operand of equal binding needs brackets.
            level = _BINDING[op]
            return f"{_wrap(left, level)} {op.value} {_wrap(right, level + 1)}"
    raise TypeError(f"not a filter expression: {node!r}")


def _wrap(node: Expression, level: int) -> str:
    text = render(node)
    return f"({text})" if _binding(node) < level else text


def render_literal(value: LiteralValue) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "true" if value else "false"
        case int() | float():
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"no literal for {value}")
            return repr(value)
        case str():
            return "'" + value.replace("'", "''") + "'"
        case datetime():
            return value.isoformat()
        case date() | time():
            return value.isoformat()
        case timedelta():
            return f"duration'{_iso_duration(value)}'"
        case BaseGeometry():
            return f"geography'{value.wkt}'"
    raise TypeError(f"no literal for {value!r}")


def _iso_duration(value: timedelta) -> str:
    sign = "-" if value < timedelta(0) else ""
    value = abs(value)
    seconds = f"{value.seconds}.{value.microseconds:06d}".rstrip("0").rstrip(".")
    return f"{sign}P{value.days}DT{seconds}S" if seconds != "0" else f"{sign}P{value.days}D"
