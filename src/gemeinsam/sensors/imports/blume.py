"""Imports of measurement files into SensorThings entities: the BLUME luftdaten.berlin.de export.

`import_luftdaten` makes one Thing per station (with its Location), one Sensor, one
ObservedProperty per component, one Datastream per station and component, and stores each
hourly value once: duplicates across files and earlier imports are skipped.
"""

import logging
import math
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from gemeinsam.core import audit

from ..models import (
    Datastream,
    FeatureOfInterest,
    HistoricalLocation,
    Location,
    Observation,
    ObservedProperty,
    Sensor,
    Thing,
)
from ..services import record_observations
from . import luftdaten
from .luftdaten import BERLIN, Column, Component, HourRow, Problem

log = logging.getLogger(__name__)

NETWORK = "BLUME"
LICENCE = "dl-de/by-2-0"
LICENCE_URL = "https://www.govdata.de/dl-de/by-2-0"
ATTRIBUTION = "Senatsverwaltung für Mobilität, Verkehr, Klimaschutz und Umwelt Berlin – BLUME"
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
UNIT = {
    "name": "microgram per cubic metre",
    "symbol": "µg/m³",
    "definition": "http://dd.eionet.europa.eu/vocabulary/uom/concentration/ug.m-3",
}
UCUM = "ug/m3"
SENSOR_NAME = "BLUME automatic air-quality analysers"
BATCH = 5_000  # observations per record_observations call (one transaction each)
_FIELDS = [f.attname for f in Observation._meta.concrete_fields]


@dataclass(frozen=True)
class Station:
    code: str
    name: str
    address: str
    latitude: float
    longitude: float
    kind: str  # the EEA station type


# Coordinates from the station sheets on luftdaten.berlin.de, rounded to about 10 m.
STATIONS = {
    "MC010": Station("MC010", "Wedding", "Amrumer Straße", 52.5430, 13.3493, "background"),
    "MC115": Station("MC115", "Hardenbergplatz", "Hardenbergplatz", 52.5064, 13.3326, "traffic"),
}


@dataclass
class ImportReport:
    files: int = 0
    rows: int = 0
    created: int = 0
    duplicates: int = 0
    flagged: int = 0
    out_of_range: int = 0  # readings outside --since/--until or of other stations
    problems: list[Problem] = field(default_factory=list)
    flags: list[Problem] = field(default_factory=list)  # where the flagged values come from
    warnings: list[str] = field(default_factory=list)
    things: list[Thing] = field(default_factory=list)


def normalise_station(code: str) -> str:
    code = code.strip().upper()
    return code if code.startswith("MC") else f"MC{code.zfill(3)}"


def _thing(column: Column, coordinates: dict[str, tuple[float, float]], report: ImportReport):
    thing = Thing.objects.filter(
        properties__network=NETWORK, properties__stationCode=column.station_code
    ).first()
    station = STATIONS.get(column.station_code)
    name = station.name if station else column.station_name
    if thing is None:
        thing = Thing.objects.create(
            name=f"{NETWORK} {column.station_code} {name}",
            description=(
                f"Air-quality monitoring station {column.station_code} {name} of the "
                f"Berlin air quality monitoring network (BLUME)"
                + (f", {station.kind} station." if station else ".")
            ),
            properties={
                "network": NETWORK,
                "stationCode": column.station_code,
                "stationType": station.kind if station else None,
                "source": f"https://luftdaten.berlin.de/station/{column.station_code.lower()}",
                "license": LICENCE,
                "licenseUrl": LICENCE_URL,
                "attribution": ATTRIBUTION,
            },
        )
    if not thing.locations.exists():
        if column.station_code in coordinates:
            latitude, longitude = coordinates[column.station_code]
            address = name
        elif station:
            latitude, longitude, address = station.latitude, station.longitude, station.address
        else:
            report.warnings.append(
                f"station {column.station_code} has no known coordinates: its Thing has no "
                f"Location (give them with --coordinates {column.station_code}=LAT,LON)"
            )
            return thing, None
        location = Location.objects.create(
            name=f"{column.station_code} {address}",
            description=f"{name}, Berlin",
            encoding_type="application/geo+json",
            location={"type": "Point", "coordinates": [longitude, latitude]},
        )
        thing.locations.add(location)
        HistoricalLocation.objects.create(thing=thing, time=datetime.now(UTC)).locations.add(
            location
        )
    location = thing.locations.order_by("id").first()
    feature = FeatureOfInterest.objects.filter(from_location=location).first()
    if feature is None:
        feature = FeatureOfInterest.objects.create(
            name=location.name,
            description=location.description,
            encoding_type=location.encoding_type,
            feature=location.location,
            from_location=location,
        )
    return thing, feature


def _station_feature(thing: Thing) -> FeatureOfInterest:
    """The feature of a station without a Location: the station itself, with no geometry."""
    feature, _ = FeatureOfInterest.objects.get_or_create(
        name=thing.name,
        encoding_type="application/geo+json",
        from_location=None,
        defaults={
            "description": thing.description,
            "feature": {"type": "Feature", "geometry": None, "properties": {}},
        },
    )
    return feature


def _sensor() -> Sensor:
    sensor, _ = Sensor.objects.get_or_create(
        name=SENSOR_NAME,
        defaults={
            "description": "Automatic analysers of the BLUME monitoring stations, hourly means.",
            "encoding_type": "text/html",
            "metadata": "https://luftdaten.berlin.de/",
        },
    )
    return sensor


def _observed_property(component: Component) -> ObservedProperty:
    prop, _ = ObservedProperty.objects.get_or_create(
        definition=component.definition,
        defaults={
            "name": component.code,
            "description": component.name_en,
            "properties": {"nameDe": component.name_de, "code": component.code},
        },
    )
    return prop


STORED_BEFORE = math.inf  # in _Hours: an hour stored by an earlier run, its value not read


class _Hours:
    """The hours of one Datastream that hold a value, with the value read in this run: one
    float per hour from the first to the last (8 bytes, not a dict entry's hundred), so that
    memory follows the span of time, not the number of rows read. NaN: no value."""

    def __init__(self) -> None:
        self.first = 0
        self.values = array("d")

    def get(self, hour: int) -> float | None:
        index = hour - self.first
        if 0 <= index < len(self.values):
            value = self.values[index]
            if not math.isnan(value):
                return value
        return None

    def add(self, hour: int, value: float) -> None:
        if not self.values:
            self.first = hour
        index = hour - self.first
        if index < 0:  # an earlier hour: grow at the front by at least the length (amortised)
            grow = max(-index, len(self.values), 8_760)
            self.values = array("d", [math.nan]) * grow + self.values
            self.first -= grow
            index += grow
        elif index >= len(self.values):
            grow = max(index + 1 - len(self.values), len(self.values), 8_760)
            self.values.extend(array("d", [math.nan]) * grow)
        self.values[index] = value


class _Streams:
    """The Datastream of each column, made on first use, with the hours it already holds."""

    def __init__(self, coordinates, report: ImportReport, since, until) -> None:
        self.coordinates = coordinates
        self.report = report
        self.since, self.until = since, until
        self.sensor = _sensor()
        self.things: dict[str, tuple[Thing, FeatureOfInterest]] = {}
        self.by_column: dict[tuple[str, str], tuple[Datastream, FeatureOfInterest]] = {}
        # datastream id -> its hours: the value read now, or STORED_BEFORE
        self.hours: dict[int, _Hours] = {}

    def get(self, column: Column) -> tuple[Datastream, FeatureOfInterest]:
        key = (column.station_code, column.component.code)
        if key in self.by_column:
            return self.by_column[key]
        if column.station_code not in self.things:
            thing, feature = _thing(column, self.coordinates, self.report)
            self.things[column.station_code] = (thing, feature or _station_feature(thing))
            self.report.things.append(thing)
        thing, feature = self.things[column.station_code]
        prop = _observed_property(column.component)
        datastream = Datastream.objects.filter(thing=thing, observed_property=prop).first()
        if datastream is None:
            datastream = Datastream.objects.create(
                name=f"{column.component.code} {thing.name}",
                description=f"Hourly means of {column.component.name_en.lower()} "
                f"at {thing.name}, µg/m³.",
                observation_type=MEASUREMENT,
                unit_of_measurement=UNIT,
                thing=thing,
                sensor=self.sensor,
                observed_property=prop,
                properties={
                    "stationCode": column.station_code,
                    "component": column.component.code,
                    "ucumCode": UCUM,
                    "aggregation": "PT1H mean, labelled by the end of the hour in local time",
                },
            )
        stored = Observation.objects.filter(datastream=datastream)
        if self.since:
            stored = stored.filter(phenomenon_time_start__gte=self.since)
        if self.until:
            stored = stored.filter(phenomenon_time_start__lt=self.until)
        hours = self.hours[datastream.pk] = _Hours()
        starts = stored.values_list("phenomenon_time_start", flat=True)
        for start in starts.iterator(chunk_size=BATCH):
            hours.add(_hour(start), STORED_BEFORE)
        self.by_column[key] = (datastream, feature)
        return datastream, feature


def _hour(moment: datetime) -> int:
    return int(moment.timestamp()) // 3600


def _store(observations: list[Observation], publish: bool) -> None:
    # Years of history would flood MQTT subscribers: an import publishes only when asked.
    for first in range(0, len(observations), BATCH):
        record_observations(observations[first : first + BATCH], publish=publish)


def _set_observed_areas(datastreams: Iterable[Datastream]) -> None:
    """A station's Datastreams observe at its point (record_observations keeps the times)."""
    for datastream in datastreams:
        location = datastream.thing.locations.order_by("id").first()
        if location and datastream.observed_area != location.location:
            Datastream.objects.filter(pk=datastream.pk).update(observed_area=location.location)


def local_day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BERLIN).astimezone(UTC)


def import_luftdaten(
    paths: Iterable[Path | str],
    *,
    stations: Iterable[str] = (),
    since: date | None = None,
    until: date | None = None,
    coordinates: dict[str, tuple[float, float]] | None = None,
    progress: Callable[[str], None] | None = None,
    publish: bool = False,
    user=None,
) -> ImportReport:
    """Import luftdaten.berlin.de export files (or directories of them).

    `since` and `until` are inclusive local dates of the hours' starts; `stations` limits the
    import to station codes such as MC010. `publish` sends the new observations to MQTT
    subscribers as the API's writes do. Bad lines are reported, not fatal; implausible
    values are stored with resultQuality {"flag": "implausible", "reason": ...}. The run is
    recorded in the audit log, by `user` (None on the command line), with its counts.
    """
    return _import(paths, stations, since, until, coordinates, progress, publish, user)


def _import(paths, stations, since, until, coordinates, progress, publish, user) -> ImportReport:
    report = ImportReport()
    wanted = {normalise_station(code) for code in stations}
    coordinates = {normalise_station(k): v for k, v in (coordinates or {}).items()}
    start_min = local_day_start(since) if since else None
    start_max = local_day_start(until + timedelta(days=1)) if until else None
    streams = _Streams(coordinates, report, start_min, start_max)
    files = [file for path in paths for file in luftdaten.export_files(path)]
    pending: list[Observation] = []
    for file in files:
        report.files += 1
        first_problem = len(report.problems)
        created_before = report.created
        # Row by row from the open file, stored every BATCH observations: memory stays flat
        # however long the file is.
        try:
            for item in luftdaten.read_export(file):
                if isinstance(item, Problem):
                    report.problems.append(item)
                    continue
                report.rows += 1
                if (start_min and item.start < start_min) or (
                    start_max and item.start >= start_max
                ):
                    report.out_of_range += len(item.readings)
                    continue
                pending += _observations(item, streams, wanted, report)
                if len(pending) >= BATCH:
                    _store(pending, publish)
                    pending = []
        except luftdaten.ExportFormatError as error:
            report.problems.append(Problem(Path(file).name, 1, str(error)))
            continue
        if progress:
            problems = len(report.problems) - first_problem
            progress(
                f"{Path(file).name}: {report.created - created_before} observations"
                + (f", {problems} problems" if problems else "")
            )
    if pending:
        _store(pending, publish)
    _set_observed_areas(datastream for datastream, _ in streams.by_column.values())
    audit.record(
        user,
        "sensors.import_blume",
        streams.sensor,
        files=report.files,
        rows=report.rows,
        created=report.created,
        duplicates=report.duplicates,
        flagged=report.flagged,
        bad_rows=len(report.problems),
        stations=len(report.things),
    )
    return report


def _observations(
    row: HourRow, streams: _Streams, wanted: set[str], report: ImportReport
) -> list[Observation]:
    made = []
    for reading in row.readings:
        column = reading.column
        if wanted and column.station_code not in wanted:
            report.out_of_range += 1
            continue
        datastream, feature = streams.get(column)
        hours = streams.hours[datastream.pk]
        hour = _hour(row.start)
        earlier = hours.get(hour)
        if earlier is not None:
            report.duplicates += 1
            if earlier != STORED_BEFORE and earlier != reading.value:
                report.problems.append(
                    Problem(
                        row.file,
                        row.line,
                        f"{column.component.code}: {reading.value:g} differs from the "
                        f"{earlier:g} read before for the same hour; kept the first",
                    )
                )
            continue
        hours.add(hour, reading.value)
        quality = None
        if reading.flag:
            report.flagged += 1
            report.flags.append(
                Problem(row.file, row.line, f"{column.component.code}: {reading.flag}")
            )
            quality = {
                "flag": "implausible",
                "reason": reading.flag,
                "source": f"{row.file}:{row.line}",
            }
        values = {
            "datastream_id": datastream.pk,
            "feature_of_interest_id": feature.pk,
            "phenomenon_time_start": row.start,
            "phenomenon_time_end": row.end,
            "result_time": row.end,
            "result_number": reading.value,
            "result_quality": quality,
        }
        # Positional arguments take Django's fast path: a year of a station is 50,000 rows.
        made.append(Observation(*(values.get(name) for name in _FIELDS)))
    report.created += len(made)
    return made
