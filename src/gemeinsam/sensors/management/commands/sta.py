"""`gemeinsam sta import-luftdaten DIR`: import BLUME hourly air-quality exports of
luftdaten.berlin.de as SensorThings Things, Datastreams and Observations.
`gemeinsam sta token create|list|revoke`: the bearer tokens with which devices write."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

MAX_LISTED_PROBLEMS = 50


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD)") from error


def _coordinates(pairs: list[str]) -> dict[str, tuple[float, float]]:
    result = {}
    for pair in pairs:
        try:
            code, position = pair.split("=", 1)
            latitude, longitude = (float(part) for part in position.split(","))
        except ValueError as error:
            raise CommandError(f"--coordinates {pair!r}: expected CODE=LAT,LON") from error
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise CommandError(f"--coordinates {pair!r}: latitude or longitude out of range")
        result[code] = (latitude, longitude)
    return result


class Command(BaseCommand):
    help = "SensorThings: import measurement files; issue, list and revoke access tokens."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        luftdaten = sub.add_parser(
            "import-luftdaten",
            help="import hourly BLUME CSV exports of luftdaten.berlin.de (files or folders)",
        )
        luftdaten.add_argument("paths", nargs="+", metavar="DIR", help="folder or .csv(.gz) file")
        luftdaten.add_argument(
            "--stations", help="only these station codes, comma-separated (MC010,MC115)"
        )
        luftdaten.add_argument("--since", type=_date, help="first local day to import (YYYY-MM-DD)")
        luftdaten.add_argument("--until", type=_date, help="last local day to import (YYYY-MM-DD)")
        luftdaten.add_argument(
            "--coordinates",
            action="append",
            default=[],
            metavar="CODE=LAT,LON",
            help="position of a station that the built-in table does not know (repeatable)",
        )

        luftdaten.add_argument(
            "--publish",
            action="store_true",
            help="also publish each imported observation on MQTT (off: history floods subscribers)",
        )

        token = sub.add_parser("token", help="access tokens with which devices and services write")
        token.add_argument("action", choices=["create", "list", "revoke"])
        token.add_argument("--user", help="e-mail of the account the token acts for (create)")
        token.add_argument("--name", help="what the token is for, e.g. 'Kiezbox Moabit' (create)")
        token.add_argument("--id", type=int, help="the token to revoke (see list)")

    def handle(self, *args, **options) -> None:
        if options["subcommand"] == "import-luftdaten":
            self._import_luftdaten(options)
        elif options["subcommand"] == "token":
            self._token(options)

    def _token(self, options) -> None:
        from gemeinsam.core.models import User
        from gemeinsam.sensors import services
        from gemeinsam.sensors.models import AccessToken

        action = options["action"]
        if action == "create":
            if not options["user"] or not options["name"]:
                raise CommandError("token create needs --user EMAIL and --name NAME")
            user = User.objects.filter(email__iexact=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"no active account with the e-mail {options['user']}")
            token, secret = services.issue_token(None, user, options["name"])
            self.stdout.write(f"Token {token.pk} ({token.name}) for {user.email}; shown only now:")
            self.stdout.write(secret)
            self.stdout.write("Send it as 'Authorization: Bearer <token>' (or as Basic password).")
        elif action == "list":
            for token in AccessToken.objects.select_related("user").order_by("pk"):
                state = "revoked" if token.revoked else "active"
                used = f"{token.last_used:%Y-%m-%d %H:%M}" if token.last_used else "never"
                self.stdout.write(
                    f"{token.pk:>5}  {state:<8}  {token.user.email:<30}  last used {used}  "
                    f"{token.name}"
                )
        else:
            if options["id"] is None:
                raise CommandError("token revoke needs --id N (see `gemeinsam sta token list`)")
            token = AccessToken.objects.filter(pk=options["id"]).first()
            if token is None:
                raise CommandError(f"there is no token {options['id']}")
            services.revoke_token(None, token)
            self.stdout.write(f"Token {options['id']} revoked.")

    def _import_luftdaten(self, options) -> None:
        from pathlib import Path

        from gemeinsam.sensors.imports.blume import import_luftdaten

        for path in options["paths"]:
            if not Path(path).exists():
                raise CommandError(f"{path}: no such file or folder")
        stations = [s for s in (options["stations"] or "").split(",") if s.strip()]
        if options["since"] and options["until"] and options["since"] > options["until"]:
            raise CommandError("--since lies after --until")
        began = time.monotonic()
        report = import_luftdaten(
            options["paths"],
            stations=stations,
            since=options["since"],
            until=options["until"],
            coordinates=_coordinates(options["coordinates"]),
            progress=self.stdout.write,
            publish=options["publish"],
        )
        elapsed = time.monotonic() - began
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(f"warning: {warning}"))
        if not report.files:
            raise CommandError("no .csv or .csv.gz files found")
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.files} files, {report.rows} rows read in {elapsed:.1f} s: "
                f"{report.created} observations created, {report.duplicates} duplicates "
                f"skipped, {report.flagged} flagged implausible, "
                f"{len(report.problems)} bad rows"
                + (
                    f", {report.out_of_range} values outside the selection"
                    if report.out_of_range
                    else ""
                )
            )
        )
        for thing in report.things:
            self.stdout.write(f"  Thing {thing.pk}: {thing.name}")
        self._list("Flagged implausible (stored, excluded from charts):", report.flags)
        self._list("Bad rows (not imported):", report.problems)

    def _list(self, title: str, problems) -> None:
        if not problems:
            return
        self.stdout.write(title)
        for problem in problems[:MAX_LISTED_PROBLEMS]:
            self.stdout.write(f"  {problem}")
        if len(problems) > MAX_LISTED_PROBLEMS:
            self.stdout.write(f"  ... and {len(problems) - MAX_LISTED_PROBLEMS} more")
