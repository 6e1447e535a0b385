"""Chromium visits every page of the demo, as the persona that may open it, and the
Content-Security-Policy blocks nothing: no violation event, no console complaint."""

import re

import pytest
from django.conf import settings
from django.test import Client

from tests import demo_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILES = re.compile(r"^https://tile\.openstreetmap\.org/")

# Runs before any script of the page (Playwright injects it past the policy) and reports
# each violation to the test, whichever page it happens on.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile}:${event.lineNumber} (${event.sample})`);
});
"""


class Visitor:
    """A browser context signed in as one persona that records what the policy blocked."""

    def __init__(self, browser, base_url: str, user=None):
        self.context = browser.new_context(base_url=base_url)
        self.problems: list[str] = []
        if user is not None:
            client = Client()
            client.force_login(user)
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            cookie = {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}
            self.context.add_cookies([cookie])
        self.context.route(TILES, lambda route: route.abort())
        self.context.expose_function("cspViolation", self._violation)
        self.context.add_init_script(REPORT_VIOLATIONS)
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.page.on("console", self._console)
        self.page.on("response", self._response)

    def _violation(self, description: str) -> None:
        self.problems.append(description)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.problems.append(f"console: {message.text}")

    def _response(self, response) -> None:
        if response.request.resource_type != "document":
            return
        if "content-security-policy" not in response.headers:
            self.problems.append(f"no Content-Security-Policy header on {response.url}")

    def visit(self, path: str) -> list[str]:
        """Open the page, let its scripts run and fetch, and return what went wrong there."""
        self.problems.clear()
        response = self.page.goto(path)
        self.page.wait_for_load_state("networkidle")
        if response is None or response.status != 200:
            self.problems.append(f"answered {response and response.status}")
        return [f"{path}: {problem}" for problem in self.problems]


def visit_all(browser, live_server, pages) -> list[str]:
    users = demo_pages.personas()
    visitors: dict[str, Visitor] = {}
    problems = []
    for page in pages:
        if page.persona not in visitors:
            visitors[page.persona] = Visitor(browser, live_server.url, users.get(page.persona))
        problems += visitors[page.persona].visit(page.path)
    for visitor in visitors.values():
        visitor.context.close()
    return problems


def test_no_page_of_the_demo_violates_the_policy(browser, live_server):
    demo_pages.load_demo()
    pages = demo_pages.site_pages()
    assert len(pages) > 80
    assert visit_all(browser, live_server, pages) == []


def test_no_page_of_the_admin_violates_the_policy(browser, live_server):
    demo_pages.load_demo()
    pages = demo_pages.admin_pages()
    assert len(pages) > 40
    assert visit_all(browser, live_server, pages) == []
