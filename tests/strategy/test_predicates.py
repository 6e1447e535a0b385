"""The strategy's permission matrix: role by action (and by version state for reading),
checked on the rules and on the staff pages."""

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from gemeinsam.strategy.services.versions import create_strategy, publish, start_draft
from tests.conftest import UserFactory, _persona

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "resident", "moderator", "staff", "admin"]
STAFF = {"staff", "admin"}


def expected(role: str, action: str, state: str) -> bool:
    if action == "manage_strategy":
        return role in STAFF
    if action == "view_version":
        return state == "published" or role in STAFF
    if action == "answer_survey":
        return role != "anonymous"
    raise AssertionError(action)


@pytest.fixture
def people() -> dict:
    from gemeinsam.core.roles import Role

    return {
        "anonymous": AnonymousUser(),
        "resident": _persona(Role.PARTICIPANT, "resident@example.org"),
        "moderator": _persona(Role.MODERATOR, "moderator@example.org"),
        "staff": _persona(Role.STAFF, "staff@example.org"),
        "admin": _persona(Role.ADMIN, "admin@example.org"),
    }


@pytest.fixture
def versions() -> dict:
    """Version 1 published, version 2 a draft, of the same strategy."""
    strategy = create_strategy("Matrix", slug="matrix")
    published = strategy.versions.get()
    published = publish(published, None, "v1")
    return {"published": published, "draft": start_draft(strategy)}


@pytest.mark.parametrize("state", ["draft", "published"])
@pytest.mark.parametrize("action", ["manage_strategy", "view_version", "answer_survey"])
@pytest.mark.parametrize("role", ROLES)
def test_rules_matrix(people, versions, role, action, state):
    user = people[role]
    version = versions[state] if action == "view_version" else None
    assert rules.has_perm(f"strategy.{action}", user, version) is expected(role, action, state)


def test_an_inactive_account_may_not_answer_surveys(db):
    user = UserFactory(is_active=False)
    assert not rules.has_perm("strategy.answer_survey", user)


def test_no_version_is_not_readable_by_the_public(people):
    assert not rules.has_perm("strategy.view_version", people["resident"], None)
    assert rules.has_perm("strategy.view_version", people["staff"], None)


@pytest.mark.parametrize("role", ROLES)
def test_staff_pages_follow_manage_strategy(people, versions, login, role, client):
    pages = [
        reverse("strategy_staff:strategies"),
        reverse("strategy_staff:dashboard", args=["matrix"]),
        reverse("strategy_staff:editor", args=["matrix"]),
        reverse("strategy_staff:review", args=["matrix"]),
    ]
    browser = client if role == "anonymous" else login(people[role])
    for page in pages:
        status = browser.get(page).status_code
        if role in STAFF:
            assert status == 200, page
        elif role == "anonymous":
            assert status == 302, page
        else:
            assert status == 403, page
