"""App configuration for the knowledge store (Wissensspeicher)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "gemeinsam.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge store")
