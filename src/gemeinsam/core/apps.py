"""App configuration for core: wires roles and the cache table after every migrate."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gemeinsam.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from gemeinsam.core import roles

        # Every app's round: permissions of later apps exist only after their own round.
        post_migrate.connect(roles.after_migrate, dispatch_uid="gemeinsam_roles")
