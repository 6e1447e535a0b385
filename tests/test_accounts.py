"""Registration with e-mail confirmation, login throttling, password reset, profile, language."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from gemeinsam.core.models import ActorGroup, User
from gemeinsam.core.roles import Role, role_of

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

# Mail leaves after commit (through the task queue), so these tests commit for real.
committing = pytest.mark.django_db(transaction=True)


def confirmation_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", message.body)[1]


def sign_up(client, email="neu@example.org", password=PASSWORD):
    return client.post(
        reverse("account_signup"), {"email": email, "password1": password, "password2": password}
    )


@committing
def test_signup_sends_german_confirmation_and_login_waits_for_it(anonymous):
    response = sign_up(anonymous)
    assert response.status_code == 302
    user = User.objects.get(email="neu@example.org")
    assert role_of(user) == Role.PARTICIPANT
    assert user.language == "de"
    assert len(mail.outbox) == 1
    assert "E-Mail" in mail.outbox[0].subject  # rendered in German

    blocked = anonymous.post(
        reverse("account_login"), {"login": "neu@example.org", "password": PASSWORD}
    )
    assert blocked.url == reverse("account_email_verification_sent")

    link = confirmation_link(mail.outbox[-1])
    assert anonymous.get(link).status_code == 200  # shows a button; GET changes nothing
    assert not EmailAddress.objects.get(email="neu@example.org").verified
    anonymous.post(link)
    assert EmailAddress.objects.get(email="neu@example.org").verified

    response = anonymous.post(
        reverse("account_login"), {"login": "NEU@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert anonymous.get(reverse("core:profile")).status_code == 200


@committing
def test_english_visitor_gets_english_confirmation(anonymous):
    anonymous.cookies["gemeinsam_language"] = "en"
    sign_up(anonymous)
    assert User.objects.get().language == "en"
    assert "Confirm" in mail.outbox[0].subject


def test_signup_twice_with_same_address_keeps_one_account(anonymous):
    sign_up(anonymous, email="doppelt@example.org")
    sign_up(anonymous, email="Doppelt@Example.org")
    assert User.objects.filter(email__iexact="doppelt@example.org").count() == 1


def test_weak_password_is_refused_with_a_reason(anonymous):
    response = sign_up(anonymous, password="12345678")
    assert response.status_code == 200
    assert not User.objects.exists()
    assert "Passwort" in response.content.decode()


def test_failed_logins_are_throttled_even_for_the_right_password(anonymous, resident):
    for _attempt in range(5):
        anonymous.post(
            reverse("account_login"), {"login": resident.email, "password": "wrong-password"}
        )
    response = anonymous.post(
        reverse("account_login"), {"login": resident.email, "password": PASSWORD}
    )
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in anonymous.session
    assert "Zu viele" in response.content.decode()


@committing
def test_password_reset_mail_leads_to_a_new_password(anonymous, resident):
    anonymous.post(reverse("account_reset_password"), {"email": resident.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)[1]
    form_url = anonymous.get(link, follow=True).redirect_chain[-1][0]
    new = "ein-ganz-neues-passwort-2026"
    response = anonymous.post(form_url, {"password1": new, "password2": new})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.check_password(new)


def test_profile_saves_actor_group_and_district(login, resident, berlin):
    client = login(resident)
    district = berlin.get(code="004")
    response = client.post(
        reverse("core:profile"),
        {
            "display_name": "Alice aus Charlottenburg",
            "actor_group": ActorGroup.QUIET_GROUPS,
            "district": district.pk,
            "organisation": "",
            "language": "de",
        },
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.actor_group, resident.district) == (ActorGroup.QUIET_GROUPS, district)


def test_profile_form_says_what_to_fix(login, resident):
    response = login(resident).post(
        reverse("core:profile"),
        {
            "display_name": "x" * 200,
            "actor_group": "astronauts",
            "language": "de",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'aria-invalid="true"' in body
    assert "astronauts" in body  # "Select a valid choice. astronauts is not one ..."


def test_profile_needs_login(anonymous):
    response = anonymous.get(reverse("core:profile"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_pages_are_german_whatever_the_browser_prefers(anonymous):
    response = anonymous.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert response["Content-Language"] == "de"
    assert '<html lang="de">' in response.content.decode()


def test_language_switch_sets_cookie_and_remembers_choice(login, resident):
    client = login(resident)
    response = client.post(reverse("core:set_language"), {"language": "en", "next": "/profile/"})
    assert response.url == "/profile/"
    assert client.get("/")["Content-Language"] == "en"
    resident.refresh_from_db()
    assert resident.language == "en"
    del client.cookies["gemeinsam_language"]  # a new browser: the account still knows
    assert client.get("/")["Content-Language"] == "en"


def test_language_switch_refuses_foreign_redirects_and_unknown_languages(anonymous):
    response = anonymous.post(
        reverse("core:set_language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response.url == "/"
    assert anonymous.post(reverse("core:set_language"), {"language": "xx"}).status_code == 400


def test_admin_is_open_to_staff_only(login, resident, staff):
    assert login(staff).get("/admin/").status_code == 200
    assert login(resident).get("/admin/").status_code == 302
