"""App configuration for participation: its processes appear on the home page."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "gemeinsam.participation"
    label = "participation"
    verbose_name = _("Participation")

    def ready(self) -> None:
        from gemeinsam.core.registry import register_process_source
        from gemeinsam.participation.selectors import running_process_cards

        register_process_source(running_process_cards)
