"""gemeinsam serve: the production server, gunicorn with static files from WhiteNoise."""

import os
import shutil
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def gunicorn_argv(host: str, port: int, workers: int | None) -> list[str]:
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "gemeinsam.config.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--access-logfile",
        "-",
        "--timeout",
        "60",
    ]
    if workers:
        argv += ["--workers", str(workers)]
    elif "WEB_CONCURRENCY" not in os.environ:
        argv += ["--workers", str(min(2 * (os.cpu_count() or 1) + 1, 9))]
    return argv


class Command(BaseCommand):
    help = "Run the production web server against DATABASE_URL (needs SECRET_KEY)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            help="gunicorn worker processes (default: WEB_CONCURRENCY or 2 x cores + 1)",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not os.environ.get("SECRET_KEY"):
            raise CommandError(
                "SECRET_KEY is not set: export a long random SECRET_KEY "
                "before running gemeinsam serve in production."
            )
        call_command("check", deploy=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        argv = gunicorn_argv(options["host"], options["port"], options["workers"])
        if shutil.which(argv[0]) is None and not os.path.exists(argv[0]):
            raise CommandError(f"cannot find the Python interpreter {argv[0]}")
        self.stdout.write(f"Serving on http://{options['host']}:{options['port']}/")
        self.stdout.flush()
        os.execv(argv[0], argv)  # noqa: S606 - hand the process over to gunicorn
