"""Pages and data of a process, cached for visitors without an account.

Most requests to a process come from people reading, not writing. Their pages are the
same for everyone, so they are rendered once per content version and kept in the shared
cache (the database or Redis, so every app server sees the same entries). Each process
has a content version; any saved change to what a visitor could see replaces it after
commit (signals below), which makes older entries unreachable. Phases start and end with
time, not with a save, so an entry also expires at the process's next phase boundary.

Signed-in people always get a freshly rendered page: theirs shows their own rights,
messages and forms with CSRF tokens. A hit costs one shared-cache read (the version);
the page itself usually comes from the app server's own memory ("local" cache).
"""

import hashlib
import time
import uuid
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language


def max_seconds() -> int:
    """At most this long (PARTICIPATION_PAGE_CACHE_SECONDS; 0 turns the cache off), even
    when no phase boundary comes sooner: a safety net for changes made around the ORM."""
    return settings.PARTICIPATION_PAGE_CACHE_SECONDS


def _version_key(slug: str) -> str:
    return f"participation:version:{slug}"


def content_version(slug: str) -> str:
    version = cache.get(_version_key(slug))
    if version is None:
        cache.add(_version_key(slug), uuid.uuid4().hex, timeout=None)
        version = cache.get(_version_key(slug)) or "unversioned"
    return version


def _new_version(slug: str) -> None:
    cache.set(_version_key(slug), uuid.uuid4().hex, timeout=None)


def bump(slug: str) -> None:
    """Make every cached page of the process stale: now, and again after commit.

    A reader between the two bumps may cache what it read before the commit under the
    first new version; the second bump makes that entry unreachable too.
    """
    _new_version(slug)
    transaction.on_commit(lambda: _new_version(slug))


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
        return max_seconds()
    return max(0, min(max_seconds(), int((min(boundaries) - now).total_seconds())))


def is_visitor(request: HttpRequest) -> bool:
    """A reader without a session: no account, no pending messages, nothing personal."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def serve(request: HttpRequest, slug: str, build: Callable[[], HttpResponse]) -> HttpResponse:
    """The cached response for a visitor, or `build()`.

    A built response is kept only when its view marked it (`mark`), is a plain 200 and
    sets no cookie.
    """
    if not is_visitor(request) or max_seconds() <= 0:
        return build()
    path = request.get_full_path().encode()
    digest = hashlib.blake2b(path, digest_size=16).hexdigest()
    key = f"participation:page:{slug}:{content_version(slug)}:{get_language()}:{digest}"
    hit = _lookup(key)
    if hit is not None:
        content, content_type = hit
        return HttpResponse(content, content_type=content_type)
    response = build()
    process = getattr(response, "visitor_cache_process", None)
    seconds = seconds_for(process) if process is not None else 0
    if (
        seconds > 0
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Content-Disposition")
    ):
        _store(key, (response.content, response["Content-Type"]), seconds)
    return response


def fragment[T](process, name: str, build: Callable[[], T]) -> T:
    """A part of a page that is the same for everyone (e.g. the idea cards), cached per
    content version for visitors and signed-in people alike."""
    seconds = seconds_for(process)
    if seconds <= 0:
        return build()
    digest = hashlib.blake2b(name.encode(), digest_size=16).hexdigest()
    key = f"participation:part:{process.slug}:{content_version(process.slug)}:"
    key += f"{get_language()}:{digest}"
    return _remember(key, build, seconds)


def _remember[T](key: str, build: Callable[[], T], seconds: int) -> T:
    hit = _lookup(key)
    if hit is not None:
        return hit
    value = build()
    _store(key, value, seconds)
    return value


def _lookup(key: str):
    """The app server's own copy, else the shared entry (then copied for next time)."""
    local = caches["local"]
    entry = local.get(key)
    if entry is None:
        entry = cache.get(key)
        if entry is not None:  # the local copy lives no longer than the shared entry
            local.set(key, entry, max(1, int(entry[1] - time.time())))
    return None if entry is None else entry[0]


def _store(key: str, value, seconds: int) -> None:
    entry = (value, time.time() + seconds)
    cache.set(key, entry, seconds)
    caches["local"].set(key, entry, seconds)


def mark(response: HttpResponse, process) -> HttpResponse:
    """Let `serve` keep this response, for as long as the process's phases allow."""
    response.visitor_cache_process = process
    return response


def _process_slug(instance) -> str | None:
    """The slug of the process a saved row belongs to, from objects already loaded where the
    services loaded them (they usually have), so that a vote costs no extra query."""
    from gemeinsam.participation.models import Idea, Process

    if isinstance(instance, Process):
        return instance.slug
    holder = instance.idea if _loaded(instance, "idea") else instance
    if _loaded(holder, "process"):
        return holder.process.slug
    process_id = getattr(holder, "process_id", None)
    if process_id is None:  # a comment, rating or picture whose idea is not loaded
        ideas = Idea.objects.filter(pk=instance.idea_id)
        process_id = ideas.values_list("process_id", flat=True).first()
    return Process.objects.filter(pk=process_id).values_list("slug", flat=True).first()


def _loaded(instance, relation: str) -> bool:
    fields = {field.name: field for field in type(instance)._meta.get_fields()}
    return relation in fields and fields[relation].is_cached(instance)


def _on_change(sender, instance, **kwargs) -> None:
    slug = _process_slug(instance)
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
