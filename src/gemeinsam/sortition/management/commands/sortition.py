"""`gemeinsam sortition select|verify`: the standalone sortition command (no database);
`gemeinsam sortition verify <panel>`: check a recorded draw (seed procedure, seed, panel);
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
        if (len(argv) > 2 and argv[2] in DATABASE_COMMANDS) or _verify_panel(argv[2:]):
            return super().run_from_argv(argv)
        # select and verify belong to the Django-free algorithms package: hand them over.
        from gemeinsam.sortition.algorithms import cli

        sys.exit(cli.main(argv[2:]) or 0)

    def handle(self, *args, **options) -> None:
        if args and args[0] == "purge":
            return self._purge()
        if _verify_panel(list(args)):
            return self._verify(args[1])
        from gemeinsam.sortition.algorithms import cli

        code = cli.main(list(args), stdout=self.stdout, stderr=self.stderr)
        if code:
            raise CommandError("sortition failed", returncode=code)

    def _verify(self, slug: str) -> None:
        from gemeinsam.sortition.models import Panel
        from gemeinsam.sortition.services.verification import verify_panel

        panel = Panel.objects.filter(slug=slug).first()
        if panel is None:
            raise CommandError(f"no panel with the short name {slug!r}", returncode=2)
        report = verify_panel(panel)
        for line in report.passed:
            self.stdout.write(f"ok: {line}")
        for line in report.notes:
            self.stdout.write(f"note: {line}")
        for line in report.problems:
            self.stdout.write(f"DIFFERS: {line}")
        if not report.ok:
            raise CommandError(f"{panel.slug}: the draw does not verify", returncode=1)
        self.stdout.write(f"{panel.slug}: OK")

    def _purge(self) -> None:
        from gemeinsam.sortition.services.privacy import purge_due

        for panel in purge_due():
            self.stdout.write(f"{panel.slug}: personal data of people not selected deleted")


def _verify_panel(args: list[str]) -> bool:
    """`verify <panel>` checks a recorded draw; `verify --features ...` the published files."""
    return len(args) == 2 and args[0] == "verify" and not args[1].startswith("-")
