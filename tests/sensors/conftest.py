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


@pytest.fixture(scope="session", autouse=True)
def _observation_partitions(request):
    """On PostgreSQL, the yearly partitions of the years the tests' data use, as a database
    that has run for a while has them: made in a test's transaction, a partition would wait
    for that very transaction's locks. test_partitions.py makes partitions of other years.

    A run of `pure` tests only (the query language) needs no database and makes none."""
    if all(item.get_closest_marker("pure") for item in request.session.items):
        return
    from datetime import UTC, datetime

    from gemeinsam.sensors.partitions import ensure_partitions

    request.getfixturevalue("django_db_setup")
    with request.getfixturevalue("django_db_blocker").unblock():
        ensure_partitions(datetime(2005, 1, 1, tzinfo=UTC), datetime(2031, 12, 31, tzinfo=UTC))
