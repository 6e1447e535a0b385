"""The SensorThings query options (OGC 18-088 section 9.3) as one tree of `QueryOptions`.

`$expand=Datastreams($filter=result gt 5;$top=3)` nests options, separated by `;`, inside
parentheses. Positions in errors are offsets into the value of the top-level option, so an
error in a nested `$filter` points into the whole `$expand` text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .filter import QuerySyntaxError, parse_filter, parse_orderby_items, parse_select_paths
from .nodes import Expression, Property


@dataclass(frozen=True)
class OrderBy:
    expression: Expression
    descending: bool = False


@dataclass(frozen=True)
class Expand:
    """One navigation path to expand (`Datastreams/Observations`) with its own options."""

    path: tuple[str, ...]
    options: QueryOptions


@dataclass(frozen=True)
class QueryOptions:
    filter: Expression | None = None
    expand: tuple[Expand, ...] = ()
    select: tuple[Property, ...] = ()
    orderby: tuple[OrderBy, ...] = ()
    top: int | None = None
    skip: int | None = None
    count: bool | None = None
    result_format: str | None = None


_NAVIGATION = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPTION_NAME = re.compile(r"\$[A-Za-z]+")
_FORMAT = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_INTEGER = re.compile(r"\d+")


def parse_orderby(text: str, *, offset: int = 0) -> tuple[OrderBy, ...]:
    return tuple(
        OrderBy(expression, descending)
        for expression, descending in parse_orderby_items(text, offset=offset)
    )


def parse_select(text: str, *, offset: int = 0) -> tuple[Property, ...]:
    return tuple(parse_select_paths(text, offset=offset))


def parse_top(text: str, *, offset: int = 0) -> int:
    return _non_negative(text, "$top", offset)


def parse_skip(text: str, *, offset: int = 0) -> int:
    return _non_negative(text, "$skip", offset)


def _non_negative(text: str, option: str, offset: int) -> int:
    if _INTEGER.fullmatch(text):
        return int(text)
    bad = next((i for i, c in enumerate(text) if not c.isascii() or not c.isdigit()), len(text))
    found = f"{text[bad]!r}" if bad < len(text) else "end of input"
    raise QuerySyntaxError(
        f"unexpected {found} at position {bad + offset}; expected a non-negative integer",
        bad + offset,
        option,
    )


def parse_count(text: str, *, offset: int = 0) -> bool:
    if text in ("true", "false"):
        return text == "true"
    raise QuerySyntaxError(
        f"unexpected {text!r} at position {offset}; expected true or false", offset, "$count"
    )


def parse_result_format(text: str, *, offset: int = 0) -> str:
    if _FORMAT.fullmatch(text):
        return text
    raise QuerySyntaxError(
        f"unexpected {text!r} at position {offset}; expected a format name such as dataArray",
        offset,
        "$resultFormat",
    )


def parse_expand(text: str, *, offset: int = 0) -> tuple[Expand, ...]:
    """`Datastreams($top=3;$expand=Observations),Locations` as a tuple of `Expand`."""
    return tuple(
        _expand_item(text, start, end, offset)
        for start, end in _split(text, ",", 0, len(text), "$expand", offset)
    )


_PARSERS: dict[str, tuple[str, Callable[..., Any]]] = {
    "$filter": ("filter", parse_filter),
    "$expand": ("expand", parse_expand),
    "$select": ("select", parse_select),
    "$orderby": ("orderby", parse_orderby),
    "$top": ("top", parse_top),
    "$skip": ("skip", parse_skip),
    "$count": ("count", parse_count),
    "$resultFormat": ("result_format", parse_result_format),
}


def parse_query_options(parameters: Mapping[str, str]) -> QueryOptions:
    """Query-string parameters as `QueryOptions`; names not starting with `$` are left alone."""
    values: dict[str, Any] = {}
    for name, text in parameters.items():
        if not name.startswith("$"):
            continue
        if name not in _PARSERS:
            raise QuerySyntaxError(f"unknown query option {name}", 0, name)
        attribute, parse = _PARSERS[name]
        values[attribute] = parse(text)
    return QueryOptions(**values)


def _split(text: str, separator: str, start: int, end: int, option: str, offset: int):
    """Spans of text[start:end] between top-level separators (outside brackets and quotes)."""
    spans: list[tuple[int, int]] = []
    depth, quoted, opened, piece = 0, -1, [], start
    for index in range(start, end):
        character = text[index]
        if quoted >= 0:
            if character == "'":
                quoted = -1  # a doubled '' closes and reopens: the net effect is the same
            continue
        if character == "'":
            quoted = index
        elif character == "(":
            depth += 1
            opened.append(index)
        elif character == ")":
            if depth == 0:
                raise QuerySyntaxError(
                    f"unexpected ')' at position {index + offset}; nothing to close",
                    index + offset,
                    option,
                )
            depth -= 1
            opened.pop()
        elif character == separator and depth == 0:
            spans.append((piece, index))
            piece = index + 1
    if quoted >= 0:
        raise QuerySyntaxError(
            f"unterminated string starting at position {quoted + offset}", quoted + offset, option
        )
    if opened:
        raise QuerySyntaxError(
            f"'(' at position {opened[-1] + offset} is never closed", opened[-1] + offset, option
        )
    spans.append((piece, end))
    return spans


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _expand_item(text: str, start: int, end: int, offset: int) -> Expand:
    start, end = _strip(text, start, end)
    bracket = text.find("(", start, end)
    path_end = bracket if bracket >= 0 else end
    path = _navigation_path(text, start, path_end, offset)
    if bracket < 0:
        return Expand(path, QueryOptions())
    close = _closing(text, bracket)
    if close != end - 1:
        raise QuerySyntaxError(
            f"unexpected {text[close + 1]!r} at position {close + 1 + offset}; "
            "expected ',' or the end of the text",
            close + 1 + offset,
            "$expand",
        )
    return Expand(path, _nested_options(text, bracket + 1, close, offset))


def _navigation_path(text: str, start: int, end: int, offset: int) -> tuple[str, ...]:
    segments, position = [], start
    for segment in text[start:end].split("/"):
        begin, finish = _strip(text, position, position + len(segment))
        if not _NAVIGATION.fullmatch(text[begin:finish]):
            found = f"{text[begin:finish]!r}" if finish > begin else "nothing"
            raise QuerySyntaxError(
                f"unexpected {found} at position {begin + offset}; "
                "expected the name of a navigation property",
                begin + offset,
                "$expand",
            )
        segments.append(text[begin:finish])
        position += len(segment) + 1
    return tuple(segments)


def _closing(text: str, bracket: int) -> int:
    """The index of the ')' matching text[bracket]; _split has checked that it exists."""
    depth, quoted = 0, False
    for index in range(bracket, len(text)):
        character = text[index]
        if character == "'":
            quoted = not quoted
        elif not quoted and character == "(":
            depth += 1
        elif not quoted and character == ")":
            depth -= 1
            if depth == 0:
                return index
    raise AssertionError("unbalanced brackets passed _split")


def _nested_options(text: str, start: int, end: int, offset: int) -> QueryOptions:
    values: dict[str, Any] = {}
    for begin, finish in _split(text, ";", start, end, "$expand", offset):
        begin, finish = _strip(text, begin, finish)
        equals = text.find("=", begin, finish)
        name = text[begin:equals] if equals >= 0 else text[begin:finish]
        if equals < 0 or not _OPTION_NAME.fullmatch(name) or name not in _PARSERS:
            raise QuerySyntaxError(
                f"unexpected {name!r} at position {begin + offset}; expected a query option "
                "such as $filter=…, $select=…, $expand=…, $orderby=…, $top=… or $skip=…",
                begin + offset,
                "$expand",
            )
        attribute, parse = _PARSERS[name]
        if attribute in values:
            raise QuerySyntaxError(
                f"{name} at position {begin + offset} is given twice", begin + offset, "$expand"
            )
        values[attribute] = parse(text[equals + 1 : finish], offset=offset + equals + 1)
    return QueryOptions(**values)
