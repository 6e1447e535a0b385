"""The four roles as Django groups, and the permissions each role carries.

Later apps add their own permissions to a role with `grant`, in their AppConfig.ready;
`sync_roles` runs after every migrate, so a fresh database gets the groups at once.
"""

from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PARTICIPANT = "participant", _("Participant")
    MODERATOR = "moderator", _("Moderator")
    STAFF = "staff", _("Staff of the administration")
    ADMIN = "admin", _("Administrator")


_ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.PARTICIPANT: set(),
    Role.MODERATOR: {"core.moderate_content"},
    Role.STAFF: {
        "core.moderate_content",
        "core.manage_processes",
        "core.view_statistics",
        "core.view_organisation",
        "core.add_organisation",
        "core.change_organisation",
        "core.view_district",
    },
    Role.ADMIN: set(),  # admins are superusers and hold every permission
}


def grant(role: Role, *permissions: str) -> None:
    """Give a role more permissions ("app_label.codename"); call from AppConfig.ready."""
    _ROLE_PERMISSIONS[role].update(permissions)


def role_permissions(role: Role) -> frozenset[str]:
    return frozenset(_ROLE_PERMISSIONS[role])


def sync_roles() -> None:
    """Create the role groups and set their permissions to exactly the declared ones."""
    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = _ROLE_PERMISSIONS[role]
        perms = []
        for dotted in sorted(wanted):
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:  # another app's permission appears once that app migrates
                perms.append(perm)
        group.permissions.set(perms)


def assign_role(user, role: Role) -> None:
    """Make `role` the user's only role; staff and admins may enter the Django admin."""
    user.groups.set([Group.objects.get_or_create(name=role.value)[0]])
    user.__dict__.pop("role_names", None)  # read afresh on the next check
    user.is_staff = role in (Role.STAFF, Role.ADMIN)
    user.is_superuser = role == Role.ADMIN
    user.save(update_fields=["is_staff", "is_superuser"])


def role_of(user) -> Role | None:
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.ADMIN
    names = user.role_names
    for role in (Role.STAFF, Role.MODERATOR, Role.PARTICIPANT):
        if role.value in names:
            return role
    return None


def after_migrate(sender, using: str = "default", **kwargs) -> None:
    """post_migrate hook: role groups, and the cache table the throttling relies on."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    sync_roles()
    cache = settings.CACHES["default"]
    if (
        sender.label == "core"
        and cache["BACKEND"].endswith("DatabaseCache")
        and cache["LOCATION"] not in connections[using].introspection.table_names()
    ):
        call_command("createcachetable", database=using, verbosity=0)
