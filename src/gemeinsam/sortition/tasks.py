"""Background tasks of sortition, run by `gemeinsam worker`."""

from django.tasks import TaskContext, task


@task(takes_context=True)
def select_panel(context: TaskContext, run_id: int) -> str:
    """Compute a queued selection run (sortition/services/runs.py `run`); a later attempt
    (its worker was lost, core/leases.py) takes over the run it left running."""
    from gemeinsam.sortition.services import runs

    return runs.run(run_id, resume=context.attempt > 1)


@task()
def delete_due_personal_data(panel_id: int) -> str:
    """Delete the personal data of people not selected once the panel's period has passed."""
    from django.utils import timezone

    from gemeinsam.sortition.models import Panel
    from gemeinsam.sortition.selectors import deletion_due
    from gemeinsam.sortition.services.privacy import delete_personal_data

    panel = Panel.objects.filter(pk=panel_id).first()
    if panel is None:
        return "gone"
    due = deletion_due(panel)
    if due is None:
        return "nothing to delete"
    if due > timezone.now():
        return "not due yet"  # the period was lengthened: a later task or the purge does it
    return f"anonymised {delete_personal_data(panel)}"
