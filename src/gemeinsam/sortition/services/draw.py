"""The draw: one panel drawn with the public seed from a finished LEXIMIN run's published
distribution, so that anyone can repeat it from the files."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gemeinsam.core import audit
from gemeinsam.core.predicates import require
from gemeinsam.sortition.exports import features_file, people_file
from gemeinsam.sortition.models import Algorithm, RunState, SelectionRun, Status
from gemeinsam.sortition.selectors import distribution_of, instance_for, pool
from gemeinsam.sortition.services.panels import locked, refuse_after_draw
from gemeinsam.sortition.services.privacy import schedule_deletion


@transaction.atomic
def draw(user, selection: SelectionRun, seed: str, seed_source: str = "") -> SelectionRun:
    """Draw the panel from a finished LEXIMIN run with the public seed."""
    require(user, "sortition.manage_panel", selection.panel)
    panel = locked(selection.panel)
    selection = SelectionRun.objects.select_for_update().get(pk=selection.pk)
    if selection.algorithm != Algorithm.LEXIMIN or selection.state != RunState.DONE:
        raise ValidationError(_("Only a finished LEXIMIN run can be drawn."))
    refuse_after_draw(panel)
    seed = seed.strip()
    if not seed:
        raise ValidationError(_("Enter the public seed."))
    refs = {v.ref: v for v in pool(panel)}
    if set(refs) != set(selection.probabilities):
        raise ValidationError(_("The pool changed after this run: start a new run."))
    distribution = distribution_of(selection)
    # The published files and the commitment must describe the panel as it is now.
    if (
        selection.features_csv != features_file(panel)
        or selection.people_csv != people_file(panel, instance_for(panel))
        or any(len(members) != panel.size for members in distribution.panels)
    ):
        raise ValidationError(
            _("The quotas or the panel settings changed after this run: start a new run.")
        )
    members = distribution.draw(seed)
    selection.seed, selection.seed_source = seed, seed_source.strip()[:300]
    selection.drawn_panel = sorted(members)
    selection.drawn_at, selection.drawn_by = timezone.now(), user
    selection.save(update_fields=["seed", "seed_source", "drawn_panel", "drawn_at", "drawn_by"])
    seated = [refs[ref].pk for ref in members]
    panel.volunteers.filter(pk__in=seated).update(status=Status.SELECTED)
    audit.record(user, "sortition.draw", panel, run=selection.pk, seed=seed, size=len(members))
    transaction.on_commit(lambda: schedule_deletion(panel))
    return selection
