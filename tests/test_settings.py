"""Settings read from the environment: booleans strictly, so a typo is an error, not false."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from gemeinsam.config.settings import env_bool


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        *[("true", True), ("TRUE", True), ("1", True), ("yes", True), (" Yes ", True)],
        *[("false", False), ("0", False), ("no", False), ("No", False)],
    ],
)
def test_boolean_words(monkeypatch, text, expected):
    monkeypatch.setenv("GEMEINSAM_TEST_FLAG", text)
    assert env_bool("GEMEINSAM_TEST_FLAG", not expected) is expected


@pytest.mark.parametrize("text", ["ture", "on", "off", "y", "2", "enabled"])
def test_other_words_are_an_error_that_names_the_variable(monkeypatch, text):
    monkeypatch.setenv("GEMEINSAM_TEST_FLAG", text)
    with pytest.raises(ImproperlyConfigured, match="GEMEINSAM_TEST_FLAG"):
        env_bool("GEMEINSAM_TEST_FLAG")


@pytest.mark.parametrize("default", [True, False])
def test_unset_or_empty_means_the_default(monkeypatch, default):
    monkeypatch.delenv("GEMEINSAM_TEST_FLAG", raising=False)
    assert env_bool("GEMEINSAM_TEST_FLAG", default) is default
    monkeypatch.setenv("GEMEINSAM_TEST_FLAG", "")
    assert env_bool("GEMEINSAM_TEST_FLAG", default) is default
