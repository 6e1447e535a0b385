"""Parsing SensorThings `$filter` (OGC 18-088 section 9.3.3.5, OData 4.01 syntax) into `nodes`.

One LALR grammar (lark, contextual lexer) also serves `$orderby` and `$select`; every failure,
whatever the input, is a `QuerySyntaxError` with a 0-based position into the text.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import shapely
from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from .nodes import (
    FUNCTIONS,
    KEYWORDS,
    Arithmetic,
    ArithmeticOp,
    Call,
    CompareOp,
    Comparison,
    Expression,
    Literal,
    Logical,
    LogicalOp,
    Negate,
    Not,
    Property,
    depth,
)

# Deeper trees are refused: evaluation and the later ORM translation recurse over them.
MAX_DEPTH = 200


class QuerySyntaxError(ValueError):
    """A query option that does not parse; `position` is a 0-based offset into its text."""

    def __init__(self, message: str, position: int, option: str = "$filter") -> None:
        super().__init__(f"{option}: {message}")
        self.message = message
        self.position = position
        self.option = option


class FilterSyntaxError(QuerySyntaxError):
    """A `$filter` expression that does not parse."""


GRAMMAR = r"""
filter: expr
orderby: order_item ("," order_item)*
order_item: expr [ASC | DESC]
select: path ("," path)*

?expr: or_expr
?or_expr: and_expr | or_expr OR and_expr -> logical
?and_expr: eq_expr | and_expr AND eq_expr -> logical
?eq_expr: rel_expr | eq_expr (EQ | NE) rel_expr -> comparison
?rel_expr: add_expr | rel_expr (GT | GE | LT | LE) add_expr -> comparison
?add_expr: mul_expr | add_expr (ADD | SUB) mul_expr -> arithmetic
?mul_expr: unary | mul_expr (MUL | DIV | MOD) unary -> arithmetic
?unary: primary | NOT unary -> not_ | MINUS unary -> negate
?primary: literal | path | call | "(" expr ")"
call: NAME "(" [expr ("," expr)*] ")"
path: segment ("/" segment)*
?segment: NAME | ANNOTATION
literal: NUMBER | STRING | TRUE | FALSE | NULL | DATETIME | DATE | TIME | GEO | DURATION

OR: "or"
AND: "and"
NOT: "not"
EQ: "eq"
NE: "ne"
GT: "gt"
GE: "ge"
LT: "lt"
LE: "le"
ADD: "add"
SUB: "sub"
MUL: "mul"
DIV: "div"
MOD: "mod"
ASC: "asc"i
DESC: "desc"i
TRUE: "true"
FALSE: "false"
NULL: "null"
MINUS: "-"

NAME: /[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/
ANNOTATION: /@[A-Za-z_][A-Za-z0-9_.]*/
NUMBER: /[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/
STRING: /'([^']|'')*'/
GEO.3: /(geography|geometry)'([^']|'')*'/i
DURATION.3: /duration'([^']|'')*'/i
DATETIME.2: _DAY "T" _CLOCK _OFFSET?
DATE.2: _DAY
TIME.2: _CLOCK
_DAY: /[0-9]{4}-[0-9]{2}-[0-9]{2}/
_CLOCK: /[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?/
_OFFSET: /Z|z|[+-][0-9]{2}:[0-9]{2}/

%ignore /[ \t\r\n]+/
"""

_DURATION = re.compile(
    r"(-)?P(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?", re.ASCII
)


class _Syntax(Exception):
    """Raised inside the tree builder; turned into a QuerySyntaxError by the caller."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


@v_args(inline=True)
class _TreeBuilder(Transformer):
    """Builds `nodes` as the LALR parser reduces, so no parse tree and no recursion."""

    def filter(self, expression: Expression) -> Expression:
        return expression

    def orderby(self, *items: tuple[Expression, bool]) -> list[tuple[Expression, bool]]:
        return list(items)

    def order_item(self, expression: Expression, direction: Token | None) -> tuple:
        return expression, direction is not None and direction.type == "DESC"

    def select(self, *paths: Property) -> list[Property]:
        return list(paths)

    def logical(self, left: Expression, op: Token, right: Expression) -> Logical:
        return Logical(LogicalOp(op.value), left, right, position=left.position)

    def comparison(self, left: Expression, op: Token, right: Expression) -> Comparison:
        return Comparison(CompareOp(op.value), left, right, position=left.position)

    def arithmetic(self, left: Expression, op: Token, right: Expression) -> Arithmetic:
        return Arithmetic(ArithmeticOp(op.value), left, right, position=left.position)

    def not_(self, keyword: Token, operand: Expression) -> Not:
        return Not(operand, position=keyword.start_pos)

    def negate(self, minus: Token, operand: Expression) -> Expression:
        match operand:
            case Literal(value=int() | float() as number) if not isinstance(number, bool):
                return Literal(-number, position=minus.start_pos)
        return Negate(operand, position=minus.start_pos)

    def call(self, name: Token, *args: Expression | None) -> Call:
        arguments = tuple(arg for arg in args if arg is not None)
        if name.value not in FUNCTIONS:
            raise _Syntax(
                f"unknown function '{name.value}' at position {name.start_pos}", name.start_pos
            )
        fewest, most = FUNCTIONS[name.value]
        if not fewest <= len(arguments) <= most:
            wanted = str(fewest) if fewest == most else f"{fewest} or {most}"
            plural = "" if wanted == "1" else "s"
            raise _Syntax(
                f"{name.value}() at position {name.start_pos} takes {wanted} argument{plural}, "
                f"got {len(arguments)}",
                name.start_pos,
            )
        return Call(name.value, arguments, position=name.start_pos)

    def path(self, *segments: Token) -> Property:
        for segment in segments:
            if segment.value in KEYWORDS:
                raise _Syntax(
                    f"unexpected '{segment.value}' at position {segment.start_pos}; "
                    "expected a value",
                    segment.start_pos,
                )
        return Property(tuple(s.value for s in segments), position=segments[0].start_pos)

    def literal(self, token: Token) -> Literal:
        return Literal(_literal_value(token), position=token.start_pos)


def _literal_value(token: Token):
    text, position = token.value, token.start_pos
    match token.type:
        case "NUMBER":
            if any(c in text for c in ".eE"):
                return float(text)
            if len(text) > 100:  # int() refuses beyond 4,300 digits; no sensor needs 100
                raise _Syntax(f"number at position {position} has too many digits", position)
            return int(text)
        case "STRING":
            return text[1:-1].replace("''", "'")
        case "TRUE" | "FALSE":
            return token.type == "TRUE"
        case "NULL":
            return None
        case "DATETIME":
            if text[-1] not in "Zz" and text[-6] not in "+-":
                raise _Syntax(
                    f"date-time at position {position} needs a time zone offset (Z or +hh:mm)",
                    position,
                )
            return _iso(datetime.fromisoformat, text, position, "date-time")
        case "DATE":
            return _iso(date.fromisoformat, text, position, "date")
        case "TIME":
            return _iso(time.fromisoformat, text, position, "time")
        case "DURATION":
            return _duration(text[len("duration'") : -1], position)
        case "GEO":
            wkt = text[text.index("'") + 1 : -1].replace("''", "'")
            try:
                return shapely.from_wkt(wkt)
            except Exception:  # shapely raises GEOSException, ValueError, TypeError …
                raise _Syntax(f"invalid WKT geometry at position {position}", position) from None
    raise AssertionError(token.type)


def _iso(parse, text: str, position: int, kind: str):
    try:
        return parse(text.upper() if kind == "date-time" else text)
    except ValueError:
        raise _Syntax(f"invalid {kind} '{text}' at position {position}", position) from None


def _duration(text: str, position: int) -> timedelta:
    match = _DURATION.fullmatch(text)
    if not match or text in {"P", "-P"}:
        raise _Syntax(
            f"invalid duration '{text}' at position {position}; expected e.g. P1DT2H30M "
            "(days, hours, minutes, seconds)",
            position,
        )
    sign, days, hours, minutes, seconds = match.groups()
    try:
        value = timedelta(
            days=int(days or 0),
            hours=int(hours or 0),
            minutes=int(minutes or 0),
            seconds=float(seconds or 0),
        )
    except (OverflowError, ValueError):
        raise _Syntax(
            f"duration '{text}' at position {position} is longer than 999,999,999 days", position
        ) from None
    return -value if sign else value


_PARSER = Lark(
    GRAMMAR,
    parser="lalr",
    lexer="contextual",
    start=["filter", "orderby", "select"],
    transformer=_TreeBuilder(),
    maybe_placeholders=True,
)

_VALUES = {"NAME", "ANNOTATION", "NUMBER", "STRING", "TRUE", "FALSE", "NULL", "DATETIME"}
_VALUES |= {"DATE", "TIME", "GEO", "DURATION", "MINUS", "NOT", "LPAR"}
_OPERATORS = {op.upper() for op in ("or", "and", "eq", "ne", "gt", "ge", "lt", "le")}
_OPERATORS |= {op.upper() for op in ("add", "sub", "mul", "div", "mod")}


def _expected(names: set[str], option: str) -> str:
    """Lark's terminal names, said in plain English."""
    if option != "$orderby":
        names = names - {"ASC", "DESC"}
    wanted = []
    if names & _VALUES:
        wanted.append("a value")
    if names & _OPERATORS:
        wanted.append("an operator")
    if names & {"ASC", "DESC"}:
        wanted.append("asc or desc")
    for name, said in (
        ("RPAR", "')'"),
        ("COMMA", "','"),
        ("SLASH", "'/'"),
        ("$END", "the end of the text"),
    ):
        if name in names:
            wanted.append(said)
    if not wanted:
        return "something else"
    return wanted[0] if len(wanted) == 1 else ", ".join(wanted[:-1]) + " or " + wanted[-1]


def _found(token: Token) -> str:
    if token.type == "$END":
        return "end of input"
    return f"'{token.value}'"


def _translate(error: UnexpectedInput, text: str, offset: int, option: str) -> tuple[str, int]:
    if isinstance(error, UnexpectedToken):
        position = len(text) if error.token.type == "$END" else error.token.start_pos
        return (
            f"unexpected {_found(error.token)} at position {position + offset}; "
            f"expected {_expected(set(error.expected), option)}",
            position,
        )
    if isinstance(error, UnexpectedCharacters):
        position = error.pos_in_stream
        character = text[position]
        if character == "'":
            return f"unterminated string starting at position {position + offset}", position
        return (
            f"unexpected character {character!r} at position {position + offset}; "
            f"expected {_expected(set(error.allowed or ()), option)}",
            position,
        )
    position = getattr(error, "pos_in_stream", -1)
    position = position if 0 <= position <= len(text) else len(text)
    return f"unexpected input at position {position + offset}", position


def _parse(text: str, start: str, option: str, offset: int, error: type[QuerySyntaxError]):
    if not isinstance(text, str):
        raise error(f"expected text, got {type(text).__name__}", offset, option)
    try:
        return _PARSER.parse(text, start=start)
    except _Syntax as problem:
        message = problem.message.replace(
            f"position {problem.position}", f"position {problem.position + offset}"
        )
        raise error(message, problem.position + offset, option) from None
    except UnexpectedInput as problem:
        message, position = _translate(problem, text, offset, option)
        raise error(message, position + offset, option) from None
    except (LarkError, RecursionError) as problem:  # not expected; never leak lark's classes
        raise error(f"cannot parse: {problem}", offset, option) from None


def _check_depth(expression: Expression, option: str, offset: int) -> None:
    if depth(expression) > MAX_DEPTH:
        raise FilterSyntaxError(
            f"expression nested deeper than {MAX_DEPTH} levels",
            expression.position + offset,
            option,
        )


def parse_filter(text: str, *, offset: int = 0) -> Expression:
    """The syntax tree of a `$filter` value; `offset` shifts reported positions (for $expand)."""
    expression = _parse(text, "filter", "$filter", offset, FilterSyntaxError)
    _check_depth(expression, "$filter", offset)
    return expression


def parse_orderby_items(text: str, *, offset: int = 0) -> list[tuple[Expression, bool]]:
    """`phenomenonTime desc, result` as (expression, descending) pairs."""
    items = _parse(text, "orderby", "$orderby", offset, QuerySyntaxError)
    for expression, _descending in items:
        _check_depth(expression, "$orderby", offset)
    return items


def parse_select_paths(text: str, *, offset: int = 0) -> list[Property]:
    """`name, properties/owner, @iot.id` as property paths."""
    return _parse(text, "select", "$select", offset, QuerySyntaxError)
