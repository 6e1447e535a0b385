"""`gemeinsam strategy`: load GD:B's structure, import measurements (all or nothing, errors by
file and line), sync pulled sources, write the report PDF, export open data."""

import csv
import io
import json
import re
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from gemeinsam.sensors.models import Datastream, Observation
from gemeinsam.strategy.models import Indicator, Measurement, SourceKind, Strategy
from gemeinsam.strategy.services import versions
from tests.conftest import shared_data
from tests.strategy.report_data import OPEN_DATA, PM10, WITHOUT, make_report_data


@pytest.fixture
def data(staff):
    return make_report_data(staff)


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("strategy", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_load_gdb_from_the_shared_structure(db):
    structure = shared_data() / "gdb" / "structure.json"
    out, _err = run("load-gdb", str(structure), "--slug", "gdb")
    strategy = Strategy.objects.get(slug="gdb")
    version = strategy.published_version
    expected = json.loads(structure.read_text(encoding="utf-8"))
    assert version.measures.count() == len(expected["pilots"])
    assert f"{len(expected['pilots'])} measures" in out
    with pytest.raises(CommandError, match="gdb"):
        run("load-gdb", str(structure), "--slug", "gdb")


@pytest.mark.parametrize("content", ["{kein json", '{"fields_of_action": []}', "[1, 2]"])
def test_load_gdb_refuses_bad_files(db, tmp_path, content):
    path = tmp_path / "structure.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=re.escape(str(path))):
        run("load-gdb", str(path))
    assert not Strategy.objects.exists()
    with pytest.raises(CommandError, match=r"missing\.json"):
        run("load-gdb", str(tmp_path / "missing.json"))


def test_import_measurements_reports_created_and_updated(data, tmp_path):
    path = tmp_path / "werte.csv"
    path.write_text(
        f"indicator;date;value\n{PM10};01.03.2025;25,5\n{WITHOUT};2024-02-01;3\n",
        encoding="utf-8",
    )
    out, _err = run("import-measurements", "gd", str(path))
    assert "2 rows: 1 measurements created, 1 updated" in out
    assert Measurement.objects.get(indicator_key=data.pm10.key, date=date(2025, 3, 1)).value == 25.5


def test_import_measurements_prints_every_error_and_stores_nothing(data, tmp_path):
    path = tmp_path / "werte.csv"
    path.write_text(
        f"indicator,date,value\n{WITHOUT},2024-02-01,3\nunbekannt,2024-02-01,3\n"
        f"{WITHOUT},gestern,3\n",
        encoding="utf-8",
    )
    before = Measurement.objects.count()
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="nothing imported: 2 errors"):
        call_command("strategy", "import-measurements", "gd", str(path), stdout=out, stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith(f"{path}, line 3:")
    assert lines[1].startswith(f"{path}, line 4:")
    assert Measurement.objects.count() == before


def test_unknown_strategy_or_file_is_an_error(data, tmp_path):
    with pytest.raises(CommandError, match="no strategy 'nope'"):
        run("import-measurements", "nope", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match=r"x\.csv"):
        run("import-measurements", "gd", str(tmp_path / "x.csv"))


@pytest.fixture(scope="module")
def _partitions(django_db_setup, django_db_blocker):
    """The yearly observation partitions on PostgreSQL, made outside the test's transaction."""
    from gemeinsam.sensors.partitions import ensure_partitions

    with django_db_blocker.unblock():
        ensure_partitions(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 12, 31, tzinfo=UTC))


def test_sync_pulls_a_sensorthings_indicator(data, staff, _partitions):
    from gemeinsam.sensors.models import FeatureOfInterest, ObservedProperty, Sensor, Thing

    stream = Datastream.objects.create(
        name="PM10 stündlich",
        observation_type="http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
        unit_of_measurement={"name": "µg/m³", "symbol": "µg/m³"},
        thing=Thing.objects.create(name="Messstation"),
        sensor=Sensor.objects.create(name="S", encoding_type="text/html", metadata="x"),
        observed_property=ObservedProperty.objects.create(name="PM10", definition="urn:pm10"),
    )
    feature = FeatureOfInterest.objects.create(
        name="Ort", encoding_type="application/geo+json", feature={"type": "Point"}
    )
    for hour in range(3):
        Observation.objects.create(
            datastream=stream,
            feature_of_interest=feature,
            phenomenon_time_start=datetime(2024, 1, 10, 12 + hour, tzinfo=UTC),
            result_number=20 + hour,
        )
    draft = versions.start_draft(data.strategy, staff)
    indicator = draft.indicators.get(key=data.pm10.key)
    versions.edit_item(
        indicator,
        source=SourceKind.SENSORTHINGS,
        source_config={"datastream": stream.pk, "aggregate": "mean", "period": "month"},
    )
    out, _err = run("sync", "gd")
    assert f"{PM10}: 1 values, 1 new, 0 updated" in out
    assert Measurement.objects.get(indicator_key=data.pm10.key, date=date(2024, 1, 1)).value == 21


def test_sync_without_pulled_sources_says_so(data):
    out, _err = run("sync", "gd")
    assert "No indicator" in out


def test_report_writes_a_pdf_with_every_indicator(data, tmp_path):
    out_file = tmp_path / "bericht.pdf"
    out, _err = run("report", "gd", "--version", "1", "--year", "2024", "--pdf", str(out_file))
    assert "3 indicators" in out
    reader = PdfReader(out_file)
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for name in (OPEN_DATA, PM10, WITHOUT):
        assert name in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--version", "4", "--year", "2024"], "no version 4"),
        (["--year", "1999"], "1999"),
    ],
)
def test_report_refuses_unknown_versions_and_years(data, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        run("report", "gd", *args, "--pdf", str(tmp_path / "r.pdf"))
    assert not (tmp_path / "r.pdf").exists()


def test_export_to_stdout_and_to_a_file(data, tmp_path):
    out, _err = run("export", "gd", "indicators", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {row["name"] for row in rows} == {OPEN_DATA, PM10, WITHOUT}
    target = tmp_path / "messwerte.json"
    run("export", "gd", "measurements", "--format", "json", "-o", str(target))
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["kind"] == "measurements"
    assert len(document["rows"]) == Measurement.objects.count()


def test_export_of_a_strategy_without_published_version_fails(db):
    versions.create_strategy("Entwurf", slug="entwurf")
    with pytest.raises(CommandError, match="no published version"):
        run("export", "entwurf", "measures")
    assert not Indicator.objects.exists()
