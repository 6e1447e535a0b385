"""Replacements: seats of members who dropped out after the draw, refilled from the pool so
that the quotas hold where possible."""

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gemeinsam.core import audit
from gemeinsam.core.predicates import require
from gemeinsam.sortition.models import (
    SEATED,
    Panel,
    Replacement,
    SeedAnnouncement,
    SeedPurpose,
    SelectionRun,
    Status,
    Volunteer,
)
from gemeinsam.sortition.selectors import instance_for
from gemeinsam.sortition.services import seeds
from gemeinsam.sortition.services.panels import locked
from gemeinsam.sortition.services.seeds import SeedProcedure


def _dropped_refs(dropped: Iterable[str], seated: list[str]) -> list[str]:
    """The refs as typed, trimmed and deduplicated; each must be on the panel."""
    refs = list(dict.fromkeys(ref.strip().upper() for ref in dropped if ref.strip()))
    if not refs:
        raise ValidationError(_("Choose who dropped out."))
    unknown = [ref for ref in refs if ref not in seated]
    if unknown:
        raise ValidationError(_("Not on the panel: %(refs)s.") % {"refs": ", ".join(unknown[:10])})
    return refs


def _replaceable(user, panel: Panel) -> tuple[Panel, SelectionRun]:
    require(user, "sortition.manage_panel", panel)
    panel = locked(panel)
    selection = panel.drawn_run()
    if selection is None:
        raise ValidationError(_("The panel has not been drawn yet."))
    if panel.personal_data_deleted_at is not None:
        raise ValidationError(
            _("The pool's personal data has been deleted; no replacements can be drawn.")
        )
    return panel, selection


def _seated(panel: Panel) -> tuple[dict[str, Volunteer], list[str]]:
    volunteers = {v.ref: v for v in panel.volunteers.all()}
    return volunteers, [ref for ref, v in volunteers.items() if v.status in SEATED]


@transaction.atomic
def announce_replacement(
    user, panel: Panel, dropped: Iterable[str], procedure: SeedProcedure
) -> SeedAnnouncement:
    """Fix who dropped out and where the replacement draw's seed will come from, before it
    can be known; the draw itself is `replace_dropouts` after the announced moment."""
    panel, selection = _replaceable(user, panel)
    _volunteers, seated = _seated(panel)
    dropped = _dropped_refs(dropped, seated)
    number = selection.announcements.filter(purpose=SeedPurpose.REPLACEMENT).count() + 1
    return seeds.announce(
        user,
        panel,
        SeedPurpose.REPLACEMENT,
        procedure,
        seeds.replacement_context(selection, number, dropped),
        run=selection,
        dropped=dropped,
    )


@transaction.atomic
def replace_dropouts(user, panel: Panel, values: Sequence[str]) -> Replacement:
    """Mark the members announced as dropped out as such and refill their seats from the
    pool with the seed from the revealed values, so that the quotas hold where possible;
    the record says which quotas could not be kept."""
    from gemeinsam.sortition.algorithms.replacements import replace

    panel, selection = _replaceable(user, panel)
    announcement = seeds.open_announcement(selection, SeedPurpose.REPLACEMENT)
    volunteers, seated = _seated(panel)
    if announcement is not None:
        # Still seated: the members announced as dropped out (nobody else changes them).
        _dropped_refs(announcement.dropped, seated)
    announcement = seeds.reveal(announcement, values)
    dropped = announcement.dropped
    # Everyone who was in the run's pool can be asked, except those who left it.
    gone = [ref for ref, v in volunteers.items() if v.status in (Status.DROPPED, Status.WITHDRAWN)]
    candidates = [v for ref, v in volunteers.items() if ref in selection.probabilities]
    instance = instance_for(panel, candidates)
    result = replace(instance, seated, dropped, announcement.seed, excluded=gone)
    Volunteer.objects.filter(
        panel=panel, number__in=[volunteers[r].number for r in dropped]
    ).update(status=Status.DROPPED)
    Volunteer.objects.filter(
        panel=panel, number__in=[volunteers[r].number for r in result.added]
    ).update(status=Status.REPLACEMENT)
    replacement = Replacement.objects.create(
        run=selection,
        announcement=announcement,
        seed=announcement.seed,
        seated_before=seated,
        excluded=gone,
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
        seed=announcement.seed,
    )
    return replacement
