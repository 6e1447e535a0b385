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
        hooks.register_audit_verbs(AUDIT_VERBS)


# What the audit log calls the strategy's events; placeholders are the events' facts.
AUDIT_VERBS = {
    "strategy.created": _("Strategy created"),
    "strategy.draft_started": _("Draft of version %(number)s started"),
    "strategy.published": _("Version %(number)s published"),
    "strategy.item_added": _("Draft version %(number)s: %(model)s “%(title)s” added"),
    "strategy.item_changed": _("Draft version %(number)s: %(model)s “%(title)s” changed"),
    "strategy.item_removed": _("Draft version %(number)s: %(model)s “%(title)s” removed"),
    "strategy.measurements_imported": _(
        "%(count)s rows of measurements imported: %(created)s new, %(updated)s replaced"
    ),
    "strategy.measurement_deleted": _("Measurement of %(date)s deleted"),
    "strategy.synced": _("%(fetched)s values fetched: %(created)s new, %(updated)s updated."),
    "strategy.compass_assessed": _("Team assessment on the value compass saved"),
    "strategy.survey_opened": _("Public survey scheduled from %(opens)s to %(closes)s"),
    "strategy.checklist_changed": _(
        "Handbook checklist changed: %(ticked)s steps ticked, %(unticked)s unticked"
    ),
    "strategy.link_added": _("Process linked (%(model)s %(id)s)"),
    "strategy.link_removed": _("Link to a process removed (%(model)s %(id)s)"),
}
