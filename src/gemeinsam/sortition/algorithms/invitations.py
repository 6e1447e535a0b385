"""Stage 1 of a citizens' panel lottery: invitations drawn from the address register,
stratified proportionally (by Bezirk, Berlin's twelve districts, unless told otherwise).

The draw uses no random generator: each address's place in the draw order is the SHA-256 of
the seed and its id, so anyone with the register and the published seed can repeat it.
"""

import csv
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from io import StringIO
from pathlib import Path

from gemeinsam.lib.messages import gettext_noop

from .io import SortitionInputError, cell_at, check_width, find_column, read_header

# A cell starting with one of these is run as a formula by spreadsheet programs (OWASP,
# "CSV Injection"); the tab and carriage return smuggle one past a naive check.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Address:
    """One entry of the register; `extra` keeps its other columns (name, further strata)."""

    id: str
    address: str
    stratum: str
    extra: dict[str, str] = field(default_factory=dict, hash=False)


def read_register(
    path: str | Path,
    *,
    id_column: str = "id",
    address_column: str = "address",
    stratum_column: str = "district",
) -> list[Address]:
    """The address register in file order: UTF-8 with or without BOM, comma or semicolon
    as delimiter (whichever splits the header into more cells), cells trimmed.

    Column names match exactly first, then ignoring case. Every problem raises
    SortitionInputError with the line and column: a missing column, an empty id, address
    or stratum, a duplicate id, a file without addresses."""
    path = Path(path)
    rows = _rows(path)
    header = read_header(path, rows)
    index = {}
    for name in (id_column, address_column, stratum_column):
        found = find_column(path, header, name)
        if found is None:
            raise SortitionInputError(path, 1, name, gettext_noop("missing column"))
        index[name] = found
    if len(set(index.values())) < 3:
        raise SortitionInputError(
            path,
            1,
            stratum_column,
            gettext_noop("the id, address and stratum columns must be three different columns"),
        )
    other = [i for i in range(len(header)) if i not in index.values() and header[i]]

    addresses = []
    first_line: dict[str, int] = {}
    for line, cells in rows:
        check_width(path, line, cells, header)
        for name, empty in (
            (id_column, gettext_noop("the id is empty")),
            (address_column, gettext_noop("the address is empty")),
            (stratum_column, gettext_noop("the stratum is empty")),
        ):
            if not cell_at(cells, index[name]):
                raise SortitionInputError(path, line, header[index[name]], empty)
        person = cell_at(cells, index[id_column])
        if person in first_line:
            raise SortitionInputError(
                path,
                line,
                header[index[id_column]],
                gettext_noop("duplicate id '%(id)s' (first on line %(first)s)"),
                {"id": person, "first": first_line[person]},
            )
        first_line[person] = line
        addresses.append(
            Address(
                id=person,
                address=cell_at(cells, index[address_column]),
                stratum=cell_at(cells, index[stratum_column]),
                extra={header[i]: cell_at(cells, i) for i in other},
            )
        )
    if not addresses:
        raise SortitionInputError(path, 2, None, gettext_noop("no addresses after the header"))
    return addresses


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every non-blank record, like io.py's reader, but with the
    delimiter sniffed: exports of German spreadsheet programs use semicolons."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except UnicodeDecodeError as error:
        line = error.object[: error.start].count(b"\n") + 1
        raise SortitionInputError(
            path, line, None, gettext_noop("the file is not UTF-8 (save it as 'CSV UTF-8')")
        ) from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    widths = {
        delimiter: len(next(csv.reader([first], delimiter=delimiter), [])) for delimiter in ",;"
    }
    delimiter = ";" if widths[";"] > widths[","] else ","
    reader = csv.reader(StringIO(text, newline=""), delimiter=delimiter)
    for cells in reader:
        if any(cell.strip() for cell in cells):
            yield reader.line_num, cells


def allocate(
    sizes: Mapping[str, int], n: int, *, weights: Mapping[str, int | Fraction] | None = None
) -> dict[str, int]:
    """Seats per stratum: n shared in proportion to `weights` (default: the sizes) by the
    largest remainder method (Hamilton), no stratum getting more than its size.

    A stratum whose exact share reaches its size gets its size, and the rest is shared among
    the others in proportion again, until no share exceeds a size; then each stratum gets the
    whole part of its share and the seats left go to the largest fractional parts, equal
    parts to the stratum whose name sorts first. With the default weights no cap ever binds
    (a share n·size/total is at most the size), so every stratum gets its exact share
    rounded down or up. Weights matter when strata are allocated by population, say, and
    the register's sizes only cap them. Raises ValueError if n is negative or exceeds the
    addresses available."""
    if n < 0:
        raise ValueError(f"the number of invitations must not be negative, not {n}")
    if any(size < 0 for size in sizes.values()):
        raise ValueError("stratum sizes must not be negative")
    if weights is None:
        weights = sizes
    missing = sorted(set(sizes) - set(weights))
    if missing:
        raise ValueError(f"no weight for stratum {', '.join(missing)}")
    weight = {stratum: Fraction(weights[stratum]) for stratum in sizes}
    if any(value < 0 for value in weight.values()):
        raise ValueError("stratum weights must not be negative")
    open_strata = [s for s in sorted(sizes) if sizes[s] > 0 and weight[s] > 0]
    available = sum(sizes[s] for s in open_strata)
    if n > available:
        raise ValueError(f"{n} invitations asked for, but only {available} addresses available")

    result = dict.fromkeys(sizes, 0)
    remaining = n
    while open_strata:
        total = sum(weight[s] for s in open_strata)
        capped = [s for s in open_strata if remaining * weight[s] >= sizes[s] * total]
        if not capped:
            break
        for stratum in capped:
            result[stratum] = sizes[stratum]
            remaining -= sizes[stratum]
        open_strata = [s for s in open_strata if s not in capped]
    if not open_strata:
        return result
    total = sum(weight[s] for s in open_strata)
    shares = {s: remaining * weight[s] / total for s in open_strata}
    for stratum, share in shares.items():
        result[stratum] = share.numerator // share.denominator
    left = remaining - sum(result[s] for s in open_strata)
    # Every fractional part below 1 and their sum `left`: only strata with a positive part
    # get a seat, so none passes its size (its share is below it).
    order = sorted(open_strata, key=lambda s: (-(shares[s] - result[s]), s))
    for stratum in order[:left]:
        result[stratum] += 1
    return result


def draw_order_key(seed: str, person: str) -> tuple[int, str]:
    """An address's place in the draw for `seed`: SHA-256 of the UTF-8 of seed, NUL, id as
    a big-endian integer (the id breaks ties, which do not happen in practice)."""
    digest = hashlib.sha256(f"{seed}\x00{person}".encode()).digest()
    return int.from_bytes(digest, "big"), person


def draw_invitations(
    addresses: Sequence[Address],
    n: int,
    seed: str,
    *,
    weights: Mapping[str, int | Fraction] | None = None,
) -> list[Address]:
    """n addresses, allocated to strata by `allocate` (weights default to the strata's
    sizes), the first ones of each stratum in the seed's draw order (`draw_order_key`).

    Ordered by stratum name, then draw order, so the list itself is reproducible."""
    strata: dict[str, list[Address]] = {}
    seen: set[str] = set()
    for address in addresses:
        if address.id in seen:
            raise ValueError(f"duplicate id '{address.id}' in the register")
        seen.add(address.id)
        strata.setdefault(address.stratum, []).append(address)
    seats = allocate({s: len(members) for s, members in strata.items()}, n, weights=weights)
    drawn = []
    for stratum in sorted(strata):
        members = sorted(strata[stratum], key=lambda a: draw_order_key(seed, a.id))
        drawn.extend(members[: seats[stratum]])
    return drawn


def spreadsheet_safe(text: str) -> str:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def invitation_csv(addresses: Iterable[Address], codes: Mapping[str, str] | None = None) -> str:
    """A CSV for a letter merge: id, address, stratum, the extra columns (in order of first
    appearance), and `code` (e.g. the code to register with) when `codes` are given.

    Cells that a spreadsheet would run as formulas get a leading apostrophe. No BOM: add
    "\\ufeff" when writing a file for Excel. Raises ValueError if an address has no code or
    an extra column has the name of a fixed one."""
    addresses = list(addresses)
    code = ["code"] if codes is not None else []
    extra = list(dict.fromkeys(name for a in addresses for name in a.extra))
    clashing = [name for name in extra if name in ("id", "address", "stratum", *code)]
    if clashing:
        raise ValueError(f"extra columns named like fixed ones: {', '.join(clashing)}")
    if codes is not None:
        without = [a.id for a in addresses if not codes.get(a.id)]
        if without:
            raise ValueError(f"no code for: {', '.join(without[:5])}")
    buffer = StringIO()
    writer = csv.writer(buffer)
    writer.writerow(spreadsheet_safe(name) for name in ["id", "address", "stratum", *extra, *code])
    for a in addresses:
        row = [a.id, a.address, a.stratum, *(a.extra.get(name, "") for name in extra)]
        if codes is not None:
            row.append(codes[a.id])
        writer.writerow(spreadsheet_safe(cell) for cell in row)
    return buffer.getvalue()
