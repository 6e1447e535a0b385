"""App configuration for the strategy: GD:B's layers and its success control."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StrategyConfig(AppConfig):
    name = "gemeinsam.strategy"
    label = "strategy"
    verbose_name = _("Strategy and success control")

    def ready(self) -> None:
        from gemeinsam.core.api import api
        from gemeinsam.strategy.api import router

        api.add_router("/strategy", router)
