"""`gemeinsam pb`: import a Pabulib election into a process, count a process's ballots, or
solve a `.pb` file standalone."""

import argparse
import json
import sys
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from gemeinsam.budgeting.models import BudgetingProcess, ResultState
from gemeinsam.budgeting.services import imports, results
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
            help="the process's short name; created (voting closed on the file's dates, "
            "result phase) if it does not exist",
        )
        imp.add_argument("--title", help="title of a new process (default: from the file)")
        imp.add_argument(
            "--no-count", action="store_true", help="do not count the imported ballots now"
        )
        count = sub.add_parser(
            "results",
            help="count a budgeting process's stored ballots now, here rather than in the worker",
        )
        count.add_argument("slug", metavar="SLUG")
        count.add_argument("--format", choices=("text", "json"), default="text")
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
        elif options["subcommand"] == "results":
            self._results(options)
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
                projects, ballots = imports.import_election(budgeting, election)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {projects} proposals and {ballots} ballots into "
                f"“{budgeting.process.slug}” (ballots marked as imported)."
            )
        )
        if not options["no_count"]:
            self._count(budgeting)

    def _results(self, options) -> None:
        budgeting = (
            BudgetingProcess.objects.select_related("process")
            .filter(process__slug=options["slug"])
            .first()
        )
        if budgeting is None:
            raise CommandError(f"There is no budgeting process “{options['slug']}”.")
        result = self._count(budgeting)
        if options["format"] == "json":
            self.stdout.write(json.dumps(result.data, ensure_ascii=False, indent=1))

    def _count(self, budgeting: BudgetingProcess):
        try:
            result = results.count_now(budgeting)
        except results.CountPending as pending:
            raise CommandError(str(pending)) from None
        if result.state != ResultState.DONE:
            raise CommandError(f"Counting failed: {result.error}")
        kind = "final" if result.final else "provisional (voting has not closed)"
        self.stderr.write(
            f"Counted {result.ballots} ballots of “{budgeting.slug}” in {result.seconds:.2f} s "
            f"({kind}):"
        )
        for part in result.data["parts"]:
            self.stderr.write(
                f"  {part['name'] or 'whole area'}: {len(part['selected'])} winners, "
                f"{part['spent']['selected']} of {part['budget']} {budgeting.currency}"
            )
        return result

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
            begin, end = _voting_dates(meta)
            Phase.objects.create(
                process=process, type=PhaseType.VOTING, starts_at=begin, ends_at=end
            )
            Phase.objects.create(
                process=process,
                type=PhaseType.RESULT,
                starts_at=end,
                ends_at=max(end, timezone.now()) + timedelta(days=365),
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


def _voting_dates(meta: dict[str, str]) -> tuple[datetime, datetime]:
    """The voting period a Pabulib file states (date_begin, date_end), else the last day."""
    dates = []
    for key in ("date_begin", "date_end"):
        text = meta.get(key, "").strip()
        found = None
        for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%Y.%m.%d", "%d/%m/%Y", "%Y"):
            try:
                found = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        dates.append(found)
    begin, end = dates
    now = timezone.now()
    if begin is None or end is None:
        return now - timedelta(days=1), now
    begin = timezone.make_aware(begin)
    end = timezone.make_aware(end) + timedelta(days=1)  # the whole last day
    if end <= begin or end > now:
        return now - timedelta(days=1), now
    return begin, end
