"""Background tasks of core, run by `gemeinsam worker` (Django's tasks framework)."""

from django.core.mail import EmailMultiAlternatives
from django.tasks import task


@task()
def send_email(
    subject: str, body: str, to: list[str], from_email: str | None = None, html: str = ""
) -> int:
    """Send one e-mail; a failure stays in the task table with its traceback for retrying."""
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()
