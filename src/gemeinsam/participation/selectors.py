"""Read-side queries shared by pages, API and exports: visible processes, filtered ideas."""

from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connections
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from gemeinsam.participation.models import (
    Comment,
    Idea,
    ModerationEvent,
    Process,
    Report,
    Visibility,
)

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


def moderation_log(process: Process | None = None) -> QuerySet[ModerationEvent]:
    events = ModerationEvent.objects.select_related("moderator", "process", "idea")
    return events.filter(process=process) if process is not None else events


def staff_processes() -> QuerySet[Process]:
    """Every process, private ones too, with the counts the staff overview shows."""

    def count(model, path: str):
        rows = model.objects.filter(**{path: OuterRef("pk")}).order_by()
        return Coalesce(Subquery(rows.values(path).annotate(n=Count("pk")).values("n")), 0)

    open_on_ideas = Report.objects.filter(resolved_at__isnull=True, idea__isnull=False)
    open_on_comments = Report.objects.filter(resolved_at__isnull=True, comment__isnull=False)
    return Process.objects.prefetch_related("phases").annotate(
        idea_count=count(Idea, "process"),
        comment_total=count(Comment, "idea__process"),
        report_count=Coalesce(
            Subquery(
                open_on_ideas.filter(idea__process=OuterRef("pk"))
                .order_by()
                .values("idea__process")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        )
        + Coalesce(
            Subquery(
                open_on_comments.filter(comment__idea__process=OuterRef("pk"))
                .order_by()
                .values("comment__idea__process")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        ),
    )
