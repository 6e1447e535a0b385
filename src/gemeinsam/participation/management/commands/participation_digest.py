"""Send the daily digest to the followers of participation processes; run it daily by cron."""

from django.core.management.base import BaseCommand

from gemeinsam.participation.tasks import send_daily_digests


class Command(BaseCommand):
    help = (
        "Send each follower one e-mail with what is new in the processes they follow "
        "since the last digest. Safe to run twice: a period is never sent twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="hand the digest to the background worker instead of running it now",
        )

    def handle(self, *args, enqueue: bool = False, **options):
        if enqueue:
            result = send_daily_digests.enqueue()
            self.stdout.write(f"Digest queued as task {result.id}.")
            return
        sent = send_daily_digests.call()
        self.stdout.write(f"Digest: {sent} e-mail(s) queued for sending by the worker.")
