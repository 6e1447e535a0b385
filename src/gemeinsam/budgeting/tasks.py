"""Background tasks of budgeting, run by `gemeinsam worker`: counting the ballots."""

from django.tasks import task


@task()
def count_ballots(result_id: int) -> str:
    """Count a queued Result (budgeting/services/results.py); queued for when voting closes."""
    from gemeinsam.budgeting.services import results

    return results.run(result_id)
