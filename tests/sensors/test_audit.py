"""The audit log of the urban data hub: access tokens issued and revoked (command, admin,
service) and BLUME import runs, with counts and no secrets; observations are not logged."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import translation

from gemeinsam.core import audit
from gemeinsam.core.models import AuditEvent
from gemeinsam.sensors import services
from gemeinsam.sensors.imports.blume import import_luftdaten
from gemeinsam.sensors.models import AccessToken, Sensor

pytestmark = pytest.mark.django_db

EXPORT = (
    "Station;042 Neukölln;042 Neukölln\n"
    "Messkomponente;Stickstoffdioxid;Ozon\n"
    "Einheit;µg/m³;µg/m³\n"
    "Messzeit;Stundenwerte;Stundenwerte\n"
    "\n"
    "01.06.2019 01:00;12;40\n"
    "01.06.2019 02:00;13;41\n"
    "01.06.2019 03:00;kaputt;42\n"
)


def verbs(obj) -> list[str]:
    return [event.verb for event in reversed(audit.events_for(obj))]


def test_the_command_records_issuing_and_revoking_a_token_without_its_secret(resident):
    out = io.StringIO()
    call_command("sta", "token", "create", "--user", resident.email, "--name", "Box", stdout=out)
    secret = out.getvalue().splitlines()[1]
    token = AccessToken.objects.get()
    call_command("sta", "token", "revoke", "--id", str(token.pk), stdout=io.StringIO())
    call_command("sta", "token", "revoke", "--id", str(token.pk), stdout=io.StringIO())
    assert verbs(token) == ["sensors.issue_token", "sensors.revoke_token"]  # revoked once
    event = audit.events_for(token).first()
    assert event.actor is None and event.data == {}
    assert secret not in str(AuditEvent.objects.values_list("data", flat=True))
    with translation.override("en"):
        assert audit.describe(event) == "Access token revoked"


def test_the_token_services_record_who_and_let_only_staff_manage_tokens(staff, resident):
    token, _secret = services.issue_token(staff, resident, "Kiezbox")
    services.revoke_token(staff, token)
    assert [(e.verb, e.actor) for e in reversed(audit.events_for(token))] == [
        ("sensors.issue_token", staff),
        ("sensors.revoke_token", staff),
    ]
    with pytest.raises(PermissionDenied):
        services.issue_token(resident, resident, "mine")
    assert AccessToken.objects.count() == 1


def test_tokens_issued_and_revoked_in_the_admin_are_recorded(client, admin_user, resident):
    client.force_login(admin_user)
    response = client.post(
        "/admin/sensors/accesstoken/add/", {"name": "Kiezbox", "user": resident.pk}
    )
    assert response.status_code == 302, response.content
    token = AccessToken.objects.get()
    change = f"/admin/sensors/accesstoken/{token.pk}/change/"
    form = {"name": "Kiezbox Moabit", "user": resident.pk, "revoked": "on"}
    assert client.post(change, form).status_code == 302
    token.refresh_from_db()
    assert token.revoked and token.name == "Kiezbox Moabit"
    assert [(e.verb, e.actor) for e in reversed(audit.events_for(token))] == [
        ("sensors.issue_token", admin_user),
        ("sensors.revoke_token", admin_user),
    ]


def test_a_blume_import_run_is_recorded_with_its_counts(tmp_path, staff):
    path = tmp_path / "ber_mc042.csv"
    path.write_text(EXPORT, encoding="utf-8")
    report = import_luftdaten([path], user=staff)
    assert report.created == 5
    event = AuditEvent.objects.get()  # one event for the run, none per observation
    assert (event.verb, event.actor, event.target) == (
        "sensors.import_blume",
        staff,
        Sensor.objects.get(),
    )
    assert event.data == {
        "files": 1,
        "rows": 3,
        "created": 5,
        "duplicates": 0,
        "flagged": 0,
        "bad_rows": 1,
        "stations": 1,
    }
    with translation.override("en"):
        assert audit.describe(event) == (
            "BLUME import – files: 1, observations: 5, duplicates: 0, bad rows: 1"
        )
