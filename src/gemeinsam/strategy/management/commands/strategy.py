"""`gemeinsam strategy load-gdb|import-measurements|sync|report|export`: seed a strategy from
GD:B's structure, feed its indicators, and write its success-control report and open data."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation


class Command(BaseCommand):
    help = (
        "Strategy: load GD:B's structure, import or pull measurements, write the "
        "success-control report as PDF, export open data."
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        gdb = sub.add_parser("load-gdb", help="create a strategy from a GD:B structure.json")
        gdb.add_argument("file", metavar="FILE", help="JSON file (shared/data/gdb/structure.json)")
        gdb.add_argument("--slug", default="gemeinsam-digital-berlin", help="short name")

        measurements = sub.add_parser(
            "import-measurements", help="import a CSV file of measurements: every row or none"
        )
        measurements.add_argument("slug", metavar="SLUG")
        measurements.add_argument("file", metavar="FILE", help="CSV: indicator,date,value[,note]")

        sync = sub.add_parser("sync", help="pull measurements of indicators fed by a source")
        sync.add_argument("slug", metavar="SLUG")

        report = sub.add_parser("report", help="write the success-control report as PDF")
        report.add_argument("slug", metavar="SLUG")
        report.add_argument("--version", dest="number", type=int, help="default: published")
        report.add_argument("--year", type=int, help="default: this year, so far")
        report.add_argument("--pdf", required=True, metavar="OUT.pdf", help="file to write")
        report.add_argument("--language", choices=["de", "en"], default="de")

        export = sub.add_parser("export", help="write open data as CSV or JSON to stdout or -o")
        export.add_argument("slug", metavar="SLUG")
        export.add_argument(
            "kind", choices=["measures", "indicators", "measurements", "compass", "changelog"]
        )
        export.add_argument("--format", dest="fmt", choices=["csv", "json"], default="csv")
        export.add_argument("--version", dest="number", type=int, help="default: published")
        export.add_argument("-o", "--output", metavar="FILE", help="default: standard output")

    def handle(self, *args, **options) -> None:
        handlers = {
            "load-gdb": self._load_gdb,
            "import-measurements": self._import,
            "sync": self._sync,
            "report": self._report,
            "export": self._export,
        }
        handlers[options["subcommand"]](options)

    def _strategy(self, slug: str):
        from gemeinsam.strategy.models import Strategy

        strategy = Strategy.objects.filter(slug=slug).first()
        if strategy is None:
            raise CommandError(f"there is no strategy {slug!r}")
        return strategy

    def _version(self, strategy, number: int | None):
        version = (
            strategy.published_version
            if number is None
            else strategy.versions.filter(number=number).first()
        )
        if version is None:
            which = "published version" if number is None else f"version {number}"
            raise CommandError(f"{strategy.slug} has no {which}")
        return version

    def _load_gdb(self, options) -> None:
        from gemeinsam.strategy.services import versions

        path = Path(options["file"])
        try:
            structure = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from error
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(f"{path}: not a JSON file ({error})") from error
        try:
            strategy = versions.load_gdb(structure, slug=options["slug"])
        except versions.StrategyError as error:
            raise CommandError(str(error)) from error
        except KeyError as error:
            raise CommandError(f"{path}: not a GD:B structure file (no key {error})") from error
        except (TypeError, AttributeError, ValueError) as error:
            raise CommandError(f"{path}: not a GD:B structure file ({error})") from error
        version = strategy.published_version
        self.stdout.write(
            self.style.SUCCESS(
                f"{strategy.name} ({strategy.slug}) published as version {version.number}: "
                f"{version.values.count()} values, {version.fields_of_action.count()} fields of "
                f"action, {version.goals.count()} goals, {version.measures.count()} measures"
            )
        )

    def _import(self, options) -> None:
        from gemeinsam.strategy.services.imports import ImportFailed, import_measurements

        strategy = self._strategy(options["slug"])
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from error
        with translation.override("en"):
            try:
                report = import_measurements(strategy, content, filename=str(path))
            except ImportFailed as failure:
                for line in failure.report.errors:
                    self.stderr.write(line)
                raise CommandError(
                    f"nothing imported: {len(failure.report.errors)} errors"
                ) from failure
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.rows} rows: {report.created} measurements created, "
                f"{report.updated} updated"
            )
        )

    def _sync(self, options) -> None:
        from gemeinsam.strategy import sources
        from gemeinsam.strategy.services import tracking

        strategy = self._strategy(options["slug"])
        version = strategy.draft or self._version(strategy, None)
        pulled = [i for i in version.indicators.all() if sources.source_for(i.source).pulls]
        if not pulled:
            self.stdout.write("No indicator of this strategy pulls its values from a source.")
            return
        failed = 0
        for indicator in pulled:
            try:
                result = tracking.sync_indicator(indicator)
            except (sources.SourceError, tracking.ProgressError) as error:
                failed += 1
                self.stderr.write(f"{indicator.name}: {error}")
                continue
            self.stdout.write(
                f"{indicator.name}: {result.fetched} values, {result.created} new, "
                f"{result.updated} updated"
            )
        if failed:
            raise CommandError(f"{failed} of {len(pulled)} indicators could not be synced")

    def _report(self, options) -> None:
        from gemeinsam.strategy.exports.report_pdf import render_pdf
        from gemeinsam.strategy.report import build_report, report_years

        strategy = self._strategy(options["slug"])
        version = self._version(strategy, options["number"])
        years = report_years(version)
        year = options["year"] or years[0]
        if year not in years:  # said here, in the command's English, not the report's language
            raise CommandError(f"There is no report for {year} (years: {years[-1]} to {years[0]})")
        with translation.override(options["language"]):
            built = build_report(version, year)
            content = render_pdf(built)
        out = Path(options["pdf"])
        try:
            out.write_bytes(content)
        except OSError as error:
            raise CommandError(f"{out}: {error.strerror or error}") from error
        indicators = len(built.indicators)
        self.stdout.write(
            self.style.SUCCESS(
                f"{out}: report {year} of {strategy.slug} version {version.number}, "
                f"{indicators} indicators, {len(content) // 1024} KiB"
            )
        )

    def _export(self, options) -> None:
        from gemeinsam.strategy.exports import open_data

        strategy = self._strategy(options["slug"])
        version = self._version(strategy, options["number"])
        kind, fmt = options["kind"], options["fmt"]
        content, _content_type, _filename = open_data.export(version, kind, fmt)
        if options["output"]:
            try:
                Path(options["output"]).write_bytes(content)
            except OSError as error:
                raise CommandError(f"{options['output']}: {error.strerror or error}") from error
            self.stderr.write(f"{options['output']}: {len(content)} bytes")
        else:
            stream = getattr(self.stdout, "_out", sys.stdout)
            if hasattr(stream, "buffer"):
                stream.flush()
                stream.buffer.write(content)
                stream.buffer.flush()
            else:
                self.stdout.write(content.decode("utf-8-sig"), ending="")
