"""Access tokens: issued, listed and revoked by `gemeinsam sta token`, and honoured by the API."""

import base64
import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from gemeinsam.sensors.models import AccessToken, Thing
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

THING = {"name": "Kiezbox Moabit", "description": "a box"}


def _create(email: str, name: str = "Kiezbox") -> str:
    out = io.StringIO()
    call_command("sta", "token", "create", "--user", email, "--name", name, stdout=out)
    return out.getvalue().splitlines()[1]


def test_created_token_writes_and_revoked_token_is_refused(client, resident):
    secret = _create(resident.email)
    assert secret.startswith("sta_")
    assert AccessToken.objects.get().digest != secret  # only the hash is stored

    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    created = client.post(
        "/sta/v1.1/Things", json.dumps(THING), content_type="application/json", **headers
    )
    assert created.status_code == 201, created.content

    call_command("sta", "token", "revoke", "--id", str(AccessToken.objects.get().pk))
    refused = client.post(
        "/sta/v1.1/Things", json.dumps(THING), content_type="application/json", **headers
    )
    assert refused.status_code == 401
    assert client.get("/sta/v1.1/Things", **headers).status_code == 401  # and forgotten
    assert refused.json()["message"] == "unknown or revoked token"


def test_token_as_basic_password_writes(client, resident):
    secret = _create(resident.email)
    basic = base64.b64encode(f"device:{secret}".encode()).decode()
    created = client.post(
        "/sta/v1.1/Things",
        json.dumps(THING),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert created.status_code == 201


def test_list_shows_tokens_without_secrets(resident):
    secret = _create(resident.email, "Smart Water sensor")
    out = io.StringIO()
    call_command("sta", "token", "list", stdout=out)
    assert "Smart Water sensor" in out.getvalue()
    assert resident.email in out.getvalue()
    assert secret not in out.getvalue()


def test_create_for_unknown_account_says_so():
    with pytest.raises(CommandError, match="no active account"):
        call_command("sta", "token", "create", "--user", "nobody@example.org", "--name", "x")


def test_a_password_sent_by_basic_is_a_login_not_a_token(client, resident, staff):
    def basic(user) -> dict:
        pair = base64.b64encode(f"{user.email}:{PASSWORD}".encode()).decode()
        return {"HTTP_AUTHORIZATION": f"Basic {pair}"}

    Thing.objects.create(name="Kiezbox", description="in a cellar", private=True)
    # A resident reads what anyone reads, and neither writes nor sees private Things.
    refused = client.post(
        "/sta/v1.1/Things", json.dumps(THING), content_type="application/json", **basic(resident)
    )
    assert refused.status_code == 403
    assert client.get("/sta/v1.1/Things", **basic(resident)).json()["value"] == []
    # Staff do both, as with their session.
    created = client.post(
        "/sta/v1.1/Things", json.dumps(THING), content_type="application/json", **basic(staff)
    )
    assert created.status_code == 201
    assert len(client.get("/sta/v1.1/Things", **basic(staff)).json()["value"]) == 2


def test_anonymous_write_is_401_and_resident_session_is_403(client, resident):
    anonymous = client.post("/sta/v1.1/Things", json.dumps(THING), content_type="application/json")
    assert anonymous.status_code == 401
    assert "Bearer" in anonymous["WWW-Authenticate"]
    client.force_login(resident)
    logged_in = client.post("/sta/v1.1/Things", json.dumps(THING), content_type="application/json")
    assert logged_in.status_code == 403


def test_a_token_revoked_elsewhere_cannot_write_though_this_process_still_knows_it(
    client, resident
):
    secret = _create(resident.email)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/sta/v1.1/Things", **headers).status_code == 200  # now cached
    # As another app server process would: no signal reaches this one.
    AccessToken.objects.update(revoked=True)
    refused = client.post(
        "/sta/v1.1/Things", json.dumps(THING), content_type="application/json", **headers
    )
    assert refused.status_code == 401
    assert client.get("/sta/v1.1/Things", **headers).status_code == 401  # and forgotten


def test_the_permissions_and_the_token_cache_register_at_start_up():
    # In a fresh process: core imports every predicates.py, no view needs to load first.
    script = (
        "import sys, django; django.setup(); import rules; "
        "print(all(rules.perm_exists(f'sensors.{p}') "
        "for p in ('write', 'read_private', 'manage_tokens')), "
        "'gemeinsam.sensors.auth' in sys.modules, 'gemeinsam.sensors.sta.views' in sys.modules)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gemeinsam.config.settings"}
    found = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert found.stdout.split() == ["True", "True", "False"]
