"""The public pages /sensors/ and /sensors/things/<id>/: the map data and the list, private
Things hidden, the chart with its table, flagged values left out, and bounded queries."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gemeinsam.sensors.chart import line_chart, nice_step
from gemeinsam.sensors.imports.luftdaten import BERLIN
from gemeinsam.sensors.models import (
    Datastream,
    FeatureOfInterest,
    Location,
    Observation,
    ObservedProperty,
    Sensor,
    Thing,
)

pytestmark = pytest.mark.django_db

UNIT = {"name": "microgram per cubic metre", "symbol": "µg/m³", "definition": "ucum:ug/m3"}
END = datetime(2020, 3, 20, 17, tzinfo=UTC)


def make_station(name: str, *, private: bool = False, hours: int = 72, point=(13.33, 52.51)):
    thing = Thing.objects.create(name=name, description=f"{name} station", private=private)
    location = Location.objects.create(
        name=f"{name} place",
        encoding_type="application/geo+json",
        location={"type": "Point", "coordinates": list(point)},
    )
    thing.locations.add(location)
    feature = FeatureOfInterest.objects.create(
        name=name, encoding_type="application/geo+json", feature=location.location
    )
    sensor = Sensor.objects.create(name="analyser", encoding_type="text/html", metadata="-")
    no2 = ObservedProperty.objects.create(
        name="NO2",
        definition="http://dd.eionet.europa.eu/vocabulary/aq/pollutant/8",
        description="Nitrogen dioxide",
    )
    datastream = Datastream.objects.create(
        name=f"NO2 {name}",
        observation_type="OM_Measurement",
        unit_of_measurement=UNIT,
        thing=thing,
        sensor=sensor,
        observed_property=no2,
        phenomenon_time_start=END - timedelta(hours=hours),
        phenomenon_time_end=END,
    )
    Observation.objects.bulk_create(
        Observation(
            datastream=datastream,
            feature_of_interest=feature,
            phenomenon_time_start=END - timedelta(hours=hours - i),
            phenomenon_time_end=END - timedelta(hours=hours - i - 1),
            result_number=float(10 + i % 24),
        )
        for i in range(hours)
    )
    return thing, datastream, feature


def test_the_list_shows_public_things_on_the_map_and_in_the_list(anonymous):
    public, *_ = make_station("Hardenbergplatz")
    make_station("Geheimlabor", private=True, point=(13.4, 52.5))
    response = anonymous.get("/sensors/")
    assert response.status_code == 200
    html = response.content.decode()
    geojson = json.loads(
        re.search(r'<script id="sensor-map-data" type="application/json">(.*?)</script>', html)[1]
    )
    assert [f["properties"]["title"] for f in geojson["features"]] == ["Hardenbergplatz"]
    assert geojson["features"][0]["geometry"]["coordinates"] == [13.33, 52.51]
    assert f'href="/sensors/things/{public.pk}/"' in html
    assert "Geheimlabor" not in html
    assert 'class="sensor-list"' in html and "/sta/v1.1/Things" in html


def test_a_private_thing_has_no_public_page(anonymous):
    secret, *_ = make_station("Geheimlabor", private=True)
    assert anonymous.get(f"/sensors/things/{secret.pk}/").status_code == 404
    assert anonymous.get("/sensors/things/999999/").status_code == 404


def test_the_thing_page_draws_the_chart_and_the_table_of_the_same_values(anonymous):
    thing, datastream, _ = make_station("Hardenbergplatz", hours=72)
    response = anonymous.get(f"/sensors/things/{thing.pk}/?days=2")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg viewBox="0 0 720 300" role="img"' in html
    assert html.count('class="line"') == 1  # one unbroken run
    assert "<table>" in html and html.count('<td class="number">') == 48
    assert "µg/m³" in html
    assert f'href="/sta/v1.1/Things({thing.pk})"' in html
    assert f'href="/sta/v1.1/Datastreams({datastream.pk})/Observations"' in html
    # The table's hours are Berlin local time: the last hour ran 17:00-18:00 CET.
    assert "20.03.2020 17:00–18:00" in html


def test_flagged_values_are_left_out_of_the_chart_and_said_so(anonymous):
    thing, datastream, _ = make_station("Hardenbergplatz", hours=24)
    last = Observation.objects.filter(datastream=datastream).order_by("id").last()
    Observation.objects.filter(pk=last.pk).update(
        result_number=5.35e21, result_quality={"flag": "implausible", "reason": "huge"}
    )
    anonymous.cookies["gemeinsam_language"] = "en"
    html = anonymous.get(f"/sensors/things/{thing.pk}/?days=2").content.decode()
    assert html.count('<td class="number">') == 23
    assert "5.35e+21" not in html and "5350000000000000000000" not in html
    assert "flagged as implausible" in html
    anonymous.cookies["gemeinsam_language"] = "de"
    german = anonymous.get(f"/sensors/things/{thing.pk}/?days=2").content.decode()
    assert "als unplausibel markiert" in german


def test_gaps_break_the_line(anonymous):
    thing, datastream, _ = make_station("Hardenbergplatz", hours=48)
    hole = END - timedelta(hours=20)
    Observation.objects.filter(
        datastream=datastream,
        phenomenon_time_start__gte=hole,
        phenomenon_time_start__lt=hole + timedelta(hours=3),
    ).delete()
    html = anonymous.get(f"/sensors/things/{thing.pk}/?days=2").content.decode()
    assert html.count('class="line"') == 2


def test_the_chosen_datastream_must_belong_to_the_thing(anonymous):
    thing, datastream, _ = make_station("Hardenbergplatz")
    _, other_stream, _ = make_station("Wedding")
    html = anonymous.get(f"/sensors/things/{thing.pk}/?datastream={other_stream.pk}").content
    assert f"Datastreams({datastream.pk})/Observations".encode() in html
    assert f"Datastreams({other_stream.pk})".encode() not in html


def test_pages_render_in_german_and_english(client):
    thing, *_ = make_station("Hardenbergplatz")
    for language in ("de", "en"):
        client.cookies["gemeinsam_language"] = language
        response = client.get(f"/sensors/things/{thing.pk}/")
        assert response.status_code == 200
        assert f'<html lang="{language}">' in response.content.decode()


def test_query_counts_do_not_grow_with_things_or_values(anonymous):
    make_station("A", hours=24)
    with CaptureQueriesContext(connection) as few:
        anonymous.get("/sensors/")
    for name in "BCDEF":
        make_station(name, hours=24 * 30)
    with CaptureQueriesContext(connection) as many:
        assert anonymous.get("/sensors/").status_code == 200
    assert len(many) == len(few) <= 4
    thing = Thing.objects.get(name="F")
    with CaptureQueriesContext(connection) as detail:
        assert anonymous.get(f"/sensors/things/{thing.pk}/?days=30").status_code == 200
    assert len(detail) <= 6


def test_the_chart_scales_to_nice_ticks_and_local_midnights():
    assert [nice_step(s) for s in (0, 9, 47, 100, 730)] == [1.0, 2, 10, 20, 200]
    start = datetime(2019, 10, 25, 22, tzinfo=UTC)  # 26.10. 00:00 CEST
    points = [(start + timedelta(hours=h), float(h)) for h in range(72)]
    chart = line_chart(points, BERLIN, start=start, end=start + timedelta(hours=72))
    midnights = [t.value for t in chart.x_ticks]
    # 26., 27. and 28.10.: the night of the autumn switch has 25 hours.
    assert [m.astimezone(UTC).hour for m in midnights] == [22, 22, 23]
    assert midnights[2].astimezone(UTC) - midnights[1].astimezone(UTC) == timedelta(hours=25)
    assert chart.y_ticks[0].value == 0 and chart.y_ticks[-1].value >= 71
    assert len(chart.segments) == 1 and chart.dots == []
