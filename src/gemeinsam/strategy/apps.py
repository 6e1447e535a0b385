"""App configuration for the strategy: GD:B's layers and its success control."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StrategyConfig(AppConfig):
    name = "gemeinsam.strategy"
    label = "strategy"
    verbose_name = _("Strategy and success control")

    def ready(self) -> None:
        from gemeinsam.core import hooks
        from gemeinsam.core.api import api
        from gemeinsam.strategy.api import router
        from gemeinsam.strategy.sources import BUILTIN_SOURCES

        api.add_router("/strategy", router)
        for source in BUILTIN_SOURCES:
            hooks.register_indicator_source(source)
