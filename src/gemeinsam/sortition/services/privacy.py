"""Data protection: the contact details of people not selected and the invitations'
addresses are deleted once the period for replacements after the draw has passed."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gemeinsam.core import audit
from gemeinsam.core.database import checkpoint_after_erasure
from gemeinsam.core.predicates import require
from gemeinsam.sortition.models import SEATED, Panel
from gemeinsam.sortition.selectors import deletion_due
from gemeinsam.sortition.services.panels import locked

PERSONAL_FIELDS = {"name": "", "email": "", "phone": "", "address": "", "postcode": ""}


@transaction.atomic
def delete_personal_data(panel: Panel, user=None) -> int:
    """Blank the contact details of everyone not on the panel, the addresses of all
    invitations and the registers kept for their lotteries; features, pseudonymous numbers
    and household hashes stay for the report and for verification. Returns how many
    volunteers were anonymised. With `user`, the permission is checked (the staff action);
    without, it is the scheduled deletion."""
    if user is not None:
        require(user, "sortition.manage_panel", panel)
    panel = locked(panel)
    if panel.drawn_run() is None:
        raise ValidationError(_("Personal data is deleted after the draw."))
    now = timezone.now()
    count = (
        panel.volunteers.exclude(status__in=SEATED)
        .filter(anonymised_at__isnull=True)
        .update(**PERSONAL_FIELDS, external_id="", invitation=None, anonymised_at=now)
    )
    invitations = panel.invitations.update(address="", register_id="", extra={})
    panel.announcements.exclude(register="").update(register="")
    panel.registration_open = False
    panel.personal_data_deleted_at = now
    panel.save(update_fields=["registration_open", "personal_data_deleted_at"])
    audit.record(
        user, "sortition.delete_personal_data", panel, volunteers=count, invitations=invitations
    )
    checkpoint_after_erasure()
    return count


def schedule_deletion(panel: Panel) -> None:
    """Queue the automatic deletion for its due date (the worker waits until then)."""
    from gemeinsam.sortition.tasks import delete_due_personal_data

    due = deletion_due(panel)
    if due is None:
        return
    task = delete_due_personal_data
    if due > timezone.now() and task.get_backend().supports_defer:
        task = task.using(run_after=due)
    elif due > timezone.now():
        return  # `gemeinsam sortition purge` (daily) deletes it when due
    task.enqueue(panel_id=panel.pk)


def purge_due(now=None) -> list[Panel]:
    """Delete the personal data of every panel whose period has passed (the daily job)."""
    now = now or timezone.now()
    done = []
    for panel in Panel.objects.filter(personal_data_deleted_at__isnull=True):
        due = deletion_due(panel)
        if due is not None and due <= now:
            delete_personal_data(panel)
            done.append(panel)
    return done
