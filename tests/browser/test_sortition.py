"""Staff run LEXIMIN, read the commitment and histogram, announce the seed procedure and draw
after its moment; the public transparency page and the registration with an invitation code,
on a phone too.

Staff pages run in English (language cookie); the public pages are checked in German too.
"""

import re

import pytest
from django.conf import settings

from gemeinsam.sortition.models import RunState, SeedAnnouncement, Status, Volunteer
from gemeinsam.sortition.selectors import shown_code

from ..sortition.seeds import let_time_pass
from ..sortition.test_views import invited_panel
from ..sortition.test_views_staff import example_panel, tomorrow
from .test_accessibility import serious_violations
from .test_participation_staff import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_run_leximin_draw_with_a_seed_and_the_public_sees_it(page, live_server, staff):
    panel = example_panel(staff)
    log_in(page, live_server, staff)
    page.goto(f"/panels/{panel.slug}/staff/runs/")
    assert serious_violations(page) == []
    page.get_by_label(re.compile("^LEXIMIN")).check()
    page.get_by_role("button", name="Start run").click()
    page.wait_for_url(re.compile(r"/staff/runs/\d+/$"))
    run = panel.runs.get()
    # The test settings run tasks at once; the page shows the finished run (or gets it).
    page.get_by_text(run.commitment or "never").first.wait_for(timeout=30_000)
    run.refresh_from_db()
    assert run.state == RunState.DONE
    assert "%" in page.locator("main").inner_text()
    assert serious_violations(page) == []

    page.goto(f"/panels/{panel.slug}/")
    assert run.commitment in page.locator("main").inner_text()  # public before the seed

    # The seed procedure is announced with the commitment; the draw comes after its moment.
    page.goto(f"/panels/{panel.slug}/staff/draw/")
    page.get_by_label("A public random event announced in advance").check()
    page.get_by_label("The seed becomes known at").fill(tomorrow())
    page.get_by_label("The public event").fill("Ziehung an der öffentlichen Sitzung")
    page.get_by_label("How many numbers").fill("6")
    page.locator("input[name=value_min]").fill("1")
    page.locator("input[name=value_max]").fill("49")
    page.get_by_role("button", name="Announce and publish the commitment").click()
    page.wait_for_load_state()
    announcement = SeedAnnouncement.objects.get(run=run)
    assert announcement.source in page.locator("main").inner_text()
    let_time_pass(announcement)
    page.goto(f"/panels/{panel.slug}/staff/draw/")
    page.get_by_label("The value of the event").fill("4 8 15 16 23 42")
    page.get_by_role("button", name="Draw the panel").click()
    page.wait_for_load_state()
    run.refresh_from_db()
    assert len(run.drawn_panel) == panel.size and run.seed
    assert set(run.drawn_panel) == {
        v.ref for v in Volunteer.objects.filter(panel=panel, status=Status.SELECTED)
    }
    assert run.drawn_panel[0] in page.locator("main").inner_text()
    assert serious_violations(page) == []

    public = page.context.browser.new_page(base_url=live_server.url)
    for language in ("de", "en"):
        public.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
        )
        public.set_viewport_size({"width": 320, "height": 640})
        public.goto(f"/panels/{panel.slug}/")
        text = public.locator("main").inner_text()
        assert "4 8 15 16 23 42" in text and run.commitment in text and run.seed in text
        assert public.evaluate("document.documentElement.scrollWidth") <= 320
        assert serious_violations(public) == []
    public.close()


def test_a_volunteer_registers_with_the_code_on_a_phone(page, live_server, staff):
    panel = invited_panel(staff)
    code = shown_code(panel.invitations.first().code)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"/panels/{panel.slug}/register/")  # German, the default
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert serious_violations(page) == []
    page.locator("input[name=code]").fill(code.lower().replace("-", " "))
    page.locator("select").nth(0).select_option("female")
    page.locator("select").nth(1).select_option("liberal")
    page.locator("input[name=name]").fill("Erika Mustermann")
    page.locator("input[name=address]").fill("Musterstraße 1")
    page.locator("input[name=postcode]").fill("10115")
    page.locator("main form button[type=submit]").click()
    # Without consent the form says what to fix, and nothing is stored.
    page.wait_for_load_state()
    assert page.locator("[role=alert]").count() >= 1
    assert not panel.volunteers.exists()
    assert serious_violations(page) == []
    page.locator("input[name=consent]").check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/register/done/$"))
    volunteer = panel.volunteers.get()
    assert volunteer.features == {"gender": "female", "leaning": "liberal"}
    assert volunteer.name == "Erika Mustermann"
    assert serious_violations(page) == []
