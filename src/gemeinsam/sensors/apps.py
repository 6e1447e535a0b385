"""App configuration for sensors: the urban data hub (OGC SensorThings API 1.1, HTTP and MQTT)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SensorsConfig(AppConfig):
    name = "gemeinsam.sensors"
    label = "sensors"
    verbose_name = _("Urban data hub (SensorThings)")
