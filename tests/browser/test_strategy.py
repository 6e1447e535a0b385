"""The strategy's public pages in Chromium with the demo content: overview, a measure with its
indicator charts and value-compass radar, the map and the survey; axe finds nothing serious,
and a phone's width fits without scrolling sideways."""

import re

import pytest

from gemeinsam.core.demo import load_demo_content as load_accounts
from gemeinsam.strategy.demo import load_demo_content

from .test_accessibility import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILES = re.compile(r"^https://tile\.openstreetmap\.org/")


@pytest.fixture
def demo(page):
    page.route(TILES, lambda route: route.abort())
    load_accounts()  # the demo's people answer the survey, its organisations are partners
    strategy = load_demo_content()
    version = strategy.published_version
    hardenbergplatz = version.measures.order_by("order").first()
    return strategy, hardenbergplatz


def test_overview_and_measure_page_render_with_charts_and_radar(page, demo):
    strategy, measure = demo
    page.goto(f"/strategy/{strategy.slug}/")
    assert page.locator("h1").inner_text() == "Gemeinsam Digital: Berlin"
    assert page.locator(".measure-card").count() >= 5
    assert page.locator(".status-summary .status-badge").count() == 4
    assert serious_violations(page) == []
    page.get_by_role("link", name=measure.title).first.click()
    page.wait_for_url(re.compile(rf"/measures/{measure.key}/$"))
    charts = page.locator("figure.ichart > svg[role=img]")
    assert charts.count() == measure.indicators.count() >= 1
    assert page.locator("figure.ichart polyline.measured").count() >= 1
    assert page.locator("figure.radar > svg[role=img] .series-team polygon").count() == 1
    assert page.locator("figure.radar > svg[role=img] .series-public polygon").count() == 1
    assert page.locator(".stepper li[aria-current=step]").count() == 1
    page.wait_for_selector("#measure-map[data-loaded='1']")
    page.locator("details.rule summary").first.click()
    assert page.locator("details.rule p").first.is_visible()
    assert serious_violations(page) == []


def test_the_map_shows_the_located_measures(page, demo):
    strategy, _measure = demo
    page.goto(f"/strategy/{strategy.slug}/map/")
    listed = page.locator("#list-heading + ul li").count()
    assert listed >= 1
    page.wait_for_selector(f"#strategy-map[data-loaded='{listed}']")
    assert page.locator("#strategy-map .leaflet-marker-icon").count() == listed
    assert serious_violations(page) == []


def test_survey_and_changelog_are_accessible(page, demo):
    strategy, measure = demo
    page.goto(f"/strategy/{strategy.slug}/measures/{measure.key}/survey/")
    assert page.locator("fieldset.rating").count() == 4
    assert serious_violations(page) == []
    page.goto(f"/strategy/{strategy.slug}/changelog/")
    assert page.locator(".version-entry").count() == 2
    assert serious_violations(page) == []


@pytest.mark.parametrize("width", [320, 360])
def test_strategy_pages_fit_a_phone(page, demo, width):
    strategy, measure = demo
    page.set_viewport_size({"width": width, "height": 740})
    for path in (
        f"/strategy/{strategy.slug}/",
        f"/strategy/{strategy.slug}/measures/{measure.key}/",
        f"/strategy/{strategy.slug}/changelog/",
        f"/strategy/{strategy.slug}/map/",
    ):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    page.goto(f"/strategy/{strategy.slug}/measures/{measure.key}/")
    radar = page.locator("figure.radar > svg").bounding_box()
    assert radar is not None and radar["width"] <= width
    assert serious_violations(page) == []


def test_the_report_pages_are_accessible_and_fit_a_phone(page, demo):
    strategy, measure = demo
    page.goto(f"/strategy/{strategy.slug}/report/")
    assert serious_violations(page) == []
    page.locator("a[href*='/report/2/?year=']").first.click()
    page.wait_for_url(re.compile(r"/report/2/\?year=\d{4}$"))
    names = [i.name for i in measure.version.indicators.all()]
    text = page.locator("main").inner_text()
    assert all(name in text for name in names)
    assert serious_violations(page) == []
    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert serious_violations(page) == []  # the tables that scroll can be reached by keyboard
    page.goto(f"/strategy/{strategy.slug}/report/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
