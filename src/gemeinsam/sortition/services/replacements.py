"""Replacements: seats of members who dropped out after the draw, refilled from the pool so
that the quotas hold where possible."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gemeinsam.core import audit
from gemeinsam.core.predicates import require
from gemeinsam.sortition.models import SEATED, Panel, Replacement, Status, Volunteer
from gemeinsam.sortition.selectors import instance_for
from gemeinsam.sortition.services.panels import locked


def _dropped_refs(dropped: Iterable[str], seated: list[str]) -> list[str]:
    """The refs as typed, trimmed and deduplicated; each must be on the panel."""
    refs = list(dict.fromkeys(ref.strip().upper() for ref in dropped if ref.strip()))
    if not refs:
        raise ValidationError(_("Choose who dropped out."))
    unknown = [ref for ref in refs if ref not in seated]
    if unknown:
        raise ValidationError(_("Not on the panel: %(refs)s.") % {"refs": ", ".join(unknown[:10])})
    return refs


@transaction.atomic
def replace_dropouts(user, panel: Panel, dropped: Iterable[str], seed: str) -> Replacement:
    """Mark seated members as dropped out and refill their seats from the pool so that the
    quotas hold where possible; the record says which quotas could not be kept."""
    from gemeinsam.sortition.algorithms.replacements import replace

    require(user, "sortition.manage_panel", panel)
    panel = locked(panel)
    selection = panel.drawn_run()
    if selection is None:
        raise ValidationError(_("The panel has not been drawn yet."))
    if panel.personal_data_deleted_at is not None:
        raise ValidationError(
            _("The pool's personal data has been deleted; no replacements can be drawn.")
        )
    seed = seed.strip()
    if not seed:
        raise ValidationError(_("Enter a seed for the replacement draw."))
    volunteers = {v.ref: v for v in panel.volunteers.all()}
    seated = [ref for ref, v in volunteers.items() if v.status in SEATED]
    dropped = _dropped_refs(dropped, seated)
    # Everyone who was in the run's pool can be asked, except those who left it.
    gone = [ref for ref, v in volunteers.items() if v.status in (Status.DROPPED, Status.WITHDRAWN)]
    candidates = [v for ref, v in volunteers.items() if ref in selection.probabilities]
    result = replace(instance_for(panel, candidates), seated, dropped, seed, excluded=gone)
    Volunteer.objects.filter(
        panel=panel, number__in=[volunteers[r].number for r in dropped]
    ).update(status=Status.DROPPED)
    Volunteer.objects.filter(
        panel=panel, number__in=[volunteers[r].number for r in result.added]
    ).update(status=Status.REPLACEMENT)
    replacement = Replacement.objects.create(
        run=selection,
        seed=seed,
        dropped=dropped,
        added=list(result.added),
        unkept=[
            {"feature": s.feature, "value": s.value, "min": s.min, "max": s.max, "count": s.count}
            for s in result.unkept
        ],
        shortfall=result.shortfall,
        created_by=user,
    )
    audit.record(
        user,
        "sortition.replace",
        panel,
        dropped=len(dropped),
        added=len(result.added),
        shortfall=result.shortfall,
        seed=seed,
    )
    return replacement
