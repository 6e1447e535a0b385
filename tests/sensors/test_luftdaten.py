"""The BLUME luftdaten.berlin.de importer on the real exports in shared/data/airquality: header
mapping, daylight saving time, duplicates across files, the 2013 artefact, bad rows, and the
README's annual means as an oracle."""

from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Avg

from gemeinsam.sensors.imports.blume import import_luftdaten
from gemeinsam.sensors.imports.luftdaten import (
    BERLIN,
    HourRow,
    Problem,
    export_files,
    hour_interval,
    read_export,
)
from gemeinsam.sensors.models import Datastream, Location, Observation, Thing

from ..conftest import shared_data


def luftdaten_dir():
    return shared_data() / "airquality" / "luftdaten_berlin"


def mc115(name: str):
    return luftdaten_dir() / "verkehr_mc115" / name


def mc010(name: str):
    return luftdaten_dir() / "hintergrund_mc010" / name


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- the pure parser -------------------------------------------------------------------------


def test_columns_are_mapped_by_the_header_rows_which_change_between_files():
    older = next(r for r in read_export(mc010("ber_mc010_20120323-20130323.csv")))
    newer = next(r for r in read_export(mc010("ber_mc010_20190324-20200323.csv")))
    # 2012: NO, NO2, NOx, O3, benzene, toluene; 2019: PM10 first, no benzene or toluene.
    assert [r.column.component.code for r in older.readings] == [
        "NO",
        "NO2",
        "NOx",
        "O3",
        "C6H6",
        "C6H5-CH3",
    ]
    assert [r.column.component.code for r in newer.readings] == ["PM10", "NO", "NO2", "NOx", "O3"]
    # 24.03.2019 00:00;32;0;20;21;40
    assert {r.column.component.code: r.value for r in newer.readings} == {
        "PM10": 32,
        "NO": 0,
        "NO2": 20,
        "NOx": 21,
        "O3": 40,
    }
    assert {r.column.station_code for r in newer.readings} == {"MC010"}
    assert newer.readings[0].column.component.definition.endswith("/pollutant/5")
    no2 = newer.readings[2].column.component
    assert no2.definition == "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/8"


def test_a_label_is_the_local_end_of_the_hour():
    # Winter (CET, UTC+1): the hour labelled 01:00 ran 23:00-00:00 UTC.
    assert hour_interval("15.01.2019 01:00") == (utc(2019, 1, 14, 23), utc(2019, 1, 15, 0))
    # Summer (CEST, UTC+2).
    assert hour_interval("15.07.2019 01:00") == (utc(2019, 7, 14, 22), utc(2019, 7, 14, 23))
    # Midnight belongs to the day before.
    assert hour_interval("24.03.2019 00:00") == (utc(2019, 3, 23, 22), utc(2019, 3, 23, 23))


def test_spring_forward_keeps_the_hours_contiguous_in_utc():
    rows = {
        r.line: r
        for r in read_export(mc115("ber_mc115_20190322-20200321.csv"))
        if isinstance(r, HourRow)
    }
    # 31.03.2019 01:00 (CET), no 02:00 label, 03:00 (CEST, empty in the export), 04:00.
    before, switch, after = rows[223], rows[224], rows[225]
    assert (before.start, before.end) == (utc(2019, 3, 30, 23), utc(2019, 3, 31, 0))
    assert (switch.start, switch.end) == (utc(2019, 3, 31, 0), utc(2019, 3, 31, 1))
    assert (after.start, after.end) == (utc(2019, 3, 31, 1), utc(2019, 3, 31, 2))
    assert switch.readings == ()  # every cell empty: missing, not zero


def test_a_label_inside_the_spring_gap_is_a_problem_not_a_guess():
    with pytest.raises(ValueError, match="does not exist"):
        hour_interval("31.03.2019 02:00")


def test_fall_back_reads_the_one_ambiguous_label_as_its_first_occurrence():
    # 27.10.2019: 02:00 happens twice (CEST, then CET); the export has it once.
    assert hour_interval("27.10.2019 02:00") == (utc(2019, 10, 26, 23), utc(2019, 10, 27, 0))
    assert hour_interval("27.10.2019 03:00") == (utc(2019, 10, 27, 1), utc(2019, 10, 27, 2))


def test_every_real_file_reads_without_problems_and_without_repeated_hours():
    for path in export_files(luftdaten_dir()):
        items = list(read_export(path))
        assert [i for i in items if isinstance(i, Problem)] == [], path.name
        starts = [i.start for i in items if isinstance(i, HourRow)]
        assert len(starts) == len(set(starts)), path.name
        assert starts == sorted(starts), path.name


def test_the_2013_artefact_is_flagged_with_file_and_line():
    path = mc115("ber_mc115_20130323-20140323.csv")
    flagged = [
        (row.line, reading.column.component.code, reading.value, reading.flag)
        for row in read_export(path)
        if isinstance(row, HourRow)
        for reading in row.readings
        if reading.flag
    ]
    assert (4013, "NO2", 5350000000000000524288.0) in [f[:3] for f in flagged]
    assert {line for line, *_ in flagged} <= set(range(4008, 4044))  # 05.-07.09.2013
    assert len({line for line, *_ in flagged}) == 27
    assert all("above the plausible maximum" in f[3] for f in flagged)
    assert (4031, "NO2", 397223.0) in [f[:3] for f in flagged]


def test_bad_rows_are_reported_with_file_and_line_and_reading_goes_on(tmp_path):
    path = tmp_path / "ber_mc999_bad.csv"
    path.write_text(
        "Station;999 Teststraße;999 Teststraße;999 Teststraße\n"
        "Messkomponente;Stickstoffdioxid;Ozon;Kohlenmonoxid\n"
        "Einheit;µg/m³;µg/m³;mg/m³\n"
        "Messzeit;Stundenwerte;Stundenwerte;Stundenwerte\n"
        "\n"
        "01.06.2019 01:00;12;40;0.3\n"
        "01.06.2019 02:00;abc;41;0.3\n"
        "32.06.2019 03:00;13;42;0.3\n"
        "01.06.2019 04:00;14;43\n"
        "31.03.2019 02:00;1;2;3\n"
        "01.06.2019 05:00;-3;;0.3\n"
        "01.06.2019 06:00;15;nan;0.3\n",
        encoding="utf-8",
    )
    items = list(read_export(path))
    problems = [str(i) for i in items if isinstance(i, Problem)]
    assert problems == [
        "ber_mc999_bad.csv:2: unknown component 'Kohlenmonoxid': column skipped",
        "ber_mc999_bad.csv:7: NO2: 'abc' is not a number",
        "ber_mc999_bad.csv:8: impossible timestamp '32.06.2019 03:00' "
        "(day is out of range for month)",
        "ber_mc999_bad.csv:9: 3 columns instead of 4",
        "ber_mc999_bad.csv:10: local time '31.03.2019 02:00' does not exist "
        "(daylight saving time starts)",
        "ber_mc999_bad.csv:12: O3: 'nan' is not a number",
    ]
    rows = {i.line: i for i in items if isinstance(i, HourRow)}
    assert sorted(rows) == [6, 7, 11, 12]
    assert [(r.column.component.code, r.value) for r in rows[7].readings] == [("O3", 41)]
    negative = rows[11].readings[0]
    assert negative.value == -3 and negative.flag == "negative value -3"
    assert rows[6].readings[0].column.station_code == "MC999"


# --- the import into SensorThings entities ---------------------------------------------------


def annual_mean(station: str, component: str, year: int) -> float:
    """The mean of a calendar year (Berlin time, by the hour's start), flagged values left out."""
    start = datetime(year, 1, 1, tzinfo=BERLIN)
    end = datetime(year + 1, 1, 1, tzinfo=BERLIN)
    observations = Observation.objects.filter(
        datastream__thing__properties__stationCode=station,
        datastream__observed_property__name=component,
        phenomenon_time_start__gte=start,
        phenomenon_time_start__lt=end,
        result_quality__isnull=True,
    )
    return observations.aggregate(mean=Avg("result_number"))["mean"]


@pytest.mark.django_db
def test_import_makes_things_locations_and_datastreams_and_matches_the_readme_means():
    files = [
        mc115("ber_mc115_20180322-20190323.csv"),
        mc115("ber_mc115_20190322-20200321.csv"),
        mc010("ber_mc010_20180323-20190323.csv"),
        mc010("ber_mc010_20190324-20200323.csv"),
    ]
    report = import_luftdaten(files, since=date(2019, 1, 1), until=date(2019, 12, 31))
    assert report.problems == [] and report.flagged == 0
    hardenbergplatz = Thing.objects.get(name="BLUME MC115 Hardenbergplatz")
    assert hardenbergplatz.properties["stationCode"] == "MC115"
    assert hardenbergplatz.properties["license"] == "dl-de/by-2-0"
    assert "BLUME" in hardenbergplatz.properties["attribution"]
    (location,) = hardenbergplatz.locations.all()
    longitude, latitude = location.location["coordinates"]
    assert abs(latitude - 52.5064) < 0.002 and abs(longitude - 13.3326) < 0.002
    assert hardenbergplatz.historical_locations.count() == 1
    no2 = Datastream.objects.get(thing=hardenbergplatz, observed_property__name="NO2")
    assert no2.unit_of_measurement["symbol"] == "µg/m³"
    assert no2.properties["ucumCode"] == "ug/m3"
    assert no2.observed_property.definition.endswith("/pollutant/8")
    assert no2.phenomenon_time_start == datetime(2019, 1, 1, tzinfo=BERLIN)
    assert no2.phenomenon_time_end == datetime(2020, 1, 1, tzinfo=BERLIN)
    assert Datastream.objects.filter(thing__properties__stationCode="MC010").count() == 5
    # The README's reference figures, from the stored observations.
    assert round(annual_mean("MC115", "NO2", 2019), 1) == 33.7
    assert round(annual_mean("MC010", "NO2", 2019), 1) == 25.4
    one = Observation.objects.filter(datastream=no2).order_by("phenomenon_time_start").first()
    assert (one.phenomenon_time_end - one.phenomenon_time_start).total_seconds() == 3600
    assert one.feature_of_interest.feature == location.location


@pytest.mark.django_db
def test_overlapping_files_and_a_second_run_create_no_duplicates():
    files = [mc115("ber_mc115_20170323-20180323.csv"), mc115("ber_mc115_20180322-20190323.csv")]
    first = import_luftdaten(files)
    # The files share 24 hours (22.03.2018 01:00 - 23.03.2018 00:00) of three components.
    assert first.duplicates == 24 * 3
    assert first.problems == []
    count = Observation.objects.count()
    assert count == first.created
    again = import_luftdaten(files)
    assert again.created == 0 and again.duplicates == count + 24 * 3
    assert Observation.objects.count() == count
    assert Thing.objects.count() == 1 and Location.objects.count() == 1
    assert Datastream.objects.count() == 3


@pytest.mark.django_db
def test_the_2013_artefact_is_stored_flagged_and_the_command_reports_it():
    out = StringIO()
    call_command(
        "sta",
        "import-luftdaten",
        str(mc115("ber_mc115_20130323-20140323.csv")),
        "--since",
        "2013-09-01",
        "--until",
        "2013-09-30",
        stdout=out,
        stderr=StringIO(),
    )
    text = out.getvalue()
    assert "33 flagged implausible" in text
    assert "0 bad rows" in text
    assert "ber_mc115_20130323-20140323.csv:4013: NO2: 5.35e+21 above" in text
    flagged = Observation.objects.filter(result_quality__flag="implausible")
    assert flagged.count() == 33
    artefact = flagged.get(
        datastream__observed_property__name="NO2",
        phenomenon_time_start=datetime(2013, 9, 5, 23, tzinfo=BERLIN),
    )
    assert artefact.result_number == 5350000000000000524288.0
    assert artefact.result_quality["source"] == "ber_mc115_20130323-20140323.csv:4013"
    # September only: 30 days of 3 components, less the empty cells.
    assert Observation.objects.filter(phenomenon_time_start__lt=utc(2013, 8, 31, 22)).count() == 0
    assert Observation.objects.filter(phenomenon_time_start__gte=utc(2013, 9, 30, 22)).count() == 0


@pytest.mark.django_db
def test_an_unknown_station_gets_a_thing_without_location_and_a_warning(tmp_path):
    path = tmp_path / "ber_mc042.csv"
    path.write_text(
        "Station;042 Neukölln;042 Neukölln\n"
        "Messkomponente;Stickstoffdioxid;Ozon\n"
        "Einheit;µg/m³;µg/m³\n"
        "Messzeit;Stundenwerte;Stundenwerte\n"
        "\n"
        "01.06.2019 01:00;12;40\n",
        encoding="utf-8",
    )
    report = import_luftdaten([path])
    assert report.created == 2
    assert report.warnings and "MC042" in report.warnings[0]
    thing = Thing.objects.get()
    assert thing.name == "BLUME MC042 Neukölln" and thing.locations.count() == 0
    # With coordinates given, the next import adds the Location.
    import_luftdaten([path], coordinates={"MC042": (52.4894, 13.4308)})
    assert thing.locations.get().location["coordinates"] == [13.4308, 52.4894]


@pytest.mark.django_db
def test_a_line_that_is_not_utf8_is_reported_with_file_and_line_and_the_import_goes_on(
    tmp_path,
):
    path = tmp_path / "ber_mc115_bytes.csv"
    path.write_bytes(
        "Station;115 Hardenbergplatz\n"
        "Messkomponente;Stickstoffdioxid\n"
        "Einheit;µg/m³\n"
        "Messzeit;Stundenwerte\n"
        "\n"
        "01.06.2019 01:00;12\n".encode()
        + b"01.06.2019 02:00;1\xff3\n"
        + b"01.06.2019 03:00;14\n"
    )
    report = import_luftdaten([path])
    assert [str(problem) for problem in report.problems] == [
        "ber_mc115_bytes.csv:7: not UTF-8 text: line skipped"
    ]
    assert sorted(Observation.objects.values_list("result_number", flat=True)) == [12, 14]


@pytest.mark.django_db
def test_the_command_limits_the_import_to_stations():
    out = StringIO()
    call_command(
        "sta",
        "import-luftdaten",
        str(luftdaten_dir()),
        "--stations",
        "MC010",
        "--since",
        "2019-06-01",
        "--until",
        "2019-06-02",
        stdout=out,
    )
    assert list(Thing.objects.values_list("name", flat=True)) == ["BLUME MC010 Wedding"]
    assert Observation.objects.count() == 48 * 5
    assert "240 observations created" in out.getvalue()
