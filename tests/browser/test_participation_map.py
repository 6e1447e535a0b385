"""The idea maps in Chromium: placing an idea by clicking, clusters, and axe on the pages."""

import re

import pytest

from gemeinsam.participation.models import Category, Idea
from gemeinsam.participation.services import contributions

from ..conftest import PASSWORD
from ..participation.conftest import make_process
from .test_accessibility import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILES = re.compile(r"^https://tile\.openstreetmap\.org/")


@pytest.fixture
def mitte_process(berlin, moderator):
    process = make_process(slug="mitte")
    process.districts.set([berlin.get(code="001")])
    process.moderators.add(moderator)
    Category.objects.create(process=process, name="Grün")
    return process


@pytest.fixture
def offline_tiles(page):
    """No tile server in tests: the map works, the background stays empty."""
    page.route(TILES, lambda route: route.abort())
    return page


def log_in(page, user):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/profile/$"))


def test_a_resident_places_an_idea_on_the_map_rates_and_comments(
    offline_tiles, mitte_process, resident
):
    page = offline_tiles
    log_in(page, resident)
    page.goto(f"/processes/{mitte_process.slug}/ideas/new/")
    page.fill("input[name=title]", "Trinkbrunnen")
    page.fill("textarea[name=description]", "Am Alexanderplatz fehlt Wasser.")
    picker = page.locator("#place-map")
    picker.wait_for(state="visible")
    page.wait_for_selector("#place-map path.leaflet-interactive, #place-map svg path")
    assert page.input_value("input[name=longitude]") == ""
    box = picker.bounding_box()
    picker.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    longitude = float(page.input_value("input[name=longitude]"))
    latitude = float(page.input_value("input[name=latitude]"))
    assert 13.3 < longitude < 13.45 and 52.49 < latitude < 52.56  # inside Mitte
    assert page.locator("#place-map .leaflet-marker-icon").count() == 1
    assert "52." in page.locator("#place-status").inner_text()
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/ideas/\d+/$"))
    assert "Mitte" in page.locator("main .meta").first.inner_text()
    idea = Idea.objects.get()
    assert (round(idea.longitude, 6), round(idea.latitude, 6)) == (longitude, latitude)
    assert serious_violations(page) == []

    # The same resident rates the idea and starts the discussion.
    page.locator("button[name=value][value=up]").click()
    page.wait_for_url(re.compile(r"/ideas/\d+/$"))
    assert page.locator("button[name=value][value=up]").get_attribute("aria-pressed") == "true"
    page.fill("textarea[name=text]", "Am besten neben dem Brunnen der Völkerfreundschaft.")
    page.locator("form[action$='/comment/'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/ideas/\d+/"))
    assert "Brunnen der Völkerfreundschaft" in page.locator("main").inner_text()
    idea.refresh_from_db()
    assert (idea.rating_up, idea.rating_down, idea.comment_count) == (1, 0, 1)


def test_the_map_page_shows_clusters_and_markers(offline_tiles, mitte_process, resident):
    page = offline_tiles
    for n in range(12):
        Idea.objects.create(
            process=mitte_process,
            author=resident,
            title=f"Idee {n}",
            description="D",
            longitude=13.40 + n / 10_000,
            latitude=52.52,
        )
    Idea.objects.create(
        process=mitte_process, title="Einzeln", description="D", longitude=13.35, latitude=52.53
    )
    page.goto(f"/processes/{mitte_process.slug}/map/")
    page.wait_for_selector("#idea-map[data-loaded='13']")
    assert page.locator("#idea-map .marker-cluster").count() >= 1
    assert page.locator("#idea-map img.leaflet-marker-icon[alt='Einzeln']").count() == 1
    marker = "#idea-map img.leaflet-marker-icon[alt='Einzeln']"
    page.wait_for_function(f'document.querySelector("{marker}").complete')
    assert page.evaluate(f'document.querySelector("{marker}").naturalWidth') > 0  # image found
    page.locator("#idea-map img.leaflet-marker-icon[alt='Einzeln']").click()
    popup = page.locator(".leaflet-popup-content a")
    assert popup.inner_text() == "Einzeln"
    assert re.search(r"/ideas/\d+/$", popup.get_attribute("href"))
    assert page.get_by_role("link", name=re.compile("Liste|List")).count() >= 1


@pytest.mark.parametrize("width", [1280, 320])
def test_participation_pages_have_no_serious_accessibility_violations(
    offline_tiles, mitte_process, resident, width
):
    page = offline_tiles
    page.set_viewport_size({"width": width, "height": 800})
    idea = contributions.submit_idea(
        resident,
        mitte_process,
        title="Mehr Bäume",
        description="Schatten im Sommer",
        point=contributions.Point(13.40, 52.52),
    )
    contributions.submit_idea(resident, mitte_process, title="Ohne Ort", description="D")
    paths = [
        "/processes/",
        f"/processes/{mitte_process.slug}/",
        f"/processes/{mitte_process.slug}/?q=B%C3%A4ume&sort=rated",
        f"/processes/{mitte_process.slug}/map/",
        f"/processes/{mitte_process.slug}/ideas/{idea.pk}/",
    ]
    for path in paths:
        page.goto(path)
        if "/map/" in path:
            page.wait_for_selector("#idea-map[data-loaded]")
        assert serious_violations(page) == [], path
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
