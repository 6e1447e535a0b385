"""Passwords sent to the SensorThings API by HTTP Basic count against the web login's limit
(allauth's login_failed, LOGIN_FAILED_RATE, keyed by IP and by account): 429 with Retry-After,
one lock for both ways in, and device tokens untouched by it."""

import base64

import pytest
from django.test import Client
from django.urls import reverse

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db

THINGS = "/sta/v1.1/Things"


def basic(email: str, password: str) -> dict[str, str]:
    secret = base64.b64encode(f"{email}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {secret}"}


def web_login(client: Client, email: str, password: str):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_a_hundred_wrong_passwords_over_basic_get_429s_with_retry_after(staff, settings):
    client = Client()
    statuses = [
        client.get(THINGS, **basic(staff.email, f"guess-{n}")).status_code for n in range(100)
    ]
    assert statuses[:5] == [401] * 5  # LOGIN_FAILED_RATE: 5 per 5 minutes per account
    assert set(statuses[5:]) == {429}
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(THINGS, **basic(staff.email, "one-more"))
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert "Too many failed logins" in response.json()["message"]
    assert 0 < int(response["Retry-After"]) <= 300


def test_while_locked_the_right_password_is_refused_too(staff):
    client = Client()
    for n in range(5):
        client.get(THINGS, **basic(staff.email, f"guess-{n}"))
    assert client.get(THINGS, **basic(staff.email, PASSWORD)).status_code == 429


def test_the_right_password_does_not_count_toward_the_lock(staff):
    client = Client()
    for _attempt in range(10):
        assert client.get(THINGS, **basic(staff.email, PASSWORD)).status_code == 200


def test_the_limit_per_ip_holds_across_accounts(staff, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/m/ip"}
    client = Client()
    statuses = [
        client.get(THINGS, **basic(f"nobody{n}@example.org", "guess")).status_code for n in range(5)
    ]
    assert statuses == [401, 401, 401, 429, 429]


def test_wrong_guesses_over_basic_lock_the_web_login(staff):
    for n in range(5):
        Client().get(THINGS, **basic(staff.email.upper(), f"guess-{n}"))
    browser = Client()
    response = web_login(browser, staff.email, PASSWORD)
    assert "_auth_user_id" not in browser.session
    assert "Zu viele" in response.content.decode()


def test_wrong_guesses_at_the_web_login_lock_basic(staff):
    browser = Client()
    for n in range(5):
        web_login(browser, staff.email, f"guess-{n}")
    response = Client().post(
        "/sta/v1.1/Things",
        {"name": "x", "description": "y"},
        content_type="application/json",
        **basic(staff.email, PASSWORD),
    )
    assert response.status_code == 429


def test_device_tokens_work_while_the_account_is_locked(staff, sta_token):
    for n in range(5):
        Client().get(THINGS, **basic(staff.email, f"guess-{n}"))
    assert Client().get(THINGS, **basic(staff.email, sta_token)).status_code == 200
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {sta_token}")
    assert bearer.get(THINGS).status_code == 200
