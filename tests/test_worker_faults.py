"""A real `gemeinsam worker` killed with SIGKILL mid-task: a restarted worker finishes the task
exactly once (one result, one audit event, one mail per follower); `pb results` says how a
count stands instead of failing."""

import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from gemeinsam.budgeting.models import Result, ResultState
from gemeinsam.budgeting.services import results
from gemeinsam.core.models import AuditEvent
from gemeinsam.participation.services import contributions
from gemeinsam.participation.tasks import send_daily_digests
from gemeinsam.sortition.models import RunState
from gemeinsam.sortition.services.runs import request_run

from .budgeting.test_results import DB_TASKS, majority_election
from .conftest import UserFactory
from .faultkit import database_url, start_worker, stop, wait_until
from .participation.conftest import make_process
from .sortition.test_views_staff import example_panel

# Run on PostgreSQL only: on SQLite, late in the whole suite, the test process stopped seeing
# the worker's commits and the shared test file then answered "disk I/O error" (cause not yet
# found; alone or after the other top-level tests they pass on SQLite too).
pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_log(tmp_path):
    return tmp_path / "worker.log"


def _tasks(path: str):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=path)


def _kill_mid_task(log, is_running) -> None:
    """Start a slowed worker, SIGKILL it once the task runs, start a plain one."""
    url = database_url(connection.settings_dict)
    doomed = start_worker(url, log, pause=120)
    try:
        # A worker's start-up takes seconds, longer on a loaded CI machine; its log is shown
        # when it never gets there.
        wait_until(is_running, 180, "the task to run", log)
        doomed.kill()
        doomed.wait()
    finally:
        stop(doomed)
    return start_worker(url, log)


def test_count_killed_mid_task_is_counted_once_after_restart(settings, staff, worker_log):
    settings.TASKS = DB_TASKS
    budgeting = majority_election()
    queued = results.request_count(staff, budgeting)
    running = Result.objects.filter(pk=queued.pk, state=ResultState.RUNNING)
    survivor = _kill_mid_task(worker_log, running.exists)
    try:
        done = Result.objects.filter(pk=queued.pk, state=ResultState.DONE)
        wait_until(done.exists, 180, "the count to finish", worker_log)
    finally:
        stop(survivor)
    assert budgeting.results.count() == 1
    assert AuditEvent.objects.filter(verb="budgeting.count_provisional").count() == 1
    (task,) = _tasks("gemeinsam.budgeting.tasks.count_ballots")
    assert task.status == "SUCCESSFUL" and len(task.worker_ids) == 2
    assert "Traceback" not in worker_log.read_text()


def test_sortition_run_killed_mid_task_is_done_once_after_restart(settings, staff, worker_log):
    settings.TASKS = DB_TASKS
    panel = example_panel(staff)
    run = request_run(staff, panel)
    running = panel.runs.filter(pk=run.pk, state=RunState.RUNNING)
    survivor = _kill_mid_task(worker_log, running.exists)
    try:
        wait_until(
            panel.runs.filter(pk=run.pk, state=RunState.DONE).exists, 180, "the run", worker_log
        )
    finally:
        stop(survivor)
    assert panel.runs.count() == 1
    assert AuditEvent.objects.filter(verb="sortition.run_done").count() == 1
    (task,) = _tasks("gemeinsam.sortition.tasks.select_panel")
    assert task.status == "SUCCESSFUL" and len(task.worker_ids) == 2


def test_pb_results_says_a_count_runs_instead_of_failing(settings, staff, worker_log):
    settings.TASKS = DB_TASKS
    budgeting = majority_election()
    queued = results.request_count(staff, budgeting)
    url = database_url(connection.settings_dict)
    worker = start_worker(url, worker_log, pause=120)
    try:
        running = Result.objects.filter(pk=queued.pk, state=ResultState.RUNNING)
        wait_until(running.exists, 180, "the count to run", worker_log)
        with translation.override("en"), pytest.raises(CommandError, match="It is running since"):
            call_command("pb", "results", budgeting.process.slug)
        worker.kill()
        worker.wait()
        settings.TASK_LEASE_SECONDS = 1
        wait_until(lambda: _tasks("gemeinsam.budgeting.tasks.count_ballots").exists(), 5)
        time.sleep(1.5)  # the worker's lease runs out
        with translation.override("en"), pytest.raises(CommandError, match="worker was lost"):
            call_command("pb", "results", budgeting.process.slug)
    finally:
        stop(worker)


def test_digest_killed_mid_task_mails_each_follower_once(settings, worker_log):
    settings.TASKS = DB_TASKS
    process = make_process()
    contributions.submit_idea(UserFactory(), process, title="Mehr Bänke", description="D")
    followers = [UserFactory(email=f"folgt{n}@example.org") for n in range(3)]
    process.followers.add(*followers)
    send_daily_digests.enqueue()
    digest = _tasks("gemeinsam.participation.tasks.send_daily_digests")
    survivor = _kill_mid_task(worker_log, digest.filter(status="RUNNING").exists)
    try:
        wait_until(digest.filter(status="SUCCESSFUL").exists, 180, "the digest", worker_log)
    finally:
        stop(survivor)
    mails = [t.args_kwargs["kwargs"]["to"] for t in _tasks("gemeinsam.core.tasks.send_email")]
    assert sorted(to for to in mails if "folgt" in to[0]) == [[f.email] for f in followers]
    assert len(digest.get().worker_ids) == 2
