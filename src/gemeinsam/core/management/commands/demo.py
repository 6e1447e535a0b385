"""gemeinsam demo: a ready-to-try platform on SQLite, with demo accounts, served locally."""

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from gemeinsam.budgeting.demo import DEMO_CODES
from gemeinsam.budgeting.demo import load_demo_content as load_budgeting
from gemeinsam.budgeting.services import code_is_usable
from gemeinsam.core.demo import DEMO_PASSWORD, load_demo_content
from gemeinsam.core.management.commands.serve import gunicorn_argv
from gemeinsam.knowledge.demo import seed as load_knowledge
from gemeinsam.participation.demo import load_demo_content as load_participation
from gemeinsam.sensors.demo import load_demo as load_sensors
from gemeinsam.sortition.demo import load_demo_content as load_sortition
from gemeinsam.sortition.demo import open_codes
from gemeinsam.strategy.demo import load_demo_content as load_strategy


class Command(BaseCommand):
    help = "Create the demo database and accounts, then serve on http://127.0.0.1:8000."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="only prepare the database and accounts, then exit",
        )

    def handle(self, *args, **options):
        self.stdout.write(f"Data directory: {settings.DATA_DIR}")
        self.stdout.write("Migrating the database ...")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write("Loading demo content ...")
        accounts = load_demo_content()
        load_participation()
        budgeting = load_budgeting()
        panel = load_sortition()
        load_sensors(self.stdout)
        load_strategy()
        load_knowledge()
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password for all: {DEMO_PASSWORD}):"))
        for account, created in accounts:
            note = "" if created else " (already there)"
            self.stdout.write(f"  {account.role.label:<28} {account.email}{note}")
        codes = [code for code in DEMO_CODES if code_is_usable(budgeting, code)]
        if codes:
            self.stdout.write(f"Voting codes for “{budgeting.process.title}” (no account needed):")
            self.stdout.write(f"  {', '.join(codes)}")
        invitation_codes = open_codes(panel) if panel is not None else []
        if invitation_codes:
            self.stdout.write(f"Invitation codes for “{panel.title}” (register as a volunteer):")
            self.stdout.write(f"  {', '.join(invitation_codes)}")
        if options["no_serve"]:
            return
        self._serve(options["host"], options["port"])

    def _serve(self, host: str, port: int) -> None:
        if host not in {"127.0.0.1", "localhost", "::1"}:
            self.stderr.write(
                self.style.WARNING(
                    "The demo accounts share a published password; do not expose the demo."
                )
            )
        env = dict(os.environ)
        worker = subprocess.Popen([sys.executable, "-m", "gemeinsam", "worker"], env=env)
        server = subprocess.Popen(gunicorn_argv(host, port, 2), env=env)  # noqa: S603
        processes = [server, worker]
        if settings.STA_MQTT_BRIDGE:
            # Devices' observations over MQTT; it waits for the broker if none runs yet.
            bridge = [sys.executable, "-m", "gemeinsam", "mqtt", "--stats", "0"]
            processes.append(subprocess.Popen(bridge, env=env))  # noqa: S603
        self.stdout.write(
            self.style.SUCCESS(f"Gemeinsam runs on http://{host}:{port}/ (Ctrl-C stops it)")
        )
        self.stdout.flush()
        try:
            server.wait()
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
