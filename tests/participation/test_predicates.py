"""The permission matrix: role by phase state by action, checked on rules and on pages."""

import pytest
from django.urls import reverse

from gemeinsam.core.predicates import can
from gemeinsam.core.roles import Role, assign_role
from gemeinsam.participation.models import Idea, Rating
from gemeinsam.participation.services import moderation

from .conftest import make_process

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "participant", "author", "moderator", "staff", "admin"]
STATES = ["before", "during", "after"]
TAKES_PART = {"participant", "author", "moderator", "staff", "admin"}
MODERATES = {"moderator", "staff", "admin"}


def expected(role: str, state: str, action: str) -> bool:
    if action == "moderate_process":
        return role in MODERATES
    if state != "during":
        return False
    if action == "change_idea":
        return role == "author"
    return role in TAKES_PART


@pytest.fixture
def world(request, django_user_model):
    from ..conftest import UserFactory

    people = {"anonymous": None}
    for role in ROLES[1:]:
        people[role] = UserFactory(email=f"{role}@example.org")
    for role, value in (
        ("participant", Role.PARTICIPANT),
        ("author", Role.PARTICIPANT),
        ("moderator", Role.MODERATOR),
        ("staff", Role.STAFF),
        ("admin", Role.ADMIN),
    ):
        assign_role(people[role], value)
    return people


def person(world, role):
    from django.contrib.auth.models import AnonymousUser

    return world[role] or AnonymousUser()


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_rules_matrix(world, role, state):
    process = make_process(state)
    process.moderators.add(world["moderator"])
    idea = Idea.objects.create(process=process, author=world["author"], title="T", description="D")
    user = person(world, role)
    for action, obj in (
        ("submit_idea", process),
        ("comment_idea", idea),
        ("rate_idea", idea),
        ("change_idea", idea),
        ("moderate_process", process),
    ):
        allowed = can(user, f"participation.{action}", obj)
        assert allowed is expected(role, state, action), action


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_rating_page_follows_the_matrix(world, role, state, client):
    process = make_process(state)
    process.moderators.add(world["moderator"])
    idea = Idea.objects.create(process=process, author=world["author"], title="T", description="D")
    if world[role]:
        client.force_login(world[role])
    client.post(reverse("participation:rate", args=[process.slug, idea.pk]), {"value": "up"})
    assert Rating.objects.filter(idea=idea).exists() is expected(role, state, "rate_idea")


def test_moderator_of_another_process_cannot_moderate_this_one(world):
    process = make_process()
    other = make_process(slug="andere")
    other.moderators.add(world["moderator"])
    assert not can(world["moderator"], "participation.moderate_process", process)


def test_blocked_person_can_no_longer_take_part(world):
    process = make_process()
    process.moderators.add(world["moderator"])
    moderation.block_user(world["moderator"], process, world["participant"], "Beleidigungen")
    assert not can(world["participant"], "participation.submit_idea", process)


def test_private_process_is_hidden_from_the_uninvited(world, client):
    process = make_process(visibility="private")
    assert client.get(reverse("participation:process", args=[process.slug])).status_code == 404
    process.members.add(world["participant"])
    client.force_login(world["participant"])
    assert client.get(reverse("participation:process", args=[process.slug])).status_code == 200
