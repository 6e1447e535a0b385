"""The public station pages in Chromium: the map shows the stations, the list and the chart's
table are there for keyboards and screen readers, axe finds nothing serious, phone width fits."""

import re

import pytest

from gemeinsam.sensors.demo import demo_files
from gemeinsam.sensors.imports.blume import import_luftdaten
from gemeinsam.sensors.models import Thing

from .test_accessibility import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILES = re.compile(r"^https://tile\.openstreetmap\.org/")


@pytest.fixture
def stations():
    """The demo's real year of MC010 and MC115, limited to March 2020 to stay quick."""
    from datetime import date

    import_luftdaten(demo_files(), since=date(2020, 3, 1), until=date(2020, 3, 31))
    return Thing.objects.order_by("name")


@pytest.fixture
def offline_tiles(page):
    page.route(TILES, lambda route: route.abort())
    return page


def test_the_map_shows_the_stations_and_the_list_leads_to_a_chart(offline_tiles, stations):
    page = offline_tiles
    page.goto("/sensors/")
    page.wait_for_selector("#sensor-map[data-loaded='2']")
    assert page.locator("#sensor-map .leaflet-marker-icon").count() == 2
    assert serious_violations(page) == []
    # The list holds the same stations as links, reachable by keyboard.
    station_list = page.locator("#list-heading + ul")
    assert station_list.get_attribute("aria-labelledby") == "list-heading"
    assert station_list.get_by_role("link").all_inner_texts() == [t.name for t in stations]
    page.get_by_role("link", name="BLUME MC115 Hardenbergplatz").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/sensors/things/\d+/$"))
    assert page.locator("figure.chart svg[role=img] polyline").count() >= 1
    page.get_by_role("link", name="NO2").click()
    page.wait_for_url(re.compile(r"datastream=\d+"))
    assert "NO2" in page.locator("#chart-heading").inner_text()
    page.locator("details summary").click()
    assert page.locator("details table tbody tr").count() > 100
    assert serious_violations(page) == []


def test_the_station_page_fits_a_phone(offline_tiles, stations):
    page = offline_tiles
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"/sensors/things/{stations[0].pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert serious_violations(page) == []
