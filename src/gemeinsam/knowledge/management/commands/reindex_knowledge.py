"""Rebuild the search index of the knowledge store (needed on SQLite after bulk writes)."""

from django.core.management.base import BaseCommand

from gemeinsam.knowledge import services


class Command(BaseCommand):
    help = "Index every document of the knowledge store afresh."

    def handle(self, *args, **options):
        count = services.rebuild_index()
        self.stdout.write(f"{count} documents indexed.")
