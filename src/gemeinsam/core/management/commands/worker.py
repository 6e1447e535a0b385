"""gemeinsam worker: run queued background tasks (django-tasks-db's db_worker)."""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


class Command(DatabaseWorkerCommand):
    help = "Run background tasks from the database queue until stopped (Ctrl-C)."
