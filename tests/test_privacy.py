"""'Download my data' and 'delete my account' (GDPR Art. 15 and 17)."""

import json

import pytest
from django.urls import reverse

from gemeinsam.core import hooks
from gemeinsam.core.models import User
from gemeinsam.core.roles import Role, assign_role

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_download_contains_profile_roles_and_addresses(login, resident, berlin):
    resident.district = berlin.get(code="002")
    resident.save()
    response = login(resident).get(reverse("core:download_data"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == resident.email
    assert data["account"]["district"] == "Friedrichshain-Kreuzberg"
    assert data["account"]["roles"] == ["participant"]
    assert data["email_addresses"] == [{"email": resident.email, "verified": True, "primary": True}]


def test_download_includes_sections_registered_by_apps(login, resident):
    hooks.register_personal_data("test_notes", export=lambda user: [f"note of {user.email}"])
    try:
        data = json.loads(login(resident).get(reverse("core:download_data")).content)
    finally:
        hooks._personal_data.pop("test_notes")
    assert data["test_notes"] == [f"note of {resident.email}"]


def test_download_needs_login(anonymous):
    assert anonymous.get(reverse("core:download_data")).status_code == 302


def test_delete_needs_the_right_password(login, resident):
    client = login(resident)
    response = client.post(
        reverse("core:delete_account"), {"password": "not-my-password", "confirm": "on"}
    )
    assert response.status_code == 200
    assert User.objects.filter(pk=resident.pk).exists()


def test_delete_removes_account_and_runs_erasers(login, resident):
    erased = []
    hooks.register_personal_data(
        "test_erase", export=lambda user: None, erase=lambda u: erased.append(u.pk)
    )
    client = login(resident)
    pk = resident.pk
    try:
        response = client.post(
            reverse("core:delete_account"), {"password": PASSWORD, "confirm": "on"}
        )
    finally:
        hooks._personal_data.pop("test_erase")
    assert response.status_code == 302
    assert not User.objects.filter(pk=pk).exists()
    assert erased == [pk]
    assert "_auth_user_id" not in client.session


def test_last_administrator_cannot_delete_themselves(login, admin_user):
    response = login(admin_user).post(
        reverse("core:delete_account"), {"password": PASSWORD, "confirm": "on"}
    )
    assert response.status_code == 200
    assert User.objects.filter(pk=admin_user.pk).exists()


def test_an_administrator_may_leave_when_another_remains(login, admin_user, resident):
    assign_role(resident, Role.ADMIN)
    response = login(admin_user).post(
        reverse("core:delete_account"), {"password": PASSWORD, "confirm": "on"}
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk=admin_user.pk).exists()
