"""Background tasks of participation: e-mails about official responses, the daily digest."""

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation


@task()
def notify_author_of_response(idea_id: int) -> int:
    from gemeinsam.participation.models import Idea

    idea = Idea.objects.select_related("author", "process").filter(pk=idea_id).first()
    if idea is None or idea.author is None:
        return 0
    with translation.override(idea.author.language):
        context = {"idea": idea, "site_url": settings.SITE_URL}
        subject = render_to_string("participation/email/response_subject.txt", context).strip()
        body = render_to_string("participation/email/response_body.txt", context)
    return send_mail(subject, body, None, [idea.author.email])


@task()
def send_daily_digests() -> int:
    """The daily digest for followers of processes; `gemeinsam participation-digest` runs it."""
    from gemeinsam.participation.digest import send_digests

    return send_digests()
