"""gemeinsam worker: run queued background tasks (django-tasks-db's db_worker), with a lease
renewed by a heartbeat thread, lost tasks queued again, and database outages waited out."""

import logging
import os
import random
import threading
import time
from contextlib import suppress

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections
from django.db import connection as db_connection
from django.tasks import TaskContext
from django.tasks.signals import task_finished, task_started
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from gemeinsam.core import leases
from gemeinsam.core.tasks import start_daily_upkeep
from gemeinsam.lib.backoff import Outage

logger = logging.getLogger("gemeinsam.worker")

# A task interrupted by these did not fail: it is queued again (core/leases.py).
INTERRUPTIONS = (OperationalError, InterfaceError, SystemExit, KeyboardInterrupt)


class Heartbeat(threading.Thread):
    """Renews the worker's lease and reclaims other workers' lost tasks, also mid-task."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name="heartbeat", daemon=True)
        self.worker_id = worker_id
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(settings.TASK_LEASE_SECONDS / 3):
            try:
                close_old_connections()
                leases.beat(self.worker_id)
                leases.reclaim_lost(keep=self.worker_id)
            except DatabaseError:
                db_connection.close()  # the main loop logs the outage; the next beat retries
            except Exception:
                logger.exception("Heartbeat of worker %s failed", self.worker_id)
        db_connection.close()


class LeasedWorker(Worker):
    def run(self) -> None:
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, self.queue_names)
        self.outage = Outage(logger, "Database", cap=settings.DATABASE_RETRY_MAX_SECONDS)
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # spreads workers started together
        self.with_database(self.start_lease)
        heartbeat = Heartbeat(self.worker_id)
        heartbeat.start()
        try:
            self.loop()
        finally:
            heartbeat.stopped.set()
            with suppress(DatabaseError):
                leases.forget(self.worker_id)

    def loop(self) -> None:
        while self.running:
            task_result = self.with_database(self.claim_next)
            if task_result is not None:
                self.run_task(task_result)
            elif self.batch:
                logger.info("No more tasks to run for worker_id=%s - exiting.", self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info("Ran %d tasks on worker=%s - exiting.", self._run_tasks, self.worker_id)
                return
            if self.running and task_result is None:
                time.sleep(self.interval)

    def with_database(self, work):
        """Run `work` until the database answers: backoff between attempts, one log line
        when the outage starts and one when it ends."""
        while True:
            try:
                close_old_connections()
                value = work()
            except (OperationalError, InterfaceError) as error:
                if isinstance(error, OperationalError) and is_locked_database_exception(error):
                    return None  # SQLite busy: the next poll tries again
                db_connection.close()
                self.outage.failed(error)
                continue
            self.outage.recovered()
            return value

    def start_lease(self) -> None:
        leases.beat(self.worker_id)
        reclaimed = leases.reclaim_lost(keep=self.worker_id)
        if reclaimed:
            logger.warning("Queued %d task(s) of lost workers again", reclaimed)

    def claim_next(self) -> DBTaskResult | None:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)  # "claim" it, so no other worker runs it
        return task_result

    def run_task(self, db_task_result: DBTaskResult) -> None:
        try:
            self.running_task = True
            value, error = self.call(db_task_result)
            finished = self.with_database(lambda: self.record(db_task_result, value, error))
            if finished is not None:
                task_finished.send(sender=type(finished.task.get_backend()), task_result=finished)
        finally:
            self.running_task = False
            self._run_tasks += 1

    def call(self, db_task_result: DBTaskResult) -> tuple[object, BaseException | None]:
        try:
            task = db_task_result.task
            task_result = db_task_result.task_result
            task_started.send(sender=type(task.get_backend()), task_result=task_result)
            arguments = (task_result.args, task_result.kwargs)
            if task.takes_context:
                return task.call(
                    TaskContext(task_result=task_result), *arguments[0], **arguments[1]
                ), None
            return task.call(*arguments[0], **arguments[1]), None
        except BaseException as error:  # recorded on the task row, as db_worker does
            return None, error

    def record(self, db_task_result: DBTaskResult, value, error: BaseException | None):
        """Store the outcome if the task is still ours (not reclaimed during an outage)."""
        with exclusive_transaction(DBTaskResult.objects.db):
            row = leases.owns(db_task_result.pk, self.worker_id)
            if row is None:
                logger.warning(
                    "Task %s went to another worker; dropping this run's outcome", db_task_result.pk
                )
                return None
            if isinstance(error, INTERRUPTIONS):
                leases.give_back(row, error)
                return None
            if error is None:
                try:
                    row.set_successful(value)
                    return row.task_result
                except (TypeError, ValueError) as unstorable:
                    error = unstorable
            row.set_failed(error)
            return row.task_result


class Command(DatabaseWorkerCommand):
    help = "Run background tasks from the database queue until stopped (Ctrl-C)."

    def handle(
        self, *, verbosity: int, queue_name: str, exclude_queues: str, reload: bool, **options
    ):
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = LeasedWorker(
            queue_names=queue_names,
            excluded_queue_names=excluded,
            **{key: options[key] for key in ("interval", "batch", "backend_name", "startup_delay")},
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
        )
        if reload and not options["batch"]:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the reloaded child handles signals
                start_daily_upkeep()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            start_daily_upkeep()  # the apps' daily upkeep (core/hooks.py), e.g. sensors' partitions
            worker.run()
