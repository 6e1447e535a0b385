"""Open-data exports of a strategy version: CSV (UTF-8 with BOM, comma, header, ISO dates) and
JSON built from the same rows, published versions only."""

import csv
import io
import json

import pytest

from gemeinsam.strategy.exports import open_data
from gemeinsam.strategy.models import Measure, MeasureType
from gemeinsam.strategy.services import versions
from tests.conftest import UserFactory
from tests.strategy.report_data import OPEN_DATA, PM10, make_report_data


@pytest.fixture
def data(staff):
    return make_report_data(staff, [UserFactory(), UserFactory(), UserFactory()])


def read_csv(content: bytes) -> list[dict]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM, so that Excel reads UTF-8
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize("kind", list(open_data.KINDS))
def test_csv_and_json_carry_the_same_rows(data, client, kind):
    as_csv = client.get(f"/strategy/gd/export/{kind}.csv")
    as_json = client.get(f"/strategy/gd/export/{kind}.json")
    assert as_csv.status_code == as_json.status_code == 200
    assert as_csv["Content-Disposition"] == f'attachment; filename="gd-v1-{kind}.csv"'
    rows = read_csv(as_csv.content)
    document = json.loads(as_json.content)
    assert document["kind"] == kind
    assert document["version"] == 1
    assert len(rows) == len(document["rows"]) > 0
    assert list(rows[0]) == document["columns"]
    first = document["columns"][0]
    assert [row[first] for row in rows] == [str(row[first]) for row in document["rows"]]


def test_measurements_with_iso_dates_and_decimal_points(data, client):
    rows = read_csv(client.get("/strategy/gd/export/measurements.csv").content)
    open_data = [row for row in rows if row["indicator"] == OPEN_DATA]
    assert [row["date"] for row in open_data][:2] == ["2022-06-30", "2023-06-30"]
    assert open_data[0]["value"] == "15.0"
    assert {row["indicator"] for row in rows} == {OPEN_DATA, PM10}
    assert "created_by" not in rows[0]


def test_compass_export_gives_public_means_without_names_or_texts(data, client):
    rows = read_csv(client.get("/strategy/gd/export/compass.csv").content)
    team = [row for row in rows if row["kind"] == "team"]
    public = [row for row in rows if row["kind"] == "public"]
    assert len(team) == 4  # two assessments, two values each
    assert {row["justification"] for row in team} >= {"nützt allen"}
    assert len(public) == 1
    assert public[0]["respondents"] == "3"
    assert float(public[0]["score"]) == pytest.approx((1 + 2 + 4) / 3, abs=1e-4)
    assert public[0]["justification"] == ""
    text = client.get("/strategy/gd/export/compass.json").content.decode()
    assert "Privat" not in text
    assert "example.org" not in text


def test_indicator_export_has_the_latest_value_and_status(data, client):
    document = json.loads(client.get("/strategy/gd/export/indicators.json").content)
    rows = {row["name"]: row for row in document["rows"]}
    assert rows[OPEN_DATA]["latest_value"] == 27
    assert rows[OPEN_DATA]["latest_date"] == "2026-06-30"
    assert rows[PM10]["is_example"] is True
    assert rows[OPEN_DATA]["status"] in {"on_track", "at_risk", "off_track"}


def test_changelog_lists_each_published_version(data, client, staff):
    draft = versions.start_draft(data.strategy, staff)
    versions.add_item(draft, Measure, title="Neue Maßnahme", type=MeasureType.CENTRAL)
    versions.publish(draft, staff, "Zweite Fassung")
    rows = read_csv(client.get("/strategy/gd/export/changelog.csv").content)
    assert {row["version"] for row in rows} == {"1", "2"}
    added = [row for row in rows if row["version"] == "2"]
    assert [(row["change"], row["title"]) for row in added] == [("added", "Neue Maßnahme")]
    first = read_csv(client.get("/strategy/gd/export/changelog.csv?version=1").content)
    assert {row["version"] for row in first} == {"1"}


def test_measures_export_joins_lists(data, client):
    rows = read_csv(client.get("/strategy/gd/export/measures.csv").content)
    air = next(row for row in rows if row["title"] == "Luftqualität")
    assert len(air["fields_of_action"].split("; ")) == 2
    document = json.loads(client.get("/strategy/gd/export/measures.json").content)
    air = next(row for row in document["rows"] if row["title"] == "Luftqualität")
    assert len(air["fields_of_action"]) == 2


def test_drafts_are_not_exported_to_the_public(data, client, login, staff):
    versions.start_draft(data.strategy, staff)
    assert client.get("/strategy/gd/export/measures.csv?version=2").status_code == 404
    assert login(staff).get("/strategy/gd/export/measures.csv?version=2").status_code == 200


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/strategy/gd/export/secrets.csv", 404),
        ("/strategy/gd/export/measures.xlsx", 404),
        ("/strategy/gd/export/measures.csv?version=abc", 400),
        ("/strategy/gd/export/measures.csv?version=9", 404),
        ("/strategy/nope/export/measures.csv", 404),
    ],
)
def test_bad_export_requests_are_4xx(data, client, url, status):
    assert client.get(url).status_code == status


def test_a_strategy_without_a_published_version_has_no_export(db, client):
    versions.create_strategy("Entwurf", slug="entwurf")
    assert client.get("/strategy/entwurf/export/measures.csv").status_code == 404


def test_texts_that_a_spreadsheet_would_run_are_defused_but_numbers_are_not(data, client):
    draft = versions.start_draft(data.strategy)
    versions.add_item(
        draft, Measure, title='=HYPERLINK("http://x.invalid")', type=MeasureType.CENTRAL
    )
    versions.publish(draft, change_note="Formel im Titel")
    rows = read_csv(client.get("/strategy/gd/export/measures.csv").content)
    titles = [row["title"] for row in rows]
    assert '\'=HYPERLINK("http://x.invalid")' in titles
    assert open_data.cell(-3.5) == "-3.5"
    as_json = json.loads(client.get("/strategy/gd/export/measures.json").content)
    assert '=HYPERLINK("http://x.invalid")' in [row["title"] for row in as_json["rows"]]
