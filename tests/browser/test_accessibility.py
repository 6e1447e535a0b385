"""axe-core on the home and login pages in both languages, and a 320 px wide phone."""

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ["/", "/accounts/login/", "/accounts/signup/"]


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violations(page, live_server, path, language):
    page.context.add_cookies(
        [{"name": "gemeinsam_language", "value": language, "url": live_server.url}]
    )
    page.goto(path)
    assert page.locator("html").get_attribute("lang") == language
    assert serious_violations(page) == []


@pytest.mark.parametrize("path", PAGES)
def test_pages_fit_a_320_pixel_screen(page, path):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert serious_violations(page) == []


def test_login_errors_are_announced_next_to_the_form(page):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "niemand@example.org")
    page.fill("input[name=password]", "falsches-passwort")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.locator("main").get_by_text("Passwort sind leider falsch").count() >= 1
    assert serious_violations(page) == []
