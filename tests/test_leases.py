"""Leases on background tasks: a task whose worker stopped beating is queued again, and failed
after TASK_MAX_ATTEMPTS; "count now" never joins a dead count. The outage log's backoff."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gemeinsam.budgeting.models import Result, ResultState
from gemeinsam.budgeting.services import results
from gemeinsam.budgeting.tasks import count_ballots
from gemeinsam.core.leases import reclaim_lost
from gemeinsam.core.models import WorkerHeartbeat
from gemeinsam.lib.backoff import Outage

from .budgeting.test_results import DB_TASKS, majority_election


def _running(result: Result, *workers: str) -> DBTaskResult:
    task = count_ballots.enqueue(result_id=result.pk)
    row = DBTaskResult.objects.get(pk=task.id)
    row.status, row.worker_ids = "RUNNING", list(workers)
    row.started_at = timezone.now() - timedelta(minutes=5)
    row.save()
    return row


@pytest.mark.django_db
def test_task_of_a_lost_worker_is_queued_again_and_failed_after_the_last_attempt(settings):
    settings.TASKS = DB_TASKS
    budgeting = majority_election()
    old = timezone.now() - timedelta(minutes=5)
    result = Result.objects.create(budgeting=budgeting, state=ResultState.RUNNING, started_at=old)
    WorkerHeartbeat.objects.create(worker_id="alive", seen_at=timezone.now())
    WorkerHeartbeat.objects.create(worker_id="gone", seen_at=old)
    beating, lost = _running(result, "alive"), _running(result, "gone")
    assert reclaim_lost() == 1
    beating.refresh_from_db()
    lost.refresh_from_db()
    assert beating.status == "RUNNING" and lost.status == "READY"
    lost.status, lost.worker_ids = "RUNNING", ["gone"] * settings.TASK_MAX_ATTEMPTS
    lost.save()
    assert reclaim_lost() == 1
    lost.refresh_from_db()
    assert lost.status == "FAILED" and lost.exception_class_path.endswith("WorkerLost")


@pytest.mark.django_db
def test_count_now_does_not_join_a_count_whose_worker_was_lost(settings, staff):
    settings.TASKS = DB_TASKS
    budgeting = majority_election()
    old = timezone.now() - timedelta(minutes=5)
    dead = Result.objects.create(budgeting=budgeting, state=ResultState.RUNNING, started_at=old)
    _running(dead, *["gone"] * settings.TASK_MAX_ATTEMPTS)
    fresh = results.request_count(staff, budgeting)
    dead.refresh_from_db()
    assert fresh.pk != dead.pk and fresh.state == ResultState.QUEUED
    assert dead.state == ResultState.FAILED and "lost" in dead.error


def test_an_outage_is_logged_once_and_waits_longer_each_time_up_to_the_cap(caplog):
    slept = []
    outage = Outage(logging.getLogger("test"), "Database", first=0.5, cap=4, sleep=slept.append)
    with caplog.at_level(logging.WARNING):
        for _ in range(6):
            outage.failed(OSError("connection refused"))
        outage.recovered()
        outage.recovered()
    assert slept == [0.5, 1, 2, 4, 4, 4]
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        "Database unreachable",
        "Database reachable again after 0.0 s",
    ]
