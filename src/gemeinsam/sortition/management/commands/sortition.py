"""`gemeinsam sortition select|verify`: the standalone sortition command (no database);
`gemeinsam sortition purge`: delete personal data whose period has passed (run daily)."""

import sys

from django.core.management.base import BaseCommand, CommandError

DATABASE_COMMANDS = ("purge",)


class Command(BaseCommand):
    help = (
        "Select a citizens' panel by lot (LEXIMIN or LEGACY), verify a published draw, or "
        "purge personal data of people not selected once its period has passed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("args", nargs="*", help="see `gemeinsam sortition --help`")

    def run_from_argv(self, argv: list[str]) -> None:
        if len(argv) > 2 and argv[2] in DATABASE_COMMANDS:
            return super().run_from_argv(argv)
        # select and verify belong to the Django-free algorithms package: hand them over.
        from gemeinsam.sortition.algorithms import cli

        sys.exit(cli.main(argv[2:]) or 0)

    def handle(self, *args, **options) -> None:
        if args and args[0] == "purge":
            return self._purge()
        from gemeinsam.sortition.algorithms import cli

        code = cli.main(list(args), stdout=self.stdout, stderr=self.stderr)
        if code:
            raise CommandError("sortition failed", returncode=code)

    def _purge(self) -> None:
        from gemeinsam.sortition.services.privacy import purge_due

        for panel in purge_due():
            self.stdout.write(f"{panel.slug}: personal data of people not selected deleted")
