"""The draw: one panel drawn from a finished LEXIMIN run's published distribution with the seed
announced with its commitment, so that anyone can repeat it from the files."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gemeinsam.core import audit
from gemeinsam.core.predicates import require
from gemeinsam.sortition.exports import features_file, people_file
from gemeinsam.sortition.models import (
    Algorithm,
    Panel,
    RunState,
    SeedAnnouncement,
    SeedPurpose,
    SelectionRun,
    Status,
)
from gemeinsam.sortition.selectors import distribution_of, instance_for, pool
from gemeinsam.sortition.services import seeds
from gemeinsam.sortition.services.panels import locked, refuse_after_draw
from gemeinsam.sortition.services.privacy import schedule_deletion


def _drawable(user, selection: SelectionRun) -> tuple[Panel, SelectionRun]:
    """The locked panel and run, if the run can be drawn: a finished LEXIMIN run whose
    published files and commitment still describe the panel as it is."""
    require(user, "sortition.manage_panel", selection.panel)
    panel = locked(selection.panel)
    selection = SelectionRun.objects.select_for_update().get(pk=selection.pk)
    if selection.algorithm != Algorithm.LEXIMIN or selection.state != RunState.DONE:
        raise ValidationError(_("Only a finished LEXIMIN run can be drawn."))
    refuse_after_draw(panel)
    if {v.ref for v in pool(panel)} != set(selection.probabilities):
        raise ValidationError(_("The pool changed after this run: start a new run."))
    distribution = distribution_of(selection)
    if (
        selection.features_csv != features_file(panel)
        or selection.people_csv != people_file(panel, instance_for(panel))
        or any(len(members) != panel.size for members in distribution.panels)
    ):
        raise ValidationError(
            _("The quotas or the panel settings changed after this run: start a new run.")
        )
    return panel, selection


@transaction.atomic
def announce_draw(
    user, selection: SelectionRun, procedure: seeds.SeedProcedure
) -> SeedAnnouncement:
    """Commit to a run: publish where its seed will come from, before it can be known."""
    panel, selection = _drawable(user, selection)
    return seeds.announce(
        user, panel, SeedPurpose.DRAW, procedure, seeds.draw_context(selection), run=selection
    )


@transaction.atomic
def draw(user, selection: SelectionRun, values: Sequence[str]) -> SelectionRun:
    """Draw the panel from a finished LEXIMIN run with the seed derived from the revealed
    values (the announced event's value, or the witnesses' secrets in their order)."""
    panel, selection = _drawable(user, selection)
    announcement = seeds.reveal(seeds.open_announcement(selection, SeedPurpose.DRAW), values)
    members = distribution_of(selection).draw(announcement.seed)
    selection.seed, selection.seed_source = announcement.seed, announcement.source
    selection.drawn_panel = sorted(members)
    selection.drawn_at, selection.drawn_by = timezone.now(), user
    selection.save(update_fields=["seed", "seed_source", "drawn_panel", "drawn_at", "drawn_by"])
    refs = {v.ref: v.pk for v in pool(panel)}
    panel.volunteers.filter(pk__in=[refs[ref] for ref in members]).update(status=Status.SELECTED)
    audit.record(
        user, "sortition.draw", panel, run=selection.pk, seed=announcement.seed, size=len(members)
    )
    transaction.on_commit(lambda: schedule_deletion(panel))
    return selection
