"""Rate limits on posting ideas, comments and reports, shared by pages and API.

Counted from the rows a person created in the window, so every app server sees the same count.
"""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import ngettext

from gemeinsam.core.predicates import is_moderator


@dataclass(frozen=True)
class Limit:
    kind: str
    count: int
    window: timedelta


def limit_for(kind: str) -> Limit:
    count, seconds = settings.PARTICIPATION_RATE_LIMITS[kind]
    return Limit(kind, count, timedelta(seconds=seconds))


def _recent(kind: str, user, since):
    from gemeinsam.participation.models import Comment, Idea, Report

    if kind == "idea":
        return Idea.objects.filter(author=user, created_at__gte=since)
    if kind == "comment":
        return Comment.objects.filter(author=user, created_at__gte=since)
    if kind == "report":
        return Report.objects.filter(reporter=user, created_at__gte=since)
    raise ValueError(f"unknown kind of contribution: {kind}")


def _exempt(user, where) -> bool:
    from gemeinsam.participation.predicates import is_process_moderator

    return is_moderator(user) or (where is not None and is_process_moderator(user, where))


def check(user, kind: str, where=None) -> None:
    """Refuse the contribution with a ValidationError when `user` posted too much lately.

    `where` is the process, idea or comment the contribution goes to; its moderators
    are exempt, as are moderators and staff of the whole platform.

    Call inside the service's transaction: the person's row is locked so that two
    requests at the same moment cannot both pass with the last free slot.
    """
    limit = limit_for(kind)
    if limit.count <= 0 or not user.is_authenticated or _exempt(user, where):
        return
    now = timezone.now()
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    recent = _recent(kind, user, now - limit.window).order_by("-created_at")
    times = list(recent.values_list("created_at", flat=True)[: limit.count])
    if len(times) < limit.count:
        return
    # The oldest of the last `count` contributions leaves the window first.
    retry_at = times[-1] + limit.window
    minutes = max(1, math.ceil((retry_at - now).total_seconds() / 60))
    raise ValidationError(too_many_message(kind, limit, minutes), code="rate_limited")


def too_many_message(kind: str, limit: Limit, minutes: int) -> str:
    if kind == "idea":
        done = ngettext(
            "You have submitted %(count)d idea in the last %(window)d minutes.",
            "You have submitted %(count)d ideas in the last %(window)d minutes.",
            limit.count,
        )
    elif kind == "comment":
        done = ngettext(
            "You have written %(count)d comment in the last %(window)d minutes.",
            "You have written %(count)d comments in the last %(window)d minutes.",
            limit.count,
        )
    else:
        done = ngettext(
            "You have sent %(count)d report in the last %(window)d minutes.",
            "You have sent %(count)d reports in the last %(window)d minutes.",
            limit.count,
        )
    window = int(limit.window.total_seconds() // 60)
    again = ngettext(
        "Please try again in %(minutes)d minute.",
        "Please try again in %(minutes)d minutes.",
        minutes,
    )
    return f"{done % {'count': limit.count, 'window': window}} {again % {'minutes': minutes}}"
