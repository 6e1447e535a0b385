"""Pages and data of a process, cached for visitors without an account.

Most requests to a process come from people reading, not writing. Their pages are the
same for everyone, so they are rendered once per content version and kept in the shared
cache (the database or Redis, so every app server sees the same entries). Each process
has a content version; any saved change to what a visitor could see replaces it after
commit (signals below), which makes older entries unreachable. Phases start and end with
time, not with a save, so an entry also expires at the process's next phase boundary.

Signed-in people always get a freshly rendered page: theirs shows their own rights,
messages and forms with CSRF tokens.
"""

import hashlib
import uuid
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language

# At most this long, even when no phase boundary comes sooner: a safety net for changes
# made around the services (raw SQL, another program on the same database).
MAX_SECONDS = 300


def _version_key(slug: str) -> str:
    return f"participation:version:{slug}"


def content_version(slug: str) -> str:
    version = cache.get(_version_key(slug))
    if version is None:
        cache.add(_version_key(slug), uuid.uuid4().hex, timeout=None)
        version = cache.get(_version_key(slug)) or "unversioned"
    return version


def bump(slug: str) -> None:
    """Make every cached page of the process stale, once the transaction commits."""
    transaction.on_commit(lambda: cache.set(_version_key(slug), uuid.uuid4().hex, timeout=None))


def seconds_for(process, now: datetime | None = None) -> int:
    """How long an entry may live: until the next phase boundary, at most MAX_SECONDS."""
    now = now or timezone.now()
    boundaries = [
        moment
        for phase in process.ordered_phases()
        for moment in (phase.starts_at, phase.ends_at)
        if moment > now
    ]
    if not boundaries:
        return MAX_SECONDS
    return max(0, min(MAX_SECONDS, int((min(boundaries) - now).total_seconds())))


def is_visitor(request: HttpRequest) -> bool:
    """A reader without a session: no account, no pending messages, nothing personal."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def serve(
    request: HttpRequest, slug: str, build: Callable[[], HttpResponse], seconds: Callable[[], int]
) -> HttpResponse:
    """The cached response for a visitor, or `build()` (cached when it is a plain 200).

    `seconds` is asked after `build()`, so it can use what the build loaded.
    """
    if not is_visitor(request):
        return build()
    path = request.get_full_path().encode()
    digest = hashlib.blake2b(path, digest_size=16).hexdigest()
    key = f"participation:page:{slug}:{content_version(slug)}:{get_language()}:{digest}"
    hit = cache.get(key)
    if hit is not None:
        content, content_type = hit
        return HttpResponse(content, content_type=content_type)
    response = build()
    if (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Content-Disposition")
    ):
        timeout = seconds()
        if timeout > 0:
            cache.set(key, (response.content, response["Content-Type"]), timeout)
    return response


def _on_change(sender, instance, **kwargs) -> None:
    from gemeinsam.participation.models import Comment, Idea, IdeaImage, Process, Rating

    if isinstance(instance, Process):
        bump(instance.slug)
        return
    if isinstance(instance, Idea):
        idea_id = instance.pk
        process_id = instance.process_id
    elif isinstance(instance, Comment | Rating | IdeaImage):
        idea_id = instance.idea_id
        process_id = None
    else:  # Phase, Category
        process_id = instance.process_id
        idea_id = None
    if process_id is None:
        process_id = Idea.objects.filter(pk=idea_id).values_list("process_id", flat=True).first()
    slug = Process.objects.filter(pk=process_id).values_list("slug", flat=True).first()
    if slug:
        bump(slug)


def connect() -> None:
    """Called from the app's ready(): every save that visitors could see bumps the version."""
    from gemeinsam.participation import models

    for model in (
        models.Process,
        models.Phase,
        models.Category,
        models.Idea,
        models.IdeaImage,
        models.Comment,
        models.Rating,
    ):
        uid = f"participation-visitor-cache-{model.__name__}"
        post_save.connect(_on_change, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=uid + "-delete")
    m2m_changed.connect(
        lambda sender, instance, **kw: (
            _on_change(sender, instance) if isinstance(instance, models.Process) else None
        ),
        sender=models.Process.districts.through,
        dispatch_uid="participation-visitor-cache-districts",
        weak=False,
    )
