"""Read-side queries shared by pages, API and exports: visible processes, filtered ideas,
the lookups of one process, idea or comment, the map's outline, the moderation queue."""

import json
import threading
from dataclasses import dataclass, field

import shapely
from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connections
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from gemeinsam.core.geo import map_settings
from gemeinsam.core.predicates import can
from gemeinsam.lib.geo import area_from_geojson
from gemeinsam.participation.models import (
    Block,
    Comment,
    Idea,
    ModerationEvent,
    Process,
    Report,
    Visibility,
)

# About 10 m: enough for an outline on a city map, a fraction of the original size.
OUTLINE_TOLERANCE = 0.0001

SORT_ORDER = {
    "new": ["-created_at", "-id"],
    "rated": ["-rating_up", "-created_at", "-id"],
    "discussed": ["-comment_count", "-created_at", "-id"],
}


def visible_processes(user) -> QuerySet[Process]:
    processes = Process.objects.prefetch_related("phases")
    if user.is_authenticated and (user.is_superuser or user.has_role("staff")):
        return processes
    public = Q(visibility=Visibility.PUBLIC)
    if not user.is_authenticated:
        return processes.filter(public)
    return processes.filter(public | Q(members=user) | Q(moderators=user)).distinct()


def get_process_for(request: HttpRequest, slug: str) -> Process:
    """The process the user may see, else 404: a private one is as unknown as a missing one."""
    return get_object_or_404(visible_processes(request.user), slug=slug)


def idea_in(process: Process, pk, user) -> Idea | None:
    """An idea of the process, or None; a hidden one only for the process's moderators."""
    idea = (
        Idea.objects.select_related("author", "category", "district")
        .defer("district__geometry")
        .filter(process=process, pk=pk)
        .first()
    )
    if idea is None:
        return None
    idea.process = process
    if idea.is_hidden and not can(user, "participation.moderate_process", process):
        return None
    return idea


def get_idea_for(request: HttpRequest, slug: str, pk: int) -> Idea:
    """An idea in a process the user may see, else 404 (hidden ones for moderators only)."""
    idea = idea_in(get_process_for(request, slug), pk, request.user)
    if idea is None:
        raise Http404
    return idea


def comment_on(idea: Idea, pk) -> Comment | None:
    """A comment on the idea, which comes with its process already loaded and checked."""
    if not str(pk).isdigit():
        return None
    comment = Comment.objects.filter(idea=idea, pk=pk).first()
    if comment is not None:
        comment.idea = idea
    return comment


def get_comment_on(idea: Idea, pk) -> Comment:
    comment = comment_on(idea, pk)
    if comment is None:
        raise Http404
    return comment


def comment_threads(idea: Idea) -> list[Comment]:
    """The idea's comments without a parent, oldest first, each with its `thread_replies`."""
    comments = list(idea.comments.select_related("author"))
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id:
            replies.setdefault(comment.parent_id, []).append(comment)
    threads = [comment for comment in comments if comment.parent_id is None]
    for thread in threads:
        thread.thread_replies = replies.get(thread.pk, [])
    return threads


def my_rating(idea: Idea, user) -> int | None:
    """The user's vote on the idea (+1 or -1), or None."""
    if not user.is_authenticated:
        return None
    return idea.ratings.filter(user=user).values_list("value", flat=True).first()


def filtered_ideas(
    process: Process,
    *,
    q: str = "",
    category: int | None = None,
    district: str = "",
    status: str = "",
    sort: str = "new",
) -> QuerySet[Idea]:
    ideas = (
        Idea.objects.filter(process=process, is_hidden=False)
        .select_related("category", "district", "author")
        .defer("district__geometry")
    )
    if q:
        ideas = _search(ideas, q)
    if category:
        ideas = ideas.filter(category_id=category)
    if district:
        ideas = ideas.filter(district__slug=district)
    if status:
        ideas = ideas.filter(status=status)
    return ideas.order_by(*SORT_ORDER.get(sort or "new", SORT_ORDER["new"]))


def _search(ideas: QuerySet[Idea], q: str) -> QuerySet[Idea]:
    """Full text with German stemming on PostgreSQL ("Bäume" finds "Baum"), plus substrings.

    SQLite has no German stemmer, so there it is a case-insensitive substring search over
    title and description; PostgreSQL runs that too, so that a word fragment ("Rad" in
    "Radweg") finds the same ideas on both databases.
    """
    substring = Q(title__icontains=q) | Q(description__icontains=q)
    if connections[ideas.db].vendor != "postgresql":
        return ideas.filter(substring)
    vector = SearchVector("title", weight="A", config="german") + SearchVector(
        "description", weight="B", config="german"
    )
    query = SearchQuery(q, config="german", search_type="websearch")
    return ideas.annotate(search=vector).filter(Q(search=query) | substring)


def running_process_cards(request) -> list:
    """Home page cards for the processes with a phase running now."""
    from django.urls import reverse
    from django.utils.formats import date_format
    from django.utils.translation import gettext as _

    from gemeinsam.core.hooks import ProcessCard

    cards = []
    for process in visible_processes(request.user):
        phase = process.phase_at()
        if phase is None:
            continue
        cards.append(
            ProcessCard(
                title=process.title,
                url=reverse("participation:process", args=[process.slug]),
                kind=str(_("Participation")),
                summary=process.summary,
                phase=str(phase),
                ends=date_format(phase.ends_at, "DATE_FORMAT"),
            )
        )
    return cards


_outline_lock = threading.Lock()
_outlines: dict[tuple, dict] = {}


def district_outline(process: Process) -> dict | None:
    """The process's districts as simplified GeoJSON, cached per district version."""
    versions = tuple(process.districts.order_by("pk").values_list("pk", "updated_at"))
    if not versions:
        return None
    with _outline_lock:
        cached = _outlines.get(versions)
    if cached is not None:
        return cached
    features = []
    for name, geometry in process.districts.order_by("pk").values_list("name", "geometry"):
        simple = shapely.simplify(area_from_geojson(geometry), OUTLINE_TOLERANCE)
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(shapely.to_geojson(simple, indent=None)),
                "properties": {"name": name},
            }
        )
    outline = {"type": "FeatureCollection", "features": features}
    with _outline_lock:
        _outlines[versions] = outline
    return outline


def map_context(process: Process, *, outline: bool = False) -> dict:
    """What a map needs to start: tiles, attribution, centre, and the districts' outline."""
    return {**map_settings(), "outline": district_outline(process) if outline else None}


# Moderation and staff area: the report queue, hidden content, the audit log.


def open_reports(process: Process) -> QuerySet[Report]:
    return Report.objects.filter(
        Q(idea__process=process) | Q(comment__idea__process=process), resolved_at__isnull=True
    )


def open_report_count(process: Process) -> int:
    return open_reports(process).count()


@dataclass
class QueueItem:
    """One reported idea or comment with all its open reports."""

    kind: str  # "idea" or "comment"
    target: Idea | Comment
    idea: Idea
    reports: list[Report] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.reports)


def moderation_queue(process: Process) -> list[QueueItem]:
    """Open reports grouped by what they report, the most reported first."""
    reports = open_reports(process).select_related(
        "reporter", "idea__author", "comment__author", "comment__idea"
    )
    items: dict[tuple[str, int], QueueItem] = {}
    for report in reports:
        if report.idea_id:
            key, target, idea = ("idea", report.idea_id), report.idea, report.idea
        else:
            key, target, idea = ("comment", report.comment_id), report.comment, report.comment.idea
        idea.process = process
        items.setdefault(key, QueueItem(kind=key[0], target=target, idea=idea))
        items[key].reports.append(report)
    return sorted(items.values(), key=lambda item: (-item.count, item.reports[0].created_at))


def hidden_content(process: Process) -> tuple[QuerySet[Idea], QuerySet[Comment]]:
    ideas = Idea.objects.filter(process=process, is_hidden=True).select_related("author")
    comments = Comment.objects.filter(idea__process=process, is_hidden=True).select_related(
        "author", "idea"
    )
    return ideas, comments


def blocks(process: Process) -> QuerySet[Block]:
    """The people blocked from the process, with their accounts."""
    return Block.objects.filter(process=process).select_related("user")


def contributor_in(process: Process, user_pk: int):
    """The account if it wrote an idea or comment in the process, else None: only
    contributors can be blocked from a process."""
    contributed = (
        Idea.objects.filter(process=process, author_id=user_pk).exists()
        or Comment.objects.filter(idea__process=process, author_id=user_pk).exists()
    )
    return get_user_model().objects.filter(pk=user_pk).first() if contributed else None


def moderation_log(process: Process | None = None) -> QuerySet[ModerationEvent]:
    events = ModerationEvent.objects.select_related("moderator", "process", "idea")
    return events.filter(process=process) if process is not None else events


def staff_processes() -> QuerySet[Process]:
    """Every process, private ones too, with the counts the staff overview shows."""

    def count(rows: QuerySet, path: str):
        rows = rows.filter(**{path: OuterRef("pk")}).order_by()
        return Coalesce(Subquery(rows.values(path).annotate(n=Count("pk")).values("n")), 0)

    unresolved = Report.objects.filter(resolved_at__isnull=True)
    return Process.objects.prefetch_related("phases").annotate(
        idea_count=count(Idea.objects.all(), "process"),
        comment_total=count(Comment.objects.all(), "idea__process"),
        report_count=count(unresolved.filter(idea__isnull=False), "idea__process")
        + count(unresolved.filter(comment__isnull=False), "comment__idea__process"),
    )
