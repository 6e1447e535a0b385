"""City staff change the strategy in the browser: start a draft, edit a measure and an
indicator, review the changes, publish with a change note; the public changelog shows it.

The pages run in English (language cookie), so the assertions read like the UI source.
"""

import re
from datetime import date

import pytest
from django.conf import settings

from gemeinsam.strategy.models import (
    FieldOfAction,
    Indicator,
    Measure,
    MeasureType,
    Strategy,
    Value,
    VersionState,
)
from gemeinsam.strategy.services import versions

from ..conftest import PASSWORD
from .test_accessibility import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def strategy(staff) -> Strategy:
    strategy = versions.create_strategy("Gemeinsam Digital", slug="gd", user=staff)
    version = strategy.versions.get()
    versions.add_item(version, Value, name="nachhaltig", name_en="sustainable")
    field = versions.add_item(version, FieldOfAction, title="Daten")
    measure = versions.add_item(
        version, Measure, title="Kiezbox", type=MeasureType.URBAN_SOCIETY, fields_of_action=[field]
    )
    versions.add_item(
        version,
        Indicator,
        measure=measure,
        name="Kiezboxen im Betrieb",
        baseline_value=10,
        baseline_date=date(2024, 1, 1),
        target_value=50,
        target_date=date(2030, 12, 31),
    )
    versions.publish(version, staff, "Erste Fassung")
    return strategy


def log_in(page, live_server, user) -> None:
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_staff_edit_a_draft_review_it_and_publish_it_to_the_changelog(
    page, live_server, staff, strategy
):
    log_in(page, live_server, staff)
    page.get_by_role("link", name="Staff area").click()
    page.get_by_role("link", name="Strategies (staff area)").click()
    page.get_by_role("link", name="Gemeinsam Digital").click()
    page.wait_for_url(re.compile(r"/staff/strategy/gd/$"))
    page.get_by_role("button", name="Start a draft").click()
    page.wait_for_url(re.compile(r"/staff/strategy/gd/draft/$"))
    assert "Version 2 has been started as a draft." in page.locator(".messages").inner_text()
    assert serious_violations(page) == []

    page.get_by_role("link", name=re.compile(r"^Edit\s*: Kiezbox$")).click()
    assert serious_violations(page) == []
    page.fill("#id_title", "Kiezbox 2.0")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"/staff/strategy/gd/draft/$"))

    page.get_by_role("link", name=re.compile(r"^Edit\s*: Kiezboxen im Betrieb$")).click()
    page.fill("#id_target_value", "80")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"/staff/strategy/gd/draft/$"))
    assert page.get_by_role("rowheader", name="Kiezbox 2.0").is_visible()

    page.get_by_role("link", name="Review changes and publish").click()
    page.wait_for_url(re.compile(r"/staff/strategy/gd/review/$"))
    changes = page.locator(".review-list").all_inner_texts()
    assert any("Kiezbox 2.0" in text for text in changes)
    assert any("80" in text and "50" in text for text in changes)
    assert serious_violations(page) == []

    page.get_by_role("button", name="Publish version 2").click()
    assert page.locator(".form-errors").is_visible()  # the change note is required
    assert strategy.draft is not None
    page.fill("#id_change_note", "Kiezbox 2.0 mit höherem Ziel.")
    page.get_by_role("button", name="Publish version 2").click()
    page.wait_for_url(re.compile(r"/staff/strategy/gd/$"))

    published = strategy.published_version
    assert (published.number, published.state) == (2, VersionState.PUBLISHED)
    assert published.change_note == "Kiezbox 2.0 mit höherem Ziel."
    assert published.indicators.get().target_value == 80

    page.get_by_role("link", name="Public changelog").click()
    page.wait_for_url(re.compile(r"/strategy/gd/changelog/$"))
    newest = page.locator("section.version-entry").first
    assert "Version 2" in newest.inner_text()
    assert "Kiezbox 2.0 mit höherem Ziel." in newest.inner_text()
    assert "Kiezbox 2.0" in newest.locator(".changes").first.inner_text()


def test_staff_pages_fit_a_phone(page, live_server, staff, strategy):
    measure = strategy.published_version.measures.get()
    versions.start_draft(strategy)
    log_in(page, live_server, staff)
    page.set_viewport_size({"width": 320, "height": 640})
    for path in (
        "/staff/strategy/",
        "/staff/strategy/gd/",
        "/staff/strategy/gd/draft/",
        "/staff/strategy/gd/draft/measure/add/",
        "/staff/strategy/gd/review/",
        "/staff/strategy/gd/import/",
        f"/staff/strategy/gd/measures/{measure.key}/",
    ):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
        assert serious_violations(page) == []
