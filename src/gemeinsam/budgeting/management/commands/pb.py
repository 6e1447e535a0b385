"""`gemeinsam pb`: import a Pabulib election into a process, or solve a `.pb` file standalone."""

import argparse
import sys
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from gemeinsam.budgeting import services
from gemeinsam.budgeting.models import BudgetingProcess
from gemeinsam.participation.models import Phase, PhaseType, Process


class Command(BaseCommand):
    help = "Participatory budgeting: import a Pabulib file, or compute a rule's outcome."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        imp = sub.add_parser(
            "import",
            help="import a Pabulib .pb file's projects and ballots into a budgeting process",
        )
        imp.add_argument("file", metavar="FILE")
        imp.add_argument(
            "--process",
            required=True,
            metavar="SLUG",
            help="the process's short name; created (in its result phase) if it does not exist",
        )
        imp.add_argument("--title", help="title of a new process (default: from the file)")
        solve = sub.add_parser(
            "solve",
            help="compute the outcome of a rule on a .pb file (no database needed)",
            add_help=False,
        )
        solve.add_argument("args", nargs=argparse.REMAINDER, help="see `gemeinsam pb solve --help`")

    def run_from_argv(self, argv: list[str]) -> None:
        # `pb solve` belongs to the Django-free rules package: hand it the arguments as given.
        if len(argv) > 2 and argv[2] == "solve":
            from gemeinsam.budgeting.rules import solve

            code = solve.main(argv[3:])
            sys.exit(code or 0)
        super().run_from_argv(argv)

    def handle(self, *args, **options) -> None:
        if options["subcommand"] == "import":
            self._import(options)
        else:  # reached through call_command only
            from gemeinsam.budgeting.rules import solve

            code = solve.main(options["args"], stdout=self.stdout, stderr=self.stderr)
            if code:
                raise CommandError("pb solve failed", returncode=code)

    def _import(self, options) -> None:
        from gemeinsam.budgeting.rules.pabulib import PabulibError, read_pabulib

        try:
            election = read_pabulib(options["file"])
        except (OSError, PabulibError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Read {len(election.projects)} projects and {len(election.ballots)} ballots "
            f"({election.kind.value}) from {options['file']}."
        )
        with transaction.atomic():
            budgeting = self._budgeting(options, election)
            try:
                projects, ballots = services.import_election(budgeting, election)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {projects} proposals and {ballots} ballots into "
                f"“{budgeting.process.slug}” (ballots marked as imported)."
            )
        )

    def _budgeting(self, options, election) -> BudgetingProcess:
        slug = options["process"]
        meta = election.meta
        process = Process.objects.filter(slug=slug).first()
        if process is None:
            title = options.get("title") or " ".join(
                v for v in (meta.get("description"), meta.get("unit"), meta.get("instance")) if v
            )
            title = (title or slug)[:200]
            process = Process.objects.create(
                title=title,
                slug=slug,
                summary=f"Imported from Pabulib ({meta.get('country', '')} "
                f"{meta.get('unit', '')} {meta.get('instance', '')})".replace("  ", " ")[:500],
            )
            now = timezone.now()
            Phase.objects.create(
                process=process,
                type=PhaseType.RESULT,
                starts_at=now - timedelta(days=1),
                ends_at=now + timedelta(days=365),
            )
            self.stdout.write(f"Created the process “{slug}”.")
        budgeting, _created = BudgetingProcess.objects.get_or_create(
            process=process,
            defaults={
                "budget": Decimal(election.budget.numerator) / election.budget.denominator,
                "currency": (meta.get("currency") or "EUR")[:3],
            },
        )
        return budgeting
