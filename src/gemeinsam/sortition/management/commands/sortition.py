"""`gemeinsam sortition select|verify`: the standalone sortition command (no database)."""

import sys

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Select a citizens' panel by lot (LEXIMIN or LEGACY), or verify a published draw."

    def add_arguments(self, parser) -> None:
        parser.add_argument("args", nargs="*", help="see `gemeinsam sortition --help`")

    def run_from_argv(self, argv: list[str]) -> None:
        # The command belongs to the Django-free algorithms package: hand it the arguments.
        from gemeinsam.sortition.algorithms import cli

        sys.exit(cli.main(argv[2:]) or 0)

    def handle(self, *args, **options) -> None:  # reached through call_command only
        from gemeinsam.sortition.algorithms import cli

        code = cli.main(list(args), stdout=self.stdout, stderr=self.stderr)
        if code:
            raise CommandError("sortition failed", returncode=code)
