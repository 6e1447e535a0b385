"""App configuration for core: loads every app's predicates, wires roles after every migrate."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gemeinsam.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from gemeinsam.core import roles

        # Each app's predicates.py adds its permissions to django-rules when imported.
        autodiscover_modules("predicates")

        # Every app's round: permissions of later apps exist only after their own round.
        post_migrate.connect(roles.after_migrate, dispatch_uid="gemeinsam_roles")
