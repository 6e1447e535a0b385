"""App configuration for sortition: the citizens' panel drawn by lot (Stadtgremium)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SortitionConfig(AppConfig):
    name = "gemeinsam.sortition"
    label = "sortition"
    verbose_name = _("Sortition of the citizens' panel")

    def ready(self) -> None:
        from gemeinsam.core.api import api
        from gemeinsam.sortition.api import router

        api.add_router("/sortition", router)
