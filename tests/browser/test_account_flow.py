"""A new resident registers, confirms the e-mail, logs in, switches to English, logs out."""

import re
import time

import pytest
from django.core import mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for_mail(count: int, timeout: float = 10):
    stop = time.monotonic() + timeout
    while len(mail.outbox) < count:
        assert time.monotonic() < stop, "no e-mail arrived"
        time.sleep(0.1)
    return mail.outbox[count - 1]


def submit(page):
    page.locator("main form button[type=submit]").first.click()


def test_register_confirm_login_switch_language_logout(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "de"
    page.get_by_role("link", name="Registrieren").first.click()

    page.fill("input[name=email]", "neu@example.org")
    page.fill("input[name=password1]", "ein-sicheres-passwort-2026")
    page.fill("input[name=password2]", "ein-sicheres-passwort-2026")
    submit(page)
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))

    message = wait_for_mail(1)
    path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", message.body)[1]
    page.goto(path)
    submit(page)
    page.wait_for_url(re.compile(r"/accounts/login/"))

    page.fill("input[name=login]", "neu@example.org")
    page.fill("input[name=password]", "ein-sicheres-passwort-2026")
    submit(page)
    page.wait_for_url(re.compile(r"/profile/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Mein Profil"

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "My profile"

    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Log in").first.is_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto("/profile/")
    assert "/accounts/login/" in page.url  # logged out for real


def test_skip_link_is_the_first_stop_and_moves_focus_to_main(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Zum Hauptinhalt springen"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
