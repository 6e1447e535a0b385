"""App configuration for sortition: the citizens' panel drawn by lot (Stadtgremium)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SortitionConfig(AppConfig):
    name = "gemeinsam.sortition"
    label = "sortition"
    verbose_name = _("Sortition of the citizens' panel")

    def ready(self) -> None:
        from gemeinsam.core import hooks
        from gemeinsam.core.api import api
        from gemeinsam.sortition.api import router

        api.add_router("/sortition", router)
        hooks.register_audit_verbs(
            {
                "sortition.create": _("Panel created"),
                "sortition.change": _("Settings changed: %(fields)s"),
                "sortition.publish": _("Transparency page made public"),
                "sortition.unpublish": _("Transparency page made visible to staff only"),
                "sortition.set_quotas": _("Quota table replaced (rows: %(count)s)"),
                "sortition.announce_invitation_seed": _(
                    "Seed procedure of the invitation lottery announced (%(kind)s) for the "
                    "register with SHA-256 %(register_sha256)s: the seed becomes known at "
                    "%(known_at)s"
                ),
                "sortition.draw_invitations": _(
                    "Invitations drawn with the seed “%(seed)s” (invitations: %(count)s)"
                ),
                "sortition.import_volunteers": _("Volunteers imported: %(count)s"),
                "sortition.add_paper_reply": _("Paper reply entered as %(ref)s"),
                "sortition.withdraw": _("%(ref)s withdrew from the pool"),
                "sortition.rejoin": _("%(ref)s back in the pool"),
                "sortition.request_run": _("Run #%(run)s started (%(algorithm)s)"),
                "sortition.run_done": _("Run #%(run)s finished (%(algorithm)s)"),
                "sortition.run_failed": _("Run #%(run)s failed (%(algorithm)s)"),
                "sortition.announce_seed": _(
                    "Seed procedure announced for run #%(run)s (%(purpose)s, %(kind)s): the "
                    "seed becomes known at %(known_at)s"
                ),
                "sortition.draw": _("Panel drawn with the seed “%(seed)s” (seats: %(size)s)"),
                "sortition.replace": _(
                    "Replacements drawn with the seed “%(seed)s” (dropped out: %(dropped)s, "
                    "added: %(added)s, empty seats: %(shortfall)s)"
                ),
                "sortition.delete_personal_data": _(
                    "Personal data deleted (volunteers: %(volunteers)s, invitations: "
                    "%(invitations)s)"
                ),
            }
        )
