"""App configuration for sensors: the urban data hub (OGC SensorThings API 1.1, HTTP and MQTT),
and the labels of its audit events."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SensorsConfig(AppConfig):
    name = "gemeinsam.sensors"
    label = "sensors"
    verbose_name = _("Urban data hub (SensorThings)")

    def ready(self) -> None:
        from gemeinsam.core import hooks

        from .partitions import ensure_ahead, ensure_ahead_after_migrate

        # Yearly observation partitions ahead of need: after each migrate, and daily.
        post_migrate.connect(ensure_ahead_after_migrate, sender=self)
        hooks.register_daily_upkeep(ensure_ahead)

        # Observations and entity writes are not audited: 30,000 a second pass the services.
        hooks.register_audit_verbs(
            {
                "sensors.issue_token": _("Access token issued"),
                "sensors.revoke_token": _("Access token revoked"),
                "sensors.import_blume": _(
                    "BLUME import – files: %(files)s, observations: %(created)s, "
                    "duplicates: %(duplicates)s, bad rows: %(bad_rows)s"
                ),
            }
        )
