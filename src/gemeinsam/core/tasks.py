"""Background tasks of core, run by `gemeinsam worker` (Django's tasks framework), and the
worker's daily upkeep."""

import logging
import threading

from django.core.mail import EmailMultiAlternatives
from django.db import connections
from django.tasks import task

from . import hooks

log = logging.getLogger(__name__)

DAY = 86_400.0


@task()
def send_email(
    subject: str, body: str, to: list[str], from_email: str | None = None, html: str = ""
) -> int:
    """Send one e-mail; a failure stays in the task table with its traceback for retrying."""
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()


def run_daily_upkeep() -> None:
    """Run every registered upkeep job once; one that fails is logged, the others run."""
    for job in hooks.daily_upkeep():
        try:
            job()
        except Exception:  # upkeep must not stop the worker; the next day tries again
            log.exception("worker upkeep %s failed", getattr(job, "__qualname__", job))


def start_daily_upkeep(interval: float = DAY) -> threading.Thread:
    """Run the upkeep now, then every `interval` seconds in a daemon thread of the worker."""
    run_daily_upkeep()

    def repeat() -> None:
        while not stop.wait(interval):
            run_daily_upkeep()
            connections.close_all()  # this thread's own connections

    stop = threading.Event()
    thread = threading.Thread(target=repeat, name="daily-upkeep", daemon=True)
    thread.start()
    return thread
