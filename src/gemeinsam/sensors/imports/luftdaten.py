"""The hourly CSV export of luftdaten.berlin.de (BLUME, Berlin's air-quality network), read.

Plain Python, no Django: `read_export(path)` yields one `HourRow` per data line (its readings
typed, implausible ones flagged) and a `Problem` for every line it cannot read, with file name
and line number, and goes on.

The export's format: `;`-separated, UTF-8, four header rows (Station, Messkomponente, Einheit,
Messzeit), then a blank row, then `DD.MM.YYYY HH:MM;value;value;...`. The column set changes
between files, so columns are mapped by the header rows. An empty cell is a missing value.

Time: a label is the local Berlin wall-clock time at the END of the hour. Each label becomes
the UTC interval [end - 1 h, end):
- spring forward (e.g. 31.03.2019): the export skips the nonexistent label 02:00; label 03:00
  (CEST) ends at 01:00Z, so the intervals stay contiguous in UTC (the export leaves that row
  empty anyway). A nonexistent label, should one appear, is reported as a problem.
- fall back (e.g. 27.10.2019): the wall-clock hour 02:00-03:00 happens twice, but the export
  has one label 02:00 only. It is read as the first occurrence (CEST, fold=0, the usual
  resolution of an ambiguous wall time), i.e. 23:00Z-00:00Z; the repeated hour
  00:00Z-01:00Z has no value in the export and gets no observation.
"""

import csv
import gzip
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)
EEA_POLLUTANT = "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/"
HEADER_ROWS = ("Station", "Messkomponente", "Einheit", "Messzeit")


@dataclass(frozen=True)
class Component:
    """A measured pollutant: its short code, names, EEA vocabulary URI and plausibility ceiling."""

    code: str  # "NO2"
    name_de: str  # the export's Messkomponente
    name_en: str
    definition: str
    ceiling: float  # µg/m³ per hour; above it a value is flagged implausible


# Ceilings lie well above anything Berlin has measured in an hour (NO2 417, NOx 1,236 and
# PM10 342 µg/m³ in 2010-2020, New Year's Eve included) and far below the export's corrupt
# values (1e13-1e36 µg/m³ at MC115 in September 2013).
COMPONENTS: tuple[Component, ...] = (
    Component("NO2", "Stickstoffdioxid", "Nitrogen dioxide", EEA_POLLUTANT + "8", 1000),
    Component("NO", "Stickstoffmonoxid", "Nitrogen monoxide", EEA_POLLUTANT + "38", 1500),
    Component("NOx", "Stickoxide", "Nitrogen oxides (as NO2)", EEA_POLLUTANT + "9", 2500),
    Component("O3", "Ozon", "Ozone", EEA_POLLUTANT + "7", 500),
    Component("PM10", "Feinstaub (PM10)", "Particulate matter < 10 µm", EEA_POLLUTANT + "5", 1500),
    Component(
        "PM2.5", "Feinstaub (PM2,5)", "Particulate matter < 2.5 µm", EEA_POLLUTANT + "6001", 1000
    ),
    Component("C6H6", "Benzol", "Benzene", EEA_POLLUTANT + "20", 100),
    Component("C6H5-CH3", "Toluol", "Toluene", EEA_POLLUTANT + "21", 500),
    Component("SO2", "Schwefeldioxid", "Sulphur dioxide", EEA_POLLUTANT + "1", 2000),
)
COMPONENT_BY_GERMAN_NAME = {c.name_de.casefold(): c for c in COMPONENTS}
COMPONENT_BY_CODE = {c.code: c for c in COMPONENTS}


@dataclass(frozen=True)
class Column:
    """What one value column of a file holds, from its header rows."""

    station_code: str  # "MC115"
    station_name: str  # "Hardenbergplatz"
    component: Component
    unit: str  # "µg/m³"


@dataclass(frozen=True)
class Reading:
    column: Column
    value: float
    flag: str | None = None  # why the value is implausible, or None


@dataclass(frozen=True)
class HourRow:
    file: str
    line: int
    start: datetime  # UTC
    end: datetime  # UTC
    readings: tuple[Reading, ...]  # the non-empty cells


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ExportFormatError(ValueError):
    """The file is not a luftdaten.berlin.de export (its header rows are missing)."""


_STATION = re.compile(r"^\s*(?:MC)?(\d{3})\s+(.+?)\s*$")
_LABEL = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2})$")


def station_code(raw: str) -> tuple[str, str]:
    """'115 Hardenbergplatz' -> ('MC115', 'Hardenbergplatz')."""
    match = _STATION.match(raw)
    if not match:
        return raw.strip(), raw.strip()
    return f"MC{match[1]}", match[2]


def hour_interval(label: str) -> tuple[datetime, datetime]:
    """The UTC interval of an hour labelled by its local end time; ValueError if unreadable."""
    match = _LABEL.match(label.strip())
    if not match:
        raise ValueError(f"unreadable timestamp {label!r} (expected DD.MM.YYYY HH:MM)")
    day, month, year, hour, minute = (int(part) for part in match.groups())
    if minute != 0:
        raise ValueError(f"timestamp {label!r} is not on the full hour")
    try:
        local = datetime(year, month, day, hour, tzinfo=BERLIN)
    except ValueError as error:  # 31.02., 25:00
        raise ValueError(f"impossible timestamp {label!r} ({error})") from None
    # A wall time that does not exist (spring forward) does not survive the round trip.
    if local.astimezone(UTC).astimezone(BERLIN).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError(f"local time {label!r} does not exist (daylight saving time starts)")
    end = local.astimezone(UTC)  # fold=0: an ambiguous autumn label is the first occurrence
    return end - HOUR, end


def plausibility(component: Component, value: float) -> str | None:
    if value < 0:
        return f"negative value {value:g}"
    if value > component.ceiling:
        return f"{value:g} above the plausible maximum of {component.ceiling:g} µg/m³"
    return None


# Bytes that are not UTF-8 become U+FFFD: the line they are on is reported, reading goes on.
def _open(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", errors="replace", newline="")
    return path.open(encoding="utf-8-sig", errors="replace", newline="")


def _columns(header: list[list[str]], name: str) -> tuple[list[Column | None], list[Problem]]:
    stations, components, units = header[0], header[1], header[2]
    columns: list[Column | None] = []
    problems = []
    for index in range(1, len(components)):
        german = components[index].strip()
        component = COMPONENT_BY_GERMAN_NAME.get(german.casefold())
        unit = units[index].strip() if index < len(units) else ""
        if component is None:
            problems.append(Problem(name, 2, f"unknown component {german!r}: column skipped"))
            columns.append(None)
            continue
        if unit.replace("3", "³") != "µg/m³":
            problems.append(Problem(name, 3, f"unit {unit!r} of {german} is not µg/m³: skipped"))
            columns.append(None)
            continue
        code, station_name = station_code(stations[index] if index < len(stations) else "")
        columns.append(Column(code, station_name, component, "µg/m³"))
    return columns, problems


def read_export(path: Path | str) -> Iterator[HourRow | Problem]:
    """The rows of one export file in file order, and a Problem for each unreadable line."""
    path = Path(path)
    name = path.name
    with _open(path) as stream:
        reader = csv.reader(stream, delimiter=";")
        header = []
        for row in reader:
            header.append(row)
            if len(header) == len(HEADER_ROWS):
                break
        labels = [row[0].strip() if row else "" for row in header]
        if tuple(labels) != HEADER_ROWS:
            raise ExportFormatError(
                f"{name}: not a luftdaten.berlin.de export (header rows {labels!r})"
            )
        columns, problems = _columns(header, name)
        yield from problems
        width = len(header[1])
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # the blank row under the header, or a trailing empty line
            if len(row) != width:
                yield Problem(name, line, f"{len(row)} columns instead of {width}")
                continue
            if any("\ufffd" in cell for cell in row):
                yield Problem(name, line, "not UTF-8 text: line skipped")
                continue
            try:
                start, end = hour_interval(row[0])
            except ValueError as error:
                yield Problem(name, line, str(error))
                continue
            readings = []
            for column, cell in zip(columns, row[1:], strict=True):
                cell = cell.strip()
                if column is None or not cell:
                    continue
                try:
                    value = float(cell)
                except ValueError:
                    value = math.nan
                if not math.isfinite(value):
                    yield Problem(name, line, f"{column.component.code}: {cell!r} is not a number")
                    continue
                readings.append(Reading(column, value, plausibility(column.component, value)))
            yield HourRow(name, line, start, end, tuple(readings))


def export_files(directory: Path | str) -> list[Path]:
    """The export files below a directory (or the one file given), `.csv` or `.csv.gz`."""
    directory = Path(directory)
    if directory.is_file():
        return [directory]
    files = [*directory.rglob("*.csv"), *directory.rglob("*.csv.gz")]
    return sorted(files, key=lambda p: (p.parent.as_posix(), p.name))
