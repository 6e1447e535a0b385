"""Staff create a process in the staff area; a moderator hides a comment and responds.

The pages run in English (language cookie), so the assertions read like the UI source.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from gemeinsam.participation.models import Idea, Phase, PhaseType, Process
from gemeinsam.participation.services import contributions, moderation

from ..conftest import PASSWORD, UserFactory
from ..participation.conftest import make_process
from .test_accessibility import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user) -> None:
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def local(when) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


def test_staff_create_a_process_whose_running_phase_the_process_page_shows(
    page, live_server, staff
):
    log_in(page, live_server, staff)
    page.get_by_role("link", name="Staff area").click()
    page.get_by_role("link", name="New process").click()
    assert serious_violations(page) == []

    page.fill("#id_title", "Digitale Kieze")
    page.fill("#id_slug", "digitale-kieze")
    page.fill("#id_summary", "Ideen für digitale Nachbarschaften")
    now = timezone.now()
    page.select_option("#id_phases-0-type", PhaseType.IDEA_COLLECTION)
    page.fill("#id_phases-0-title", "Ideen sammeln")
    page.fill("#id_phases-0-starts_at", local(now - timedelta(days=1)))
    page.fill("#id_phases-0-ends_at", local(now + timedelta(days=30)))
    page.fill("#id_categories-0-name", "Verkehr")
    page.get_by_role("button", name="Create process").click()
    page.wait_for_url(re.compile(r"/staff/processes/digitale-kieze/edit/$"))
    assert serious_violations(page) == []

    process = Process.objects.get(slug="digitale-kieze")
    assert process.phase_at().type == PhaseType.IDEA_COLLECTION
    page.get_by_role("link", name="Process page").click()
    page.wait_for_url(re.compile(r"/processes/digitale-kieze/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Digitale Kieze"
    current = page.locator(".phases [aria-current=step]")
    assert "Ideen sammeln" in current.inner_text()
    assert page.get_by_role("link", name="Submit an idea").is_visible()


def test_staff_form_shows_overlapping_phases_next_to_the_form(page, live_server, staff):
    log_in(page, live_server, staff)
    page.goto("/staff/processes/new/")
    page.fill("#id_title", "Überlappend")
    page.fill("#id_slug", "ueberlappend")
    page.fill("#id_summary", "Test")
    now = timezone.now()
    for row, (start, end) in enumerate([(0, 10), (5, 20)]):
        page.select_option(f"#id_phases-{row}-type", PhaseType.INFORMATION)
        page.fill(f"#id_phases-{row}-starts_at", local(now + timedelta(days=start)))
        page.fill(f"#id_phases-{row}-ends_at", local(now + timedelta(days=end)))
    page.get_by_role("button", name="Create process").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").get_by_text("Phases 1 and 2 overlap").is_visible()
    assert not Process.objects.exists()
    assert serious_violations(page) == []


def test_a_moderator_hides_a_comment_and_responds_to_an_idea(page, live_server, moderator, browser):
    process = make_process()
    process.moderators.add(moderator)
    author, reporter = UserFactory(), UserFactory()
    idea = contributions.submit_idea(author, process, title="Mehr Bänke", description="Im Park")
    comment = contributions.add_comment(author, idea, "Kaufen Sie bei mir ein!")
    contributions.report(reporter, comment, "Werbung")

    log_in(page, live_server, moderator)
    page.goto(f"/processes/{process.slug}/")
    page.get_by_role("link", name=re.compile(r"Moderation \(1 open report\)")).click()
    assert page.get_by_text("Kaufen Sie bei mir ein!").is_visible()
    assert serious_violations(page) == []

    page.get_by_label("Reason for hiding (shown in its place)").fill("Werbung ist nicht erlaubt")
    page.get_by_role("button", name="Hide", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("There are no open reports.").is_visible()

    visitor = browser.new_context(base_url=live_server.url)
    try:
        anonymous = visitor.new_page()
        anonymous.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
        )
        anonymous.goto(f"/processes/{process.slug}/ideas/{idea.pk}/")
        comment_box = anonymous.locator(f"#comment-{comment.pk}")
        assert "Hidden by the moderation: Werbung ist nicht erlaubt" in comment_box.inner_text()
        assert "Kaufen Sie bei mir ein!" not in comment_box.inner_text()
    finally:
        visitor.close()

    page.goto(f"/processes/{process.slug}/ideas/{idea.pk}/")
    page.get_by_text("Write the official response").click()
    page.select_option("#id_status", "accepted")
    page.fill("#id_statement", "Der Bezirk stellt im Mai zehn Bänke auf.")
    page.get_by_role("button", name="Publish response").click()
    page.wait_for_load_state()
    response = page.locator(".response")
    assert "Will be implemented" in response.inner_text()
    assert "zehn Bänke" in response.inner_text()
    assert Idea.objects.get(pk=idea.pk).statement_by == moderator
    assert Phase.objects.count() == 1


def test_staff_and_moderation_pages_fit_a_320_pixel_screen(page, live_server, staff, resident):
    process = make_process()
    idea = contributions.submit_idea(resident, process, title="Mehr Bänke", description="Im Park")
    contributions.report(UserFactory(), idea, "Werbung")
    moderation.set_hidden(staff, idea, True, "Beleidigend")
    other = contributions.submit_idea(resident, process, title="WLAN", description="Am Zoo")
    contributions.report(
        UserFactory(), contributions.add_comment(resident, other, "Spam"), "Werbung"
    )
    log_in(page, live_server, staff)
    page.set_viewport_size({"width": 320, "height": 640})
    for path in [
        "/",
        "/staff/processes/",
        "/staff/processes/new/",
        f"/staff/processes/{process.slug}/edit/",
        f"/processes/{process.slug}/moderation/",
        f"/processes/{process.slug}/moderation/log/",
        "/staff/processes/log/",
    ]:
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
        assert serious_violations(page) == [], path
