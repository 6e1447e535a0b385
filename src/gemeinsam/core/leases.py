"""Leases on background tasks: a worker renews its heartbeat while it lives, and a task whose
worker stopped beating is queued again at once (not after an hour), at most TASK_MAX_ATTEMPTS.

django-tasks-db marks a task RUNNING with the worker's id (`worker_ids`, one per attempt) and
never looks back; `gemeinsam worker` adds the heartbeat (core.WorkerHeartbeat) and reclaims,
as Celery's visibility timeout and Kubernetes' leases do. A rerun task sees
`context.attempt > 1` and resumes its domain row (budgeting's count, sortition's run).
"""

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import Task
from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from gemeinsam.core.models import WorkerHeartbeat

logger = logging.getLogger("gemeinsam.worker")


class WorkerLost(Exception):
    """Recorded on a task whose workers were lost TASK_MAX_ATTEMPTS times."""


def lease() -> timedelta:
    return timedelta(seconds=settings.TASK_LEASE_SECONDS)


def beat(worker_id: str) -> None:
    """Renew this worker's lease (the worker's heartbeat thread calls it)."""
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(seen_at=now)
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={"seen_at": now, "host": socket.gethostname()[:255], "pid": os.getpid()},
        )


def forget(worker_id: str) -> None:
    """A worker that stops cleanly gives up its heartbeat (its tasks are finished)."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def _alive(now: datetime) -> set[str]:
    recent = WorkerHeartbeat.objects.filter(seen_at__gte=now - lease())
    return set(recent.values_list("worker_id", flat=True))


def is_lost(task: DBTaskResult, alive: set[str], now: datetime) -> bool:
    """A running task whose last worker has not beaten within the lease."""
    if task.status != TaskResultStatus.RUNNING:
        return False
    if task.started_at and task.started_at > now - lease():
        return False  # just claimed: its worker beat before claiming
    return not task.worker_ids or task.worker_ids[-1] not in alive


def reclaim_lost(*, keep: str = "", now: datetime | None = None) -> int:
    """Queue again every running task whose worker was lost; `keep` is the caller's own id.

    Rows are locked (SKIP LOCKED on PostgreSQL, one writer on SQLite) so that two workers
    reclaiming at once put each task back once.
    """
    now = now or timezone.now()
    alive = _alive(now) | {keep}
    reclaimed = 0
    with exclusive_transaction(DBTaskResult.objects.db):
        running = DBTaskResult.objects.running().select_for_update(skip_locked=True)
        for task in running:
            if not is_lost(task, alive, now):
                continue
            reclaimed += 1
            give_back(task, WorkerLost(f"worker {task.worker_ids[-1:]} stopped beating"))
    return reclaimed


def give_back(task: DBTaskResult, reason: BaseException) -> None:
    """Put a task back in the queue for another attempt, or fail it after the last one."""
    attempts = len(task.worker_ids)
    if attempts >= settings.TASK_MAX_ATTEMPTS:
        logger.error(
            "Task %s (%s) failed: %s, attempt %d", task.pk, task.task_path, reason, attempts
        )
        task.set_failed(reason)
        return
    logger.warning(
        "Task %s (%s) queued again after attempt %d: %s", task.pk, task.task_path, attempts, reason
    )
    task.status = TaskResultStatus.READY
    task.save(update_fields=["status"])


@dataclass(frozen=True)
class TaskState:
    """What a command tells a person about the newest task of one kind and object."""

    status: str  # READY, RUNNING, SUCCESSFUL, FAILED, or LOST (running, worker gone)
    enqueued_at: datetime
    started_at: datetime | None
    attempts: int


def state_of(task: Task, **kwargs) -> TaskState | None:
    """The newest queued run of `task` with these keyword arguments, if any."""
    found = DBTaskResult.objects.filter(task_path=task.module_path)
    for name, value in kwargs.items():
        found = found.filter(**{f"args_kwargs__kwargs__{name}": value})
    row = found.order_by("-enqueued_at").first()
    if row is None:
        return None
    now = timezone.now()
    status = "LOST" if is_lost(row, _alive(now), now) else row.status
    return TaskState(status, row.enqueued_at, row.started_at, len(row.worker_ids))


def describe(task: Task, **kwargs) -> str:
    """In words, for a command's output: where the newest run of `task` stands."""
    state = state_of(task, **kwargs)
    if state is None:
        return _("It is not in the task queue (it may run in another process).")
    when = date_format(timezone.localtime(state.started_at or state.enqueued_at), "DATETIME_FORMAT")
    if state.status == TaskResultStatus.READY and state.attempts:
        return _("Its worker was lost; it is queued again (attempt %(n)d) since %(time)s.") % {
            "n": state.attempts + 1,
            "time": when,
        }
    if state.status == TaskResultStatus.READY:
        return _("It is queued since %(time)s and waits for `gemeinsam worker`.") % {"time": when}
    if state.status == "LOST":
        return _(
            "It started at %(time)s, but its worker was lost; it will be retried within "
            "%(seconds)d seconds of a worker running."
        ) % {"time": when, "seconds": settings.TASK_LEASE_SECONDS}
    if state.status == TaskResultStatus.RUNNING:
        return _("It is running since %(time)s (attempt %(n)d).") % {
            "time": when,
            "n": state.attempts,
        }
    if state.status == TaskResultStatus.FAILED:
        return _("It failed after %(n)d attempt(s).") % {"n": state.attempts}
    return _("It finished at %(time)s.") % {"time": when}


def owns(task_id, worker_id: str) -> DBTaskResult | None:
    """The task row, locked, if it still runs under this worker (not reclaimed meanwhile)."""
    assert transaction.get_connection().in_atomic_block
    row = DBTaskResult.objects.select_for_update().filter(pk=task_id).first()
    if row is None or row.status != TaskResultStatus.RUNNING:
        return None
    return row if row.worker_ids[-1:] == [worker_id] else None


def fail_stuck(
    running, task: Task, argument: str, stuck_after: timedelta, late: str, failed
) -> None:
    """Fail the rows of `running` (a count's or run's RUNNING rows) whose task was lost too
    often or which ran longer than `stuck_after`; lost tasks are queued again first."""
    reclaim_lost()
    now = timezone.now()
    for row in running:
        state = state_of(task, **{argument: row.pk})
        if state is not None and state.status == "FAILED":
            error = f"Its worker was lost {state.attempts} times."
        elif row.started_at and row.started_at < now - stuck_after:
            error = late
        else:
            continue
        running.filter(pk=row.pk).update(state=failed, finished_at=now, error=error)
