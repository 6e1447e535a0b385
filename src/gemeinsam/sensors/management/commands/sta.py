"""`gemeinsam sta import-luftdaten DIR`: import BLUME hourly air-quality exports of
luftdaten.berlin.de as SensorThings Things, Datastreams and Observations."""

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
    help = "SensorThings: import measurement files."

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

    def handle(self, *args, **options) -> None:
        if options["subcommand"] == "import-luftdaten":
            self._import_luftdaten(options)

    def _import_luftdaten(self, options) -> None:
        from pathlib import Path

        from gemeinsam.sensors.imports import import_luftdaten

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
