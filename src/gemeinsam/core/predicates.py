"""Who may do what: core's predicates shared by every app (django-rules), and the one
`can` / `require` pair with which services and views ask them."""

import rules
from django.core.exceptions import PermissionDenied

from gemeinsam.core.roles import Role


@rules.predicate
def is_platform_admin(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_superuser


def _has_role(role: Role):
    @rules.predicate(name=f"has_role_{role.value}")
    def predicate(user) -> bool:
        return user.is_authenticated and user.has_role(role.value)

    return predicate


is_city_staff = _has_role(Role.STAFF) | is_platform_admin
is_moderator = _has_role(Role.MODERATOR) | is_city_staff
is_participant = rules.is_authenticated & rules.is_active


@rules.predicate
def is_self(user, other) -> bool:
    return user.is_authenticated and other is not None and user.pk == other.pk


rules.add_perm("core.view_own_data", is_self)
rules.add_perm("core.delete_account", is_self)
rules.add_perm("core.access_admin", is_city_staff)
rules.add_perm("core.view_audit_log", is_city_staff)


def can(user, perm: str, obj=None) -> bool:
    """Whether `user` may `perm` (an "app.action" rule of some app's predicates.py)."""
    return rules.has_perm(perm, user, obj)


def require(user, perm: str, obj=None) -> None:
    """Raise PermissionDenied (403) unless `user` may `perm`; services call it first."""
    if not can(user, perm, obj):
        raise PermissionDenied(perm)
