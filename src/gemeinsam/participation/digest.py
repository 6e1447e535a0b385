"""The daily digest: one e-mail per follower with what is new in the processes they follow.

Each process remembers the end of the period its last digest covered (digest_sent_until);
a run claims the next period with a conditional update, so overlapping runs never send twice.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.backend import DatabaseBackend

from gemeinsam.core.i18n import localized
from gemeinsam.core.predicates import can
from gemeinsam.participation.models import Comment, Idea, Process

# A first digest, or one after a long pause, looks back at most this far.
FIRST_PERIOD = timedelta(days=1)
LONGEST_PERIOD = timedelta(days=7)
# Ideas listed by title per process; the rest are counted.
LISTED_IDEAS = 20
UNFOLLOW_SALT = "gemeinsam.participation.unfollow"


@dataclass
class ProcessNews:
    process: Process
    start: datetime
    end: datetime
    ideas: list[Idea] = field(default_factory=list)
    more_ideas: int = 0
    responses: list[Idea] = field(default_factory=list)
    comments: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.ideas or self.responses or self.comments)


def unfollow_token(user, process: Process) -> str:
    return signing.dumps([user.pk, process.pk], salt=UNFOLLOW_SALT, compress=True)


def read_unfollow_token(token: str) -> tuple[int, int] | None:
    """(user id, process id) from a token in a digest, or None when it was tampered with."""
    try:
        user_id, process_id = signing.loads(token, salt=UNFOLLOW_SALT)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    return int(user_id), int(process_id)


def claim_period(process: Process, now: datetime) -> tuple[datetime, datetime] | None:
    """Take the period since the last digest for this run, or None if another run has it.

    The update only succeeds while digest_sent_until still holds the value read here;
    a concurrent run waits for the row lock and then finds it changed.
    """
    previous = process.digest_sent_until
    start = max(previous or now - FIRST_PERIOD, now - LONGEST_PERIOD)
    if start >= now:
        return None
    unchanged = {"digest_sent_until": previous} if previous else {"digest_sent_until__isnull": True}
    claimed = Process.objects.filter(pk=process.pk, **unchanged).update(digest_sent_until=now)
    return (start, now) if claimed else None


def collect_news(process: Process, start: datetime, end: datetime) -> ProcessNews:
    """Visible new ideas, official responses and the number of new comments in [start, end)."""
    visible = Idea.objects.filter(process=process, is_hidden=False)
    new_ideas = list(
        visible.filter(created_at__gte=start, created_at__lt=end).order_by("created_at")
    )
    responses = visible.filter(statement_at__gte=start, statement_at__lt=end).order_by(
        "statement_at"
    )
    comments = Comment.objects.filter(
        idea__process=process,
        idea__is_hidden=False,
        is_hidden=False,
        is_deleted=False,
        created_at__gte=start,
        created_at__lt=end,
    ).count()
    return ProcessNews(
        process=process,
        start=start,
        end=end,
        ideas=new_ideas[:LISTED_IDEAS],
        more_ideas=max(0, len(new_ideas) - LISTED_IDEAS),
        responses=list(responses),
        comments=comments,
    )


def _render(user, news: list[ProcessNews]) -> tuple[str, str]:
    with translation.override(user.language):
        sections = [
            {
                "news": item,
                "title": localized(item.process, "title"),
                "url": settings.SITE_URL
                + reverse("participation:process", args=[item.process.slug]),
                "unfollow_url": settings.SITE_URL
                + reverse(
                    "participation:unfollow_link",
                    args=[item.process.slug, unfollow_token(user, item.process)],
                ),
            }
            for item in news
        ]
        context = {"sections": sections, "user": user, "site_url": settings.SITE_URL}
        subject = render_to_string("participation/email/digest_subject.txt", context).strip()
        body = render_to_string("participation/email/digest_body.txt", context)
    return " ".join(subject.split()), body


@transaction.atomic
def send_digests(now: datetime | None = None) -> int:
    """Claim each followed process's period, and queue one mail per follower with news.

    The mails leave after the commit: if anything fails, no period is claimed either.
    """
    from gemeinsam.core.tasks import send_email

    now = now or timezone.now()
    news_of: dict[int, ProcessNews] = {}
    followed = Process.objects.filter(followers__isnull=False).distinct().order_by("pk")
    for process in followed:
        period = claim_period(process, now)
        if period is None:
            continue
        news = collect_news(process, *period)
        if not news.is_empty:
            news_of[process.pk] = news

    follows = (
        Process.followers.through.objects.filter(process_id__in=news_of)
        .select_related("user")
        .order_by("user_id", "process_id")
    )
    per_user: dict[int, list[ProcessNews]] = defaultdict(list)
    users = {}
    for follow in follows:
        user, news = follow.user, news_of[follow.process_id]
        # A private process's news only reach followers who may still see it.
        if user.is_active and user.email and can(user, "participation.view_process", news.process):
            users[user.pk] = user
            per_user[user.pk].append(news)

    # The database queue stores the mails in this transaction, with the claimed periods: a
    # digest killed midway leaves neither, and its rerun sends each mail once.
    in_transaction = isinstance(send_email.get_backend(), DatabaseBackend)
    for user_id, news in per_user.items():
        user = users[user_id]
        subject, body = _render(user, news)
        queue = partial(send_email.enqueue, subject=subject, body=body, to=[user.email])
        queue() if in_transaction else transaction.on_commit(queue)
    return len(per_user)
