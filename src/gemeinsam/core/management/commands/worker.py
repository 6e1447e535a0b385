"""gemeinsam worker: run queued background tasks (django-tasks-db's db_worker)."""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from gemeinsam.core.tasks import start_daily_upkeep


class Command(DatabaseWorkerCommand):
    help = "Run background tasks from the database queue until stopped (Ctrl-C)."

    def handle(self, *args, **options) -> None:
        start_daily_upkeep()  # the apps' daily upkeep (core/hooks.py), e.g. sensors' partitions
        super().handle(*args, **options)
