"""The statistics page and the follow button: axe-core clean, usable on a 320 px screen."""

import pytest
from django.conf import settings
from django.test import Client

from gemeinsam.core.models import ActorGroup
from gemeinsam.participation.services import contributions

from ..conftest import UserFactory
from ..participation.conftest import make_process
from .test_accessibility import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


@pytest.fixture
def process_with_people(moderator):
    process = make_process()
    process.moderators.add(moderator)
    idea = contributions.submit_idea(
        UserFactory(actor_group=ActorGroup.SCIENCE), process, title="WLAN", description="D"
    )
    for group in (ActorGroup.BUSINESS, ActorGroup.BUSINESS, ""):
        contributions.add_comment(UserFactory(actor_group=group), idea, "Gute Idee")
    return process


@pytest.mark.parametrize("width", [1280, 320])
def test_statistics_page_is_accessible_and_fits(
    page, live_server, process_with_people, moderator, width
):
    _log_in(page, live_server, moderator)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"/processes/{process_with_people.slug}/statistics/")
    assert page.locator("h1").count() == 1
    assert page.locator("table").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []


def test_follow_button_works_on_a_phone(page, live_server, resident):
    process = make_process()
    _log_in(page, live_server, resident)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"/processes/{process.slug}/")
    page.get_by_role("button", name="Folgen").or_(page.get_by_role("button", name="Follow")).click()
    page.wait_for_load_state()
    assert process.followers.filter(pk=resident.pk).exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert serious_violations(page) == []
