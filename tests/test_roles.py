"""Roles as groups with permissions, and the rules predicates later apps build on."""

import pytest
from django.contrib.auth.models import Group

from gemeinsam.core.roles import Role, assign_role, grant, role_of, sync_roles

pytestmark = pytest.mark.django_db


def test_migrate_creates_one_group_per_role():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


@pytest.mark.parametrize(
    ("persona", "moderate", "manage", "admin_site"),
    [
        ("resident", False, False, False),
        ("moderator", True, False, False),
        ("staff", True, True, True),
        ("admin_user", True, True, True),
    ],
)
def test_permission_matrix(request, persona, moderate, manage, admin_site):
    user = request.getfixturevalue(persona)
    assert user.has_perm("core.moderate_content") is moderate
    assert user.has_perm("core.manage_processes") is manage
    assert user.has_perm("core.access_admin") is admin_site
    assert user.is_staff is admin_site


def test_anonymous_has_no_role_and_no_permission():
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert role_of(anonymous) is None
    assert not anonymous.has_perm("core.moderate_content")


def test_people_may_act_on_their_own_data_only(resident, moderator):
    assert resident.has_perm("core.view_own_data", resident)
    assert not resident.has_perm("core.view_own_data", moderator)
    assert not moderator.has_perm("core.delete_account", resident)


def test_deactivated_moderator_loses_moderation(moderator):
    moderator.is_active = False
    moderator.save()
    assert not moderator.has_perm("core.moderate_content")


def test_assigning_a_role_replaces_the_previous_one(resident):
    assign_role(resident, Role.MODERATOR)
    assign_role(resident, Role.STAFF)
    assert list(resident.groups.values_list("name", flat=True)) == ["staff"]
    assert role_of(resident) == Role.STAFF


def test_granted_permissions_reach_the_group():
    grant(Role.MODERATOR, "core.view_district")
    try:
        sync_roles()
        group = Group.objects.get(name="moderator")
        assert group.permissions.filter(codename="view_district").exists()
    finally:
        from gemeinsam.core import roles

        roles._ROLE_PERMISSIONS[Role.MODERATOR].discard("core.view_district")
        sync_roles()
