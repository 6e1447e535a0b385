"""The panel itself: creating it and changing its settings, and the guards the other steps
share (the locked panel row; nothing of the lottery changes after the draw)."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gemeinsam.core import audit
from gemeinsam.core.predicates import require
from gemeinsam.sortition.models import Panel

# Part of the published draw once drawn; the slug is in the letters once invitations exist.
FIXED_AFTER_DRAW = ("slug", "size", "household_rule")
FIXED_AFTER_INVITATIONS = ("slug",)


def locked(panel: Panel) -> Panel:
    """The panel row, locked until the transaction ends: serialises numbering and draws."""
    return Panel.objects.select_for_update().get(pk=panel.pk)


def refuse_after_draw(panel: Panel) -> None:
    if panel.runs.filter(drawn_at__isnull=False).exists():
        raise ValidationError(_("The panel has been drawn; this can no longer change."))


@transaction.atomic
def create_panel(user, values: Mapping[str, object]) -> Panel:
    """A new panel with the settings of the form (PanelForm's fields)."""
    require(user, "sortition.manage_panel")
    panel = Panel(**values, created_by=user)
    panel.save()
    audit.record(user, "sortition.create", panel, size=panel.size, public=panel.public)
    return panel


@transaction.atomic
def change_panel(user, panel: Panel, values: Mapping[str, object]) -> Panel:
    """Save the settings that differ; making the transparency page public or not is
    recorded on its own. What the letters or the published draw show stays fixed."""
    require(user, "sortition.manage_panel", panel)
    panel = locked(panel)
    changed = [name for name, value in values.items() if getattr(panel, name) != value]
    if panel.drawn_run() is not None and set(changed) & set(FIXED_AFTER_DRAW):
        raise ValidationError(_("The panel has been drawn: this is part of the published draw."))
    if panel.invitations.exists() and set(changed) & set(FIXED_AFTER_INVITATIONS):
        raise ValidationError(
            _("Invitations have been drawn: the letters show the address of the registration.")
        )
    if not changed:
        return panel
    for name in changed:
        setattr(panel, name, values[name])
    panel.save(update_fields=changed)
    if "public" in changed:
        audit.record(user, "sortition.publish" if panel.public else "sortition.unpublish", panel)
    settings = [name for name in changed if name != "public"]
    if settings:
        audit.record(user, "sortition.change", panel, fields=list(settings))
    return panel
