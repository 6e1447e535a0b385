"""The sortition tests read pages and messages in English, the source language (German is
tested in the browser tests and by the catalogue check)."""

import pytest
from django.conf import settings as django_settings
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def anonymous(anonymous):
    anonymous.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return anonymous


@pytest.fixture
def login(login):
    def _login(user):
        client = login(user)
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _login
