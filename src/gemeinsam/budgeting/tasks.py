"""Background tasks of budgeting, run by `gemeinsam worker`: counting the ballots."""

from django.tasks import TaskContext, task


@task(takes_context=True)
def count_ballots(context: TaskContext, result_id: int) -> str:
    """Count a queued Result (budgeting/services/results.py); queued for when voting closes.

    A later attempt (its worker was lost, core/leases.py) takes over the count it left running.
    """
    from gemeinsam.budgeting.services import results

    return results.run(result_id, resume=context.attempt > 1)
