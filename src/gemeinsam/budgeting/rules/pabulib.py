"""Read and write Pabulib `.pb` files (https://pabulib.org/format) as `Election`s.

Reads what pabutools 1.2.3 reads, with the same exact numbers, and says where a file is wrong.

The format: three sections, `META` (key;value), `PROJECTS` and `VOTES`, each a semicolon
CSV with a header row (double-quote quoting, LF or CRLF line ends, optional UTF-8 BOM).
As in pabutools' `parse_pabulib`:

- the first PROJECTS column is the project id, the first VOTES column the voter id;
- costs and the budget are exact `Fraction`s, a decimal comma read as a point;
- cells reading `none` (any case) count as absent;
- `choose-1` ballots are approval ballots of one project; cumulative ballots pair the
  comma lists `vote` and `points`; ordinal ballots keep the order of `vote`, best first;
- a project named twice in one vote counts once: approval and ordinal ballots keep the
  first mention, cumulative ballots the points of the last one (pabutools' dict assignment;
  Częstochowa 2020 has `579,579,579,579;1,1,1,1`, which gives project 579 one point).

Unlike pabutools, which fails with a bare KeyError or silently keeps the last duplicate,
a malformed file raises `PabulibError` with the line number and what was expected. The
`scoring` vote type is not supported (no rule of ours uses it).
"""

import csv
import io
from fractions import Fraction
from pathlib import Path

from .election import Ballot, BallotKind, Election, Project

VOTE_TYPES = {kind.value: kind for kind in BallotKind}
SECTIONS = ("meta", "projects", "votes")
# META keys that must be whole numbers when present.
INTEGER_META = ("num_projects", "num_votes", "min_length", "max_length", "max_sum_points")


class PabulibError(ValueError):
    """A `.pb` file that does not follow the format; `line` is 1-based (0: the whole file)."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


def read_pabulib(path: str | Path) -> Election:
    """Read a `.pb` file (UTF-8, optionally with BOM)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        text = handle.read()
    return parse_pabulib(text, str(path))


def parse_pabulib(text: str, path: str = "<string>") -> Election:
    """Parse the contents of a `.pb` file; `path` only names the source in errors."""
    return _Parser(text.removeprefix("\ufeff"), path).parse()


def number(text: str) -> Fraction:
    """A Pabulib number as an exact fraction: `12`, `12.5`, `12,5`, `25/2`, `1e3`."""
    return Fraction(text.strip().replace(",", "."))


def format_number(value: Fraction | int) -> str:
    """The shortest exact text for a number: `12`, `12.5`, or `1/3` (read back by both parsers)."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    denominator, twos, fives = value.denominator, 0, 0
    while denominator % 2 == 0:
        denominator, twos = denominator // 2, twos + 1
    while denominator % 5 == 0:
        denominator, fives = denominator // 5, fives + 1
    if denominator != 1:
        return f"{value.numerator}/{value.denominator}"
    digits = max(twos, fives)
    scaled = abs(value.numerator) * 10**digits // value.denominator
    sign = "-" if value < 0 else ""
    whole, fraction = divmod(scaled, 10**digits)
    return f"{sign}{whole}.{fraction:0{digits}d}".rstrip("0")


class _Parser:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
        self.meta: dict[str, str] = {}
        self.meta_lines: dict[str, int] = {}
        self.projects: list[Project] = []
        self.project_ids: set[str] = set()
        self.ballots: list[Ballot] = []
        self.voter_ids: list[str] = []
        self.voter_extra: list[dict[str, str]] = []
        self.kind: BallotKind | None = None
        self.section_line = 0

    def error(self, message: str, line: int | None = None) -> PabulibError:
        return PabulibError(self.path, self.reader.line_num if line is None else line, message)

    def parse(self) -> Election:
        section = ""
        header: list[str] = []
        handle_row = None
        seen: list[str] = []
        for row in self.reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            name = row[0].strip().lower()
            if name in SECTIONS and all(not cell.strip() for cell in row[1:]):
                expected = SECTIONS[len(seen)] if len(seen) < len(SECTIONS) else None
                if name != expected:
                    raise self.error(
                        f"section {name.upper()} out of place: expected "
                        + (f"{expected.upper()}" if expected else "no further section")
                    )
                seen.append(name)
                section = name
                self.section_line = self.reader.line_num
                header = self.read_header(section)
                handle_row = getattr(self, f"start_{section}")(header)
                continue
            if not section:
                raise self.error(f"expected the META section header, got {row[0]!r}")
            if len(row) != len(header):
                if len(row) < len(header) or any(cell.strip() for cell in row[len(header) :]):
                    raise self.error(
                        f"expected {len(header)} columns ({';'.join(header)}) in "
                        f"{section.upper()}, got {len(row)}"
                    )
                row = row[: len(header)]
            handle_row(row)
        if len(seen) < len(SECTIONS):
            raise self.error(f"missing {SECTIONS[len(seen)].upper()} section")
        return self.finish()

    def read_header(self, section: str) -> list[str]:
        header_line = self.reader.line_num + 1
        try:
            header = [cell.strip() for cell in next(self.reader)]
        except StopIteration:
            raise self.error(f"expected the {section.upper()} header row", header_line) from None
        while header and not header[-1]:
            header.pop()
        if not header:
            raise self.error(f"expected the {section.upper()} header row, got an empty line")
        if len(set(header)) != len(header):
            raise self.error(f"duplicate column in the {section.upper()} header")
        return header

    # META

    def start_meta(self, header: list[str]):
        if len(header) != 2:
            raise self.error(f"expected the META header key;value, got {';'.join(header)}")
        return self.meta_row

    def meta_row(self, row: list[str]) -> None:
        key, value = row[0].strip(), row[1].strip()
        if key in self.meta:
            raise self.error(f"duplicate META key {key!r}")
        self.meta[key] = value
        self.meta_lines[key] = self.reader.line_num

    # PROJECTS

    def start_projects(self, header: list[str]):
        for key in ("budget", "vote_type"):
            if key not in self.meta:
                raise self.error(f"META has no {key}", self.section_line)
        vote_type = self.meta["vote_type"]
        if vote_type not in VOTE_TYPES:
            known = ", ".join(VOTE_TYPES)
            raise self.error(
                f"unsupported vote_type {vote_type!r}: expected one of {known}",
                self.meta_lines["vote_type"],
            )
        self.kind = VOTE_TYPES[vote_type]
        if "cost" not in header:
            raise self.error("the PROJECTS header has no cost column")
        cost_at = header.index("cost")
        name_at = header.index("name") if "name" in header else None
        extra_columns = [(i, key) for i, key in enumerate(header) if i not in (0, cost_at, name_at)]

        def project_row(row: list[str]) -> None:
            project_id = row[0].strip()
            if not project_id or project_id.lower() == "none":
                raise self.error("expected a project id in the first column")
            if project_id in self.project_ids:
                raise self.error(f"duplicate project id {project_id!r}")
            try:
                cost = number(row[cost_at])
            except (ValueError, ZeroDivisionError):
                raise self.error(
                    f"project {project_id}: cost must be a number, got {row[cost_at]!r}"
                ) from None
            if cost < 0:
                raise self.error(f"project {project_id}: cost must not be negative")
            name = row[name_at].strip() if name_at is not None else ""
            extra = {}
            for i, key in extra_columns:
                value = row[i].strip()
                if value.lower() != "none":
                    extra[key] = value
            self.project_ids.add(project_id)
            self.projects.append(
                Project(project_id, cost, "" if name.lower() == "none" else name, extra)
            )

        return project_row

    # VOTES

    def start_votes(self, header: list[str]):
        if "vote" not in header:
            raise self.error("the VOTES header has no vote column")
        kind = self.kind
        known = self.project_ids
        vote_at = header.index("vote")
        points_at = header.index("points") if "points" in header else None
        if kind == BallotKind.CUMULATIVE and points_at is None:
            raise self.error("cumulative votes need a points column")
        skip = {0, vote_at, points_at}
        extra_columns = [(i, key) for i, key in enumerate(header) if i not in skip]
        seen_voters: set[str] = set()
        ballots, voter_ids, voter_extra = self.ballots, self.voter_ids, self.voter_extra

        def projects_of(text: str, voter: str) -> list[str]:
            if text.lower() == "none":
                return []
            names = [name.strip() for name in text.split(",")]
            names = [name for name in names if name]
            for name in names:
                if name not in known:
                    raise self.error(f"voter {voter}: vote names unknown project {name!r}")
            return names

        def vote_row(row: list[str]) -> None:
            voter = row[0].strip()
            if voter in seen_voters or not voter:
                raise self.error(f"duplicate voter id {voter!r}" if voter else "no voter id")
            seen_voters.add(voter)
            text = row[vote_at].strip()
            if kind in (BallotKind.APPROVAL, BallotKind.CHOOSE_1):
                # Fast path for the common, well-formed ballot.
                ballot = frozenset(text.split(",")) if text else frozenset()
                if not ballot <= known or len(ballot) != text.count(",") + 1:
                    ballot = frozenset(projects_of(text, voter))
                if kind == BallotKind.CHOOSE_1 and len(ballot) > 1:
                    raise self.error(f"voter {voter}: a choose-1 vote names {len(ballot)}")
            elif kind == BallotKind.ORDINAL:
                ballot = tuple(dict.fromkeys(projects_of(text, voter)))
            else:
                names = projects_of(text, voter)
                points_text = row[points_at].strip()
                points = [] if points_text.lower() in ("", "none") else points_text.split(",")
                if len(points) != len(names):
                    raise self.error(
                        f"voter {voter}: {len(names)} projects in vote but "
                        f"{len(points)} numbers in points"
                    )
                ballot = {}
                for name, value in zip(names, points, strict=True):
                    try:
                        score = Fraction(value.strip())
                    except (ValueError, ZeroDivisionError):
                        raise self.error(
                            f"voter {voter}: points must be numbers, got {value!r}"
                        ) from None
                    ballot[name] = int(score) if score.denominator == 1 else score
            ballots.append(ballot)
            voter_ids.append(voter)
            extra = {}
            for i, key in extra_columns:
                value = row[i].strip()
                if value.lower() != "none":
                    extra[key] = value
            voter_extra.append(extra)

        return vote_row

    def finish(self) -> Election:
        meta = self.meta
        try:
            budget = number(meta["budget"])
        except (ValueError, ZeroDivisionError):
            raise self.error(
                f"budget must be a number, got {meta['budget']!r}", self.meta_lines["budget"]
            ) from None
        integers: dict[str, int | None] = {}
        for key in INTEGER_META:
            if key not in meta or meta[key].lower() == "none":
                integers[key] = None
                continue
            try:
                integers[key] = int(meta[key])
            except ValueError:
                raise self.error(
                    f"{key} must be a whole number, got {meta[key]!r}", self.meta_lines[key]
                ) from None
        for key, actual in (("num_projects", self.projects), ("num_votes", self.ballots)):
            stated = integers[key]
            if stated is not None and stated != len(actual):
                raise self.error(
                    f"META says {key} {stated} but the file has {len(actual)}",
                    self.meta_lines[key],
                )
        return Election(
            budget=budget,
            projects=self.projects,
            kind=self.kind,
            ballots=self.ballots,
            voter_ids=self.voter_ids,
            meta=meta,
            voter_extra=self.voter_extra,
            min_length=integers["min_length"],
            max_length=integers["max_length"],
            max_sum_points=integers["max_sum_points"],
        )


def election_as_pabulib(election: Election) -> str:
    """The election as `.pb` text (LF line ends) that `parse_pabulib` reads back equal.

    META keeps the election's keys in order; budget, vote_type, num_projects, num_votes and
    the ballot limits are set from the election itself (a budget spelled differently but
    equal keeps its spelling). Project and voter columns are the
    ids, cost/name or vote/points, then every further column any row has (`None` where a
    row lacks it, which the reader treats as absent).
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    meta = dict(election.meta)
    try:
        same_budget = number(meta.get("budget", "")) == election.budget
    except (ValueError, ZeroDivisionError):
        same_budget = False
    if not same_budget:  # else keep the source's spelling, e.g. a decimal comma
        meta["budget"] = format_number(election.budget)
    meta["vote_type"] = election.kind.value
    meta["num_projects"] = str(len(election.projects))
    meta["num_votes"] = str(len(election.ballots))
    for key in ("min_length", "max_length", "max_sum_points"):
        value = getattr(election, key)
        if value is not None:
            meta[key] = str(value)
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows(meta.items())

    for project in election.projects:
        if not project.id or "," in project.id or project.id != project.id.strip():
            raise ValueError(f"project id {project.id!r} cannot be written to a Pabulib file")
    extra_keys = _union_keys(project.extra for project in election.projects)
    with_name = any(project.name for project in election.projects)
    writer.writerow(["PROJECTS"])
    writer.writerow(["project_id", "cost", *(["name"] if with_name else []), *extra_keys])
    for project in election.projects:
        row = [project.id, format_number(project.cost)]
        if with_name:
            row.append(project.name)
        row.extend(project.extra.get(key, "None") for key in extra_keys)
        writer.writerow(row)

    order = {project_id: i for i, project_id in enumerate(election.project_ids)}
    voter_ids = election.voter_ids or [str(i + 1) for i in range(len(election.ballots))]
    voter_extra = election.voter_extra or [{} for _ in election.ballots]
    extra_keys = _union_keys(voter_extra)
    cumulative = election.kind == BallotKind.CUMULATIVE
    writer.writerow(["VOTES"])
    writer.writerow(["voter_id", "vote", *(["points"] if cumulative else []), *extra_keys])
    for voter, ballot, extra in zip(voter_ids, election.ballots, voter_extra, strict=True):
        if isinstance(ballot, frozenset | set):
            row = [voter, ",".join(sorted(ballot, key=order.__getitem__))]
        elif cumulative:
            row = [voter, ",".join(ballot), ",".join(format_number(v) for v in ballot.values())]
        else:
            row = [voter, ",".join(ballot)]
        row.extend(extra.get(key, "None") for key in extra_keys)
        writer.writerow(row)
    return out.getvalue()


def write_pabulib(election: Election, path: str | Path) -> None:
    """Write the election to a `.pb` file (UTF-8, LF line ends)."""
    Path(path).write_text(election_as_pabulib(election), encoding="utf-8")


def _union_keys(rows) -> list[str]:
    keys: dict[str, None] = {}
    for row in rows:
        keys.update(dict.fromkeys(row))
    return list(keys)
