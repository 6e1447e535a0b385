"""The success-control report: HTML page and PDF of a published version for a year, cut off at
the end of the year, with every indicator, its chart, status and rule."""

import io
from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from pypdf import PdfReader

from gemeinsam.strategy import report
from gemeinsam.strategy.exports import report_pdf
from gemeinsam.strategy.indicators import Status
from gemeinsam.strategy.models import Indicator, Measure, MeasureType
from gemeinsam.strategy.services import tracking, versions
from tests.conftest import UserFactory
from tests.strategy.report_data import OPEN_DATA, PM10, WITHOUT, make_report_data


@pytest.fixture
def data(staff):
    return make_report_data(staff, [UserFactory(), UserFactory()])


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


def statuses(built: report.Report) -> dict[str, Status]:
    return {item.indicator.name: item.status for _measure, item in built.indicators}


def test_report_of_a_past_year_ignores_later_measurements(data):
    built = report.build_report(data.strategy.published_version, 2024, today=date(2026, 6, 1))
    assert built.cutoff == date(2024, 12, 31)
    assert not built.provisional
    views = {item.indicator.name: item.view for _measure, item in built.indicators}
    assert [m.date.year for m in views[PM10].series] == [2022, 2023]
    assert views[OPEN_DATA].latest.value == 27
    # Growing 6 a year up to 2024 reaches 50 by 2028; the stall of 2025 and 2026 is not seen yet.
    assert statuses(built)[OPEN_DATA] == Status.ON_TRACK
    later = report.build_report(data.strategy.published_version, 2026, today=date(2026, 12, 5))
    assert later.provisional
    assert statuses(later)[OPEN_DATA] != Status.ON_TRACK


def test_status_counts_cover_every_indicator(data):
    built = report.build_report(data.strategy.published_version, 2024, today=date(2026, 6, 1))
    assert sum(row.count for row in built.counts) == 3
    counts = {row.status: row.count for row in built.counts}
    assert counts[Status.NO_DATA] == 1
    assert statuses(built)[WITHOUT] == Status.NO_DATA


def test_a_measure_in_two_fields_is_described_once(data):
    built = report.build_report(data.strategy.published_version, 2024, today=date(2026, 6, 1))
    described = [m.measure.title for section in built.sections for m in section.measures]
    assert sorted(described) == ["Datenportal", "Kiezbox", "Luftqualität"]
    climate = next(s for s in built.sections if s.field and s.field.title == "Klima")
    assert [m.measure.title for m in climate.see_also] == ["Luftqualität"]
    assert built.sections[-1].field is None  # Kiezbox, under no field


def test_compass_as_of_the_cutoff(data):
    built = report.build_report(data.strategy.published_version, 2024, today=date(2026, 6, 1))
    portal = next(m for s in built.sections for m in s.measures if m.measure == data.portal)
    rows = {row.value.key: row for row in portal.compass.rows}
    common_good, participation = data.values
    assert portal.compass.team_on == date(2023, 5, 1)  # the 2025 assessment comes later
    assert rows[common_good.key].team == 3
    assert rows[common_good.key].public == pytest.approx(1.5)
    assert portal.compass.respondents == 2
    assert rows[participation.key].public is None
    before = report.build_report(data.strategy.published_version, 2022, today=date(2026, 6, 1))
    portal = next(m for s in before.sections for m in s.measures if m.measure == data.portal)
    assert portal.compass.empty


def test_years_run_from_the_first_baseline_to_this_year(data):
    years = report.report_years(data.strategy.published_version, today=date(2026, 3, 1))
    assert years == [2026, 2025, 2024, 2023, 2022, 2021]
    with translation.override("en"), pytest.raises(report.ReportUnavailable, match="2020"):
        report.build_report(data.strategy.published_version, 2020, today=date(2026, 3, 1))


def test_report_page_shows_every_indicator_with_chart_and_rule(data, client):
    client.cookies["gemeinsam_language"] = "en"
    response = client.get("/strategy/gd/report/1/?year=2024")
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("Open data sets", PM10, WITHOUT):  # English names where given
        assert name in page
    assert OPEN_DATA not in page
    assert page.count("<svg") == 3
    assert "Method" in page
    assert "least-squares" in page
    assert "2024" in page


def test_report_page_queries_do_not_grow_with_measures(data, client, django_assert_max_num_queries):
    version = data.strategy.published_version
    with CaptureQueriesContext(connection) as few:
        client.get("/strategy/gd/report/1/?year=2024")
    draft = versions.start_draft(data.strategy)
    for n in range(6):
        measure = versions.add_item(draft, Measure, title=f"M{n}", type=MeasureType.CENTRAL)
        versions.add_item(
            draft, Indicator, measure=measure, name=f"I{n}", baseline_value=0,
            baseline_date=date(2022, 1, 1), target_value=1, target_date=date(2030, 1, 1),
        )  # fmt: skip
    versions.publish(draft, None, "mehr")
    assert data.strategy.published_version != version
    with django_assert_max_num_queries(len(few.captured_queries) + 2):
        response = client.get("/strategy/gd/report/2/?year=2024")
    assert response.status_code == 200


def test_pdf_contains_every_indicator_and_the_charts(data, client):
    client.cookies["gemeinsam_language"] = "en"
    response = client.get("/strategy/gd/report/1.pdf?year=2024")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="gd-v1-2024.pdf"'
    pages, text = pdf_text(response.content)
    for name in ("Open data sets", PM10, WITHOUT):
        assert name in text
    assert pages >= 4  # title, summary, one page per field at least
    # Axis labels of the SVG charts: the unit and the years of the time axis.
    assert "µg/m³" in text
    for year in ("2021", "2027", "2028", "2030"):
        assert year in text
    assert "Data portal" in text


def test_pdf_of_many_indicators_lists_them_all(staff):
    strategy = versions.create_strategy("Viele", slug="viele")
    version = strategy.versions.get()
    names = []
    for n in range(12):
        measure = versions.add_item(version, Measure, title=f"Maßnahme {n}", type="central")
        for k in range(2):
            names.append(f"Indikator {n}-{k}")
            versions.add_item(
                version, Indicator, measure=measure, name=names[-1], baseline_value=0,
                baseline_date=date(2023, 1, 1), target_value=10, target_date=date(2029, 1, 1),
            )  # fmt: skip
    versions.publish(version, staff, "viele")
    built = report.build_report(strategy.published_version, 2025, today=date(2026, 1, 10))
    _pages, text = pdf_text(report_pdf.render_pdf(built))
    for name in names:
        assert name in text


def english_pdf_key(version, year: int) -> str:
    with translation.override("en"):
        return report_pdf.pdf_cache_key(report.build_report(version, year))


def test_pdf_is_kept_until_what_it_shows_changes(data, client):
    client.cookies["gemeinsam_language"] = "en"
    url = "/strategy/gd/report/1.pdf?year=2026"
    key = english_pdf_key(data.strategy.published_version, 2026)
    assert cache.get(key) is None
    first = client.get(url).content
    assert cache.get(key) == first
    # A stand-in for the stored PDF is served as it is: the PDF is not made again.
    cache.set(key, b"%PDF-stored")
    assert client.get(url).content == b"%PDF-stored"
    tracking.record_measurement(data.pm10, date(2026, 3, 1), 24)
    changed = english_pdf_key(data.strategy.published_version, 2026)
    assert changed != key
    second = client.get(url).content
    assert second.startswith(b"%PDF-")
    assert cache.get(changed) == second
    assert "24 µg/m³" in pdf_text(second)[1]


def test_pdf_in_another_language_is_another_pdf(data):
    keys = set()
    for language in ("en", "de"):
        with translation.override(language):
            built = report.build_report(data.strategy.published_version, 2024)
            keys.add(report_pdf.pdf_cache_key(built))
    assert len(keys) == 2


def test_draft_reports_are_for_staff_only(data, client, login, staff, resident):
    versions.start_draft(data.strategy, staff)
    assert client.get("/strategy/gd/report/2/?year=2024").status_code == 404
    assert login(resident).get("/strategy/gd/report/2.pdf?year=2024").status_code == 404
    assert login(staff).get("/strategy/gd/report/2/?year=2024").status_code == 200


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/strategy/gd/report/1/?year=abc", 400),
        ("/strategy/gd/report/1/?year=-5", 400),
        ("/strategy/gd/report/1/?year=99999999999", 400),
        ("/strategy/gd/report/1/?year=1990", 404),
        ("/strategy/gd/report/1/?year=2999", 404),
        ("/strategy/gd/report/7/?year=2024", 404),
        ("/strategy/nope/report/1/?year=2024", 404),
        ("/strategy/nope/report/", 404),
        ("/strategy/gd/report/1.pdf?year=x", 400),
    ],
)
def test_bad_report_requests_are_4xx(data, client, url, status):
    assert client.get(url).status_code == status


def test_report_without_year_is_the_running_year(data, client):
    response = client.get("/strategy/gd/report/1/")
    assert response.status_code == 200
    assert response.context["report"].year == timezone.localdate().year


def test_report_index_lists_versions_years_and_exports(data, client):
    client.cookies["gemeinsam_language"] = "en"
    response = client.get("/strategy/gd/report/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/strategy/gd/report/1/?year=2021" in page
    assert "/strategy/gd/report/1.pdf?year=2024" in page
    assert "/strategy/gd/export/measurements.csv?version=1" in page
