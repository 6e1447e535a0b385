"""Fixtures of the SensorThings tests: a device token of city staff and a client that sends it."""

import pytest
from django.test import Client

from gemeinsam.sensors.models import AccessToken


@pytest.fixture
def sta_token(staff) -> str:
    """The secret of an access token issued to staff, as a device would hold it."""
    _token, secret = AccessToken.issue(staff, "test device")
    return secret


@pytest.fixture
def sta_client(sta_token) -> Client:
    """A test client that writes to /sta/v1.1/ with the token as Bearer credentials."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {sta_token}")
