"""Measurements from CSV: the whole file or nothing, every error with its file and line."""

from datetime import date

import pytest
from django.utils import translation

from gemeinsam.strategy import selectors
from gemeinsam.strategy.models import Measurement, SourceKind
from gemeinsam.strategy.services.imports import ImportFailed, import_measurements
from tests.strategy.test_progress import make_strategy


@pytest.fixture
def tracked(db, staff):
    return make_strategy(staff)


def test_rows_are_stored_by_key_or_by_name(tracked, staff):
    strategy, _measure, indicator = tracked
    content = (
        "indicator,date,value,note\n"
        f"{indicator.key},2025-01-01,3,erste Zählung\n"
        "kiezboxen in betrieb,01.07.2025,7,\n"
    )
    report = import_measurements(strategy, content.encode(), filename="boxen.csv", user=staff)
    assert (report.rows, report.created, report.updated) == (2, 2, 0)
    series = selectors.measurements(indicator)
    assert [(m.date, m.value, m.source) for m in series] == [
        (date(2025, 1, 1), 3.0, SourceKind.CSV),
        (date(2025, 7, 1), 7.0, SourceKind.CSV),
    ]
    assert series[0].note == "erste Zählung"


def test_excel_files_with_semicolons_decimal_commas_and_bom(tracked):
    strategy, _measure, indicator = tracked
    content = "\ufeffIndicator;Date;Value\nKiezboxen in Betrieb;2025-02-01;1,5\n"
    report = import_measurements(strategy, content.encode("utf-8"), filename="excel.csv")
    assert report.created == 1
    assert selectors.measurements(indicator)[0].value == 1.5


def test_a_second_import_updates_the_same_days(tracked):
    strategy, _measure, indicator = tracked
    import_measurements(strategy, b"indicator,date,value\nKiezboxen in Betrieb,2025-02-01,1\n")
    report = import_measurements(
        strategy, b"indicator,date,value\nKiezboxen in Betrieb,2025-02-01,2\n"
    )
    assert (report.created, report.updated) == (0, 1)
    assert [m.value for m in selectors.measurements(indicator)] == [2.0]


def test_one_bad_line_stores_nothing_and_names_every_bad_line(tracked):
    strategy, _measure, _indicator = tracked
    content = (
        "indicator,date,value\n"
        "Kiezboxen in Betrieb,2025-01-01,3\n"
        "Kiezboxen in Betrieb,2025-13-01,3\n"
        "Kiezboxen in Betrieb,2025-02-01,drei\n"
        "Unbekannt,2025-02-01,3\n"
        "Kiezboxen in Betrieb,2020-02-01,3\n"
    )
    with translation.override("en"), pytest.raises(ImportFailed) as failed:
        import_measurements(strategy, content.encode(), filename="boxen.csv")
    errors = failed.value.report.errors
    assert [error.split(":")[0] for error in errors] == [
        "boxen.csv, line 3",
        "boxen.csv, line 4",
        "boxen.csv, line 5",
        "boxen.csv, line 6",
    ]
    assert "not a date" in errors[0]
    assert "not a number" in errors[1]
    assert "no indicator" in errors[2]
    assert "before the baseline" in errors[3]
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"datum,wert\n2025-01-01,3\n", "line 1: missing columns: indicator, date, value"),
        ("indicator,date,value\nä,2025-01-01,1\n".encode("latin-1"), "not UTF-8"),
        (b"", "missing columns"),
    ],
)
def test_files_that_are_not_measurement_tables_are_refused(tracked, content, message):
    strategy, _measure, _indicator = tracked
    with translation.override("en"), pytest.raises(ImportFailed, match=message):
        import_measurements(strategy, content, filename="x.csv")


def test_indicators_of_another_strategy_are_not_found(tracked, staff):
    strategy, _measure, _indicator = tracked
    other, _m, other_indicator = make_strategy(staff, name="Andere Strategie")
    with pytest.raises(ImportFailed):
        import_measurements(strategy, f"indicator,date,value\n{other_indicator.key},2025-01-01,1\n")
    assert other.pk != strategy.pk
