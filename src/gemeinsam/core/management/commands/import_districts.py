"""gemeinsam import-districts FILE: load district boundaries from a GeoJSON file."""

from django.core.management.base import BaseCommand, CommandError

from gemeinsam.core.services import DataImportError, import_districts


class Command(BaseCommand):
    help = "Create or update districts (Bezirke) from a GeoJSON FeatureCollection in WGS84."

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON file, e.g. bezirksgrenzen_alkis.geojson")
        parser.add_argument(
            "--name-property",
            help="feature property holding the name "
            "(default: detected, e.g. Gemeinde_name or name)",
        )
        parser.add_argument(
            "--code-property",
            help="feature property holding the official "
            "key (default: detected, e.g. Gemeinde_schluessel)",
        )

    def handle(self, *args, **options):
        try:
            result = import_districts(
                options["file"],
                name_property=options["name_property"],
                code_property=options["code_property"],
            )
        except DataImportError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.total} districts ({result.created} new, {result.updated} "
                f"updated, {result.repaired} repaired) from {options['file']}"
            )
        )
