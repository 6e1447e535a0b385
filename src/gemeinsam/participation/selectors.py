"""Read-side queries shared by pages, API and exports: visible processes, filtered ideas."""

from django.db.models import Q, QuerySet

from gemeinsam.participation.models import Idea, Process, Visibility

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
    ideas = Idea.objects.filter(process=process, is_hidden=False).select_related(
        "category", "district", "author"
    )
    if q:
        ideas = ideas.filter(Q(title__icontains=q) | Q(description__icontains=q))
    if category:
        ideas = ideas.filter(category_id=category)
    if district:
        ideas = ideas.filter(district__slug=district)
    if status:
        ideas = ideas.filter(status=status)
    return ideas.order_by(*SORT_ORDER.get(sort or "new", SORT_ORDER["new"]))


def running_process_cards(request) -> list:
    """Home page cards for the processes with a phase running now."""
    from django.urls import reverse
    from django.utils.formats import date_format
    from django.utils.translation import gettext as _

    from gemeinsam.core.registry import ProcessCard

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
