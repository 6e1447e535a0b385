"""Reading the CSV files practitioners keep: a quota table (features) and the volunteer pool.

Both the Sortition Foundation's format (sortition-algorithms) and the format of Flanigan et
al.'s replication repository are read; every error names the file, line and column.
"""

import csv
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gemeinsam.lib.messages import format_message, gettext_noop

from .instance import Instance, Quota

# Header forms of the quota table, tried in order: (feature column, value column).
# The paper's `category,feature` must come after `feature,value`: there `feature` is the value.
FEATURE_HEADERS = (("feature", "value"), ("category", "name"), ("category", "feature"))
ID_COLUMNS = ("id", "nationbuilder_id", "person_id")
_INTEGER = re.compile(r"[0-9]+")
_NEGATIVE = re.compile(r"-[0-9]+")


class SortitionInputError(ValueError):
    """A problem in an input file, located by file, line (1 is the header) and column.

    `template` and `params` are kept apart for translation; `message` is the English."""

    def __init__(
        self,
        path: str | Path,
        line: int | None,
        column: str | None,
        template: str,
        params: Mapping[str, object] | None = None,
    ):
        self.path = Path(path)
        self.line = line
        self.column = column
        self.template = template
        self.params = dict(params or {})
        self.message = format_message(template, self.params)
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.path.name]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


@dataclass
class People:
    """The volunteer pool as read from a file, before it meets a panel size."""

    ids: list[str]
    values: dict[str, dict[str, str]]  # person id -> feature -> value (the quota's spelling)
    households: dict[str, str] = field(default_factory=dict)
    details: dict[str, dict[str, str]] = field(default_factory=dict)
    id_column: str | None = None  # None: ids are 0-based row numbers


def household_key(parts: Sequence[str]) -> str:
    """Address parts compared loosely: stripped, casefolded, inner whitespace collapsed."""
    normalised = [" ".join(part.split()).casefold() for part in parts]
    return " | ".join(normalised) if any(normalised) else ""


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every non-blank record; BOM, CRLF and a missing final newline
    are fine. The line number is where the record ends, as the csv module counts."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield reader.line_num, cells


def read_header(path: Path, rows: Iterator[tuple[int, list[str]]]) -> list[str]:
    """The first record of `rows` as trimmed column names; empty files and repeated names
    raise SortitionInputError."""
    try:
        line, cells = next(rows)
    except StopIteration:
        raise SortitionInputError(path, 1, None, gettext_noop("the file is empty")) from None
    header = [cell.strip() for cell in cells]
    for index, name in enumerate(header):
        if name and name in header[:index]:
            raise SortitionInputError(path, line, name, gettext_noop("the column appears twice"))
    return header


def find_column(path: Path, header: list[str], name: str) -> int | None:
    """The index of column `name`: the exact spelling first, then ignoring case."""
    if name in header:
        return header.index(name)
    matches = [i for i, cell in enumerate(header) if cell.casefold() == name.casefold()]
    if len(matches) > 1:
        spellings = ", ".join(header[i] for i in matches)
        raise SortitionInputError(
            path,
            1,
            name,
            gettext_noop("ambiguous: several columns match (%(spellings)s)"),
            {"spellings": spellings},
        )
    return matches[0] if matches else None


def cell_at(cells: list[str], index: int) -> str:
    """The trimmed cell at `index`, empty where a short row ends before it."""
    return cells[index].strip() if index < len(cells) else ""


def check_width(path: Path, line: int, cells: list[str], header: list[str]) -> None:
    """Refuse a row with data in cells beyond the header."""
    # Trailing empty cells (a spreadsheet's stray commas) are harmless; data beyond is not.
    if any(cell.strip() for cell in cells[len(header) :]):
        raise SortitionInputError(
            path,
            line,
            None,
            gettext_noop("the row has %(cells)s cells but the header only %(header)s"),
            {"cells": len(cells), "header": len(header)},
        )


def _count(path: Path, line: int, column: str, text: str) -> int:
    if _INTEGER.fullmatch(text):
        return int(text)
    if _NEGATIVE.fullmatch(text):
        raise SortitionInputError(
            path, line, column, gettext_noop("%(number)s is negative"), {"number": text}
        )
    if not text:
        raise SortitionInputError(
            path, line, column, gettext_noop("expected a whole number, found an empty cell")
        )
    raise SortitionInputError(
        path,
        line,
        column,
        gettext_noop("expected a whole number, found '%(found)s'"),
        {"found": text},
    )


def read_features(path: str | Path) -> list[Quota]:
    """The quota table: one row per value of a feature, with the panel's min and max for it.

    Headers (any case): `feature,value,min,max` (sortition-algorithms; extra `min_flex`,
    `max_flex` are ignored), `category,name,min,max` (its older form) or the paper's
    `category,feature,min,max`, where `category` is the feature and `feature` the value."""
    path = Path(path)
    rows = _rows(path)
    header = read_header(path, rows)
    folded = {cell.casefold() for cell in header}
    names = next((pair for pair in FEATURE_HEADERS if set(pair) <= folded), None)
    if names is None:
        missing = "feature" if "category" not in folded and "feature" not in folded else "value"
        raise SortitionInputError(
            path,
            1,
            missing,
            gettext_noop(
                "missing column; the header must be feature,value,min,max "
                "(or category,name,min,max, or category,feature,min,max)"
            ),
        )
    columns = {}
    for role, name in zip(("feature", "value", "min", "max"), (*names, "min", "max"), strict=True):
        index = find_column(path, header, name)
        if index is None:
            raise SortitionInputError(path, 1, name, gettext_noop("missing column"))
        columns[role] = index
    feature_column, value_column = (header[columns["feature"]], header[columns["value"]])

    quotas: list[Quota] = []
    spelling: dict[str, str] = {}  # casefolded feature -> first spelling seen
    first_line: dict[tuple[str, str], int] = {}
    for line, cells in rows:
        check_width(path, line, cells, header)
        feature = cell_at(cells, columns["feature"])
        value = cell_at(cells, columns["value"])
        if not feature:
            raise SortitionInputError(
                path, line, feature_column, gettext_noop("the feature name is empty")
            )
        if not value:
            raise SortitionInputError(
                path,
                line,
                value_column,
                gettext_noop("empty value of '%(feature)s'"),
                {"feature": feature},
            )
        feature = spelling.setdefault(feature.casefold(), feature)
        key = (feature.casefold(), value.casefold())
        if key in first_line:
            raise SortitionInputError(
                path,
                line,
                value_column,
                gettext_noop(
                    "duplicate value '%(value)s' of feature '%(feature)s' (first on line %(first)s)"
                ),
                {"value": value, "feature": feature, "first": first_line[key]},
            )
        first_line[key] = line
        low = _count(path, line, header[columns["min"]], cell_at(cells, columns["min"]))
        high = _count(path, line, header[columns["max"]], cell_at(cells, columns["max"]))
        if low > high:
            raise SortitionInputError(
                path,
                line,
                header[columns["min"]],
                gettext_noop(
                    "min %(min)s is greater than max %(max)s for '%(feature)s' = '%(value)s'"
                ),
                {"min": low, "max": high, "feature": feature, "value": value},
            )
        quotas.append(Quota(feature, value, low, high))
    if not quotas:
        raise SortitionInputError(path, 2, None, gettext_noop("no quota rows after the header"))
    return quotas


def read_people(
    path: str | Path,
    features: Sequence[Quota],
    *,
    id_column: str | None = None,
    household_columns: Sequence[str] = (),
) -> People:
    """The volunteer pool: an id column, one column per feature of `features`, and others.

    The id column is `id_column`, else the first of `id`, `nationbuilder_id`, `person_id`
    present, else none: then the 0-based row number is the id (the paper's files). Feature
    columns and values match exactly first, then ignoring case; values are stored in the
    quota table's spelling. The household key joins `household_columns` (see
    `household_key`); a person whose household columns are all empty has no household."""
    path = Path(path)
    rows = _rows(path)
    header = read_header(path, rows)

    if id_column is not None:
        id_index = find_column(path, header, id_column)
        if id_index is None:
            raise SortitionInputError(path, 1, id_column, gettext_noop("missing id column"))
    else:
        id_index = next(
            (i for name in ID_COLUMNS if (i := find_column(path, header, name)) is not None), None
        )

    known: dict[str, list[str]] = {}  # feature -> its values, in the quota table's order
    for quota in features:
        known.setdefault(quota.feature, []).append(quota.value)
    feature_index: dict[str, int] = {}
    for feature in known:
        index = find_column(path, header, feature)
        if index is None or index == id_index:
            raise SortitionInputError(
                path,
                1,
                feature,
                gettext_noop("missing column for feature '%(feature)s'"),
                {"feature": feature},
            )
        feature_index[feature] = index
    household_index = []
    for name in household_columns:
        index = find_column(path, header, name)
        if index is None:
            raise SortitionInputError(
                path, 1, name, gettext_noop("missing household (address) column")
            )
        household_index.append(index)
    used = {id_index, *feature_index.values()}
    other = [i for i in range(len(header)) if i not in used and header[i]]

    people = People(ids=[], values={}, id_column=None if id_index is None else header[id_index])
    first_line: dict[str, int] = {}
    for row_number, (line, cells) in enumerate(rows):
        check_width(path, line, cells, header)
        if id_index is None:
            person = str(row_number)
        else:
            person = cell_at(cells, id_index)
            if not person:
                raise SortitionInputError(
                    path, line, header[id_index], gettext_noop("the id is empty")
                )
            if person in first_line:
                raise SortitionInputError(
                    path,
                    line,
                    header[id_index],
                    gettext_noop("duplicate id '%(id)s' (first on line %(first)s)"),
                    {"id": person, "first": first_line[person]},
                )
        first_line[person] = line
        values = {}
        for feature, index in feature_index.items():
            values[feature] = _match_value(
                path, line, header[index], cell_at(cells, index), known[feature]
            )
        people.ids.append(person)
        people.values[person] = values
        people.details[person] = {header[i]: cell_at(cells, i) for i in other}
        key = household_key([cell_at(cells, i) for i in household_index])
        if key:
            people.households[person] = key
    if not people.ids:
        raise SortitionInputError(path, 2, None, gettext_noop("no people after the header"))
    return people


def _match_value(path: Path, line: int, column: str, text: str, values: list[str]) -> str:
    if text in values:
        return text
    folded = [value.casefold() for value in values]
    if text.casefold() in folded:
        return values[folded.index(text.casefold())]
    expected = {"value": text, "values": ", ".join(values)}
    if not text:
        template = gettext_noop("empty value (expected one of: %(values)s)")
    else:
        template = gettext_noop("unknown value '%(value)s' (expected one of: %(values)s)")
    raise SortitionInputError(path, line, column, template, expected)


def read_instance(
    features_path: str | Path,
    people_path: str | Path,
    size: int,
    *,
    id_column: str | None = None,
    household_columns: Sequence[str] = (),
) -> Instance:
    """The instance of a quota table, a pool file and the panel size k."""
    if size < 1:
        raise ValueError(f"the panel size must be at least 1, not {size}")
    quotas = read_features(features_path)
    people = read_people(
        people_path, quotas, id_column=id_column, household_columns=household_columns
    )
    return Instance(
        people=people.ids,
        values=people.values,
        quotas=quotas,
        size=size,
        households=people.households,
        details=people.details,
    )
