"""App configuration for participation: home-page cards, personal data, API, page cache,
media guards and the labels of its audit events."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "gemeinsam.participation"
    label = "participation"
    verbose_name = _("Participation")

    def ready(self) -> None:
        from gemeinsam.core import hooks
        from gemeinsam.core.api import api
        from gemeinsam.participation import exports, predicates, visitor_cache
        from gemeinsam.participation.api import router
        from gemeinsam.participation.models import ModerationKind
        from gemeinsam.participation.selectors import running_process_cards
        from gemeinsam.participation.services import contributions

        hooks.register_process_source(running_process_cards)
        api.add_router("/processes", router)
        hooks.register_personal_data(
            "participation", exports.personal_data, contributions.erase_personal_data
        )
        visitor_cache.connect()
        hooks.register_media_guard("ideas", predicates.may_see_idea_picture)
        hooks.register_media_guard("processes", predicates.may_see_process_image)
        hooks.register_audit_verbs(
            {
                "participation.create": _("Process created"),
                "participation.change": _("Process changed: %(fields)s"),
                "participation.publish": _("Process made public"),
                "participation.restrict": _("Process made visible to invited people only"),
                "participation.set_members": _("Invited people changed (now %(count)s)"),
                "participation.set_phases": _("Phases replaced (now %(count)s)"),
                "participation.set_categories": _("Categories changed (now %(count)s)"),
                "participation.add_moderator": _("Moderator added"),
                "participation.remove_moderator": _("Moderator removed"),
                # The moderation log's own names: "Hidden", "User blocked", ...
                **{f"participation.{kind.value}": kind.label for kind in ModerationKind},
            }
        )
