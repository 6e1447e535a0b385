"""The JSON API of participation: processes, ideas, comments, ratings and reports.

Same rules and services as the pages; mounted at /api/processes by ParticipationConfig.ready.
"""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.security import django_auth

from gemeinsam.core.api import Message, api, found, not_found
from gemeinsam.core.models import User
from gemeinsam.core.predicates import can
from gemeinsam.participation import selectors, visitor_cache
from gemeinsam.participation.models import (
    Action,
    Block,
    Category,
    Comment,
    Idea,
    IdeaStatus,
    Process,
)
from gemeinsam.participation.predicates import process_of
from gemeinsam.participation.schemas import (
    CommentIn,
    CommentOut,
    CommentPatch,
    Id,
    IdeaDetail,
    IdeaFilters,
    IdeaIn,
    IdeaPage,
    IdeaPatch,
    ProcessDetail,
    ProcessOut,
    RatingIn,
    RatingOut,
    ReportIn,
    ThreadOut,
)
from gemeinsam.participation.services import contributions

router = Router(tags=["participation"])

SLUG = re.compile(r"[-a-zA-Z0-9_]{1,200}")

# Lookups and permission ---------------------------------------------------------------


def _process(request: HttpRequest, slug: str, *, only_id: bool = False) -> Process:
    """A process the user may see; a private one is as unknown to outsiders as a missing one.

    `only_id` loads just the key, for queries that only filter by the process.
    """
    if not SLUG.fullmatch(slug):
        raise not_found()
    processes = selectors.visible_processes(request.user)
    if only_id:
        processes = processes.prefetch_related(None).only("pk")
    process = processes.filter(slug=slug).first()
    if process is None:
        raise not_found()
    return process


def _idea(request: HttpRequest, slug: str, idea_id: int, perm: str = "") -> Idea:
    """An idea the user may see (hidden ones only for moderators); with `perm`, refused with
    the reason unless the user may do that to it."""
    idea = found(selectors.idea_in(_process(request, slug), idea_id, request.user))
    if perm:
        _require(request.user, perm, idea)
    return idea


def _comment(idea: Idea, comment_id: int) -> Comment:
    return found(selectors.comment_on(idea, comment_id))


_ACTION_OF = {
    "participation.submit_idea": Action.SUBMIT,
    "participation.change_idea": Action.SUBMIT,
    "participation.comment_idea": Action.COMMENT,
    "participation.change_comment": Action.COMMENT,
    "participation.rate_idea": Action.RATE,
}


def refusal(user, perm: str, obj) -> str:
    """Why the rule refuses `perm`, in plain words; checked in the order the rule reads."""
    process = process_of(obj)
    if not user.is_authenticated:
        return _("Please log in first.")
    if not user.is_active:
        return _("This account is deactivated.")
    if Block.objects.filter(process=process, user=user).exists():
        return _("The moderators have blocked you from taking part in this process.")
    if getattr(obj, "is_deleted", False) or getattr(obj, "is_hidden", False):
        return _("This contribution is hidden or deleted.")
    changes = perm in ("participation.change_idea", "participation.change_comment")
    if changes and getattr(obj, "author_id", None) != user.pk:
        return _("Only the author may change this.")
    action = _ACTION_OF.get(perm)
    if action and not process.allows(action):
        phase = process.phase_at()
        if phase is None:
            return _("The process is not open for contributions at the moment.")
        return _("This is not possible in the current phase (%(phase)s).") % {"phase": phase}
    return _("This is not possible in the current phase or for you.")


def _require(user, perm: str, obj) -> None:
    """The service checks again; this check only explains a refusal before any other work."""
    if not can(user, perm, obj):
        raise PermissionDenied(refusal(user, perm, obj))


def _category(process: Process, pk: int | None) -> Category | None:
    if pk is None:
        return None
    category = process.categories.filter(pk=pk).first()
    if category is None:
        raise ValidationError({"category": _("Choose one of this process's categories.")})
    return category


def _point(longitude: float | None, latitude: float | None) -> contributions.Point | None:
    if (longitude is None) != (latitude is None):
        raise ValidationError(_("Give both longitude and latitude, or neither."))
    return None if longitude is None else contributions.Point(longitude, latitude)


# Processes ---------------------------------------------------------------------------


@router.get("", response=list[ProcessOut], summary="Processes visible to you")
def list_processes(request: HttpRequest):
    return selectors.visible_processes(request.user).select_related("organisation")


@router.get("/{slug}", response=ProcessDetail, summary="One process with its phases")
def get_process(request: HttpRequest, slug: str):
    process = _process(request, slug)
    user = request.user
    process.permissions = {
        "submit": can(user, "participation.submit_idea", process),
        "comment": can(user, "participation.comment_idea", process),
        "rate": can(user, "participation.rate_idea", process),
        "moderate": can(user, "participation.moderate_process", process),
    }
    return process


# Ideas -------------------------------------------------------------------------------

# The columns of a list item, read in one joined query as plain values: the list is the
# busiest read of the platform, and model instances and ninja's per-field getters cost
# more than the database here. test_api checks the items against IdeaOut and the detail.
LIST_COLUMNS = (
    "id",
    "title",
    "description",
    "status",
    "longitude",
    "latitude",
    "rating_up",
    "rating_down",
    "comment_count",
    "created_at",
    "author_id",
    "author__display_name",
    "category_id",
    "category__name",
    "category__name_en",
    "district__slug",
    "district__name",
)


def _list_item(row: dict, status_labels: dict[str, str]) -> dict:
    author = row.pop("author_id") and User(display_name=row["author__display_name"]).public_name
    return {
        "id": row["id"],
        "title": row["title"],
        "description": row["description"],
        "category": row["category_id"]
        and {
            "id": row["category_id"],
            "name": row["category__name"],
            "name_en": row["category__name_en"],
        },
        "district": row["district__slug"]
        and {"slug": row["district__slug"], "name": row["district__name"]},
        "longitude": row["longitude"],
        "latitude": row["latitude"],
        "status": row["status"],
        "status_label": status_labels[row["status"]],
        "author": author or None,
        "rating_up": row["rating_up"],
        "rating_down": row["rating_down"],
        "score": row["rating_up"] - row["rating_down"],
        "comment_count": row["comment_count"],
        "created_at": row["created_at"],
    }


@router.get("/{slug}/ideas", response=IdeaPage, summary="Ideas of a process, filtered and sorted")
def list_ideas(request: HttpRequest, slug: str, filters: Query[IdeaFilters]):
    return visitor_cache.serve(request, slug, lambda: _list_ideas(request, slug, filters))


def _list_ideas(request: HttpRequest, slug: str, filters: IdeaFilters) -> HttpResponse:
    process = _process(request, slug, only_id=True)
    ideas = selectors.filtered_ideas(
        process,
        q=filters.q.strip(),
        category=filters.category,
        district=filters.district,
        status=filters.status or "",
        sort=filters.sort,
    )
    rows = ideas.values(*LIST_COLUMNS)[filters.offset : filters.offset + filters.limit]
    labels = {value: str(label) for value, label in IdeaStatus.choices}
    page = {
        "count": ideas.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_list_item(row, labels) for row in rows],
    }
    # Already in IdeaPage's shape: rendered directly, without validating it once more.
    response = api.create_response(request, page, status=200)
    return visitor_cache.mark(response, process)


def _idea_detail(request: HttpRequest, idea: Idea) -> Idea:
    user = request.user
    idea.permissions = {
        "change": can(user, "participation.change_idea", idea),
        "comment": can(user, "participation.comment_idea", idea),
        "rate": can(user, "participation.rate_idea", idea),
        "report": can(user, "participation.report_content", idea),
        "moderate": can(user, "participation.moderate_process", idea.process),
    }
    idea.my_rating = selectors.my_rating(idea, user)
    return idea


@router.get("/{slug}/ideas/{idea_id}", response=IdeaDetail, summary="One idea")
def get_idea(request: HttpRequest, slug: str, idea_id: Id):
    return _idea_detail(request, _idea(request, slug, idea_id))


@router.post(
    "/{slug}/ideas",
    response={201: IdeaDetail},
    auth=django_auth,
    summary="Submit an idea",
)
def create_idea(request: HttpRequest, slug: str, payload: IdeaIn):
    process = _process(request, slug)
    _require(request.user, "participation.submit_idea", process)
    idea = contributions.submit_idea(
        request.user,
        process,
        title=payload.title,
        description=payload.description,
        category=_category(process, payload.category),
        point=_point(payload.longitude, payload.latitude),
    )
    return Status(201, _idea_detail(request, idea))


@router.patch(
    "/{slug}/ideas/{idea_id}",
    response=IdeaDetail,
    auth=django_auth,
    summary="Change your idea",
)
def update_idea(request: HttpRequest, slug: str, idea_id: Id, payload: IdeaPatch):
    idea = _idea(request, slug, idea_id, "participation.change_idea")
    sent = payload.model_dump(exclude_unset=True)
    category = _category(idea.process, sent["category"]) if "category" in sent else idea.category
    if "longitude" in sent or "latitude" in sent:
        point = _point(sent.get("longitude"), sent.get("latitude"))
    else:
        point = _point(idea.longitude, idea.latitude)
    contributions.update_idea(
        request.user,
        idea,
        title=sent["title"] if sent.get("title") is not None else idea.title,
        description=(
            sent["description"] if sent.get("description") is not None else idea.description
        ),
        category=category,
        point=point,
    )
    return _idea_detail(request, idea)


# Ratings and reports -----------------------------------------------------------------


def _rate(request: HttpRequest, slug: str, idea_id: int, value: int | None) -> dict:
    """Set or withdraw (None) the user's vote; the idea's new counts and the vote."""
    idea = _idea(request, slug, idea_id, "participation.rate_idea")
    contributions.rate_idea(request.user, idea, value)
    return {
        "rating_up": idea.rating_up,
        "rating_down": idea.rating_down,
        "score": idea.score,
        "my_rating": value,
    }


@router.put(
    "/{slug}/ideas/{idea_id}/rating",
    response=RatingOut,
    auth=django_auth,
    summary="Rate an idea (+1 or -1); rating again replaces your vote",
)
def rate_idea(request: HttpRequest, slug: str, idea_id: Id, payload: RatingIn):
    return _rate(request, slug, idea_id, payload.value)


@router.delete(
    "/{slug}/ideas/{idea_id}/rating",
    response=RatingOut,
    auth=django_auth,
    summary="Withdraw your rating",
)
def withdraw_rating(request: HttpRequest, slug: str, idea_id: Id):
    return _rate(request, slug, idea_id, None)


def _report(request: HttpRequest, target: Idea | Comment, reason: str):
    _require(request.user, "participation.report_content", target)
    contributions.report(request.user, target, reason)
    return Status(201, {"detail": _("Thank you. The moderators will look at it.")})


@router.post(
    "/{slug}/ideas/{idea_id}/report",
    response={201: Message},
    auth=django_auth,
    summary="Report an idea to the moderators",
)
def report_idea(request: HttpRequest, slug: str, idea_id: Id, payload: ReportIn):
    return _report(request, _idea(request, slug, idea_id), payload.reason)


# Comments ----------------------------------------------------------------------------


def _comment_out(comment: Comment, can_moderate: bool) -> dict:
    """Deleted comments keep their place without text or author; hidden ones show why."""
    state = "deleted" if comment.is_deleted else "hidden" if comment.is_hidden else "visible"
    readable = state == "visible" or (state == "hidden" and can_moderate)
    return {
        "id": comment.pk,
        "parent": comment.parent_id,
        "state": state,
        "author": comment.author.public_name if readable and comment.author_id else None,
        "text": comment.text if readable else None,
        "hidden_reason": comment.hidden_reason if state == "hidden" else None,
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
    }


def _moderates(request: HttpRequest, idea: Idea) -> bool:
    return can(request.user, "participation.moderate_process", idea.process)


@router.get(
    "/{slug}/ideas/{idea_id}/comments",
    response=list[ThreadOut],
    summary="Comments on an idea: threads with one level of replies",
)
def list_comments(request: HttpRequest, slug: str, idea_id: Id):
    idea = _idea(request, slug, idea_id)
    can_moderate = _moderates(request, idea)
    return [
        {
            **_comment_out(thread, can_moderate),
            "replies": [_comment_out(reply, can_moderate) for reply in thread.thread_replies],
        }
        for thread in selectors.comment_threads(idea)
    ]


@router.post(
    "/{slug}/ideas/{idea_id}/comments",
    response={201: CommentOut},
    auth=django_auth,
    summary="Comment on an idea, or reply to a comment",
)
def create_comment(request: HttpRequest, slug: str, idea_id: Id, payload: CommentIn):
    idea = _idea(request, slug, idea_id, "participation.comment_idea")
    parent = None
    if payload.parent is not None:
        parent = selectors.comment_on(idea, payload.parent)
        if parent is None:
            raise ValidationError({"parent": _("The comment you reply to does not exist.")})
    comment = contributions.add_comment(request.user, idea, payload.text, parent)
    return Status(201, _comment_out(comment, _moderates(request, idea)))


def _own_comment(request: HttpRequest, slug: str, idea_id: int, comment_id: int) -> Comment:
    comment = _comment(_idea(request, slug, idea_id), comment_id)
    _require(request.user, "participation.change_comment", comment)
    return comment


@router.patch(
    "/{slug}/ideas/{idea_id}/comments/{comment_id}",
    response=CommentOut,
    auth=django_auth,
    summary="Change your comment",
)
def update_comment(
    request: HttpRequest, slug: str, idea_id: Id, comment_id: Id, payload: CommentPatch
):
    comment = _own_comment(request, slug, idea_id, comment_id)
    contributions.edit_comment(request.user, comment, payload.text)
    return _comment_out(comment, _moderates(request, comment.idea))


@router.delete(
    "/{slug}/ideas/{idea_id}/comments/{comment_id}",
    response={204: None},
    auth=django_auth,
    summary="Delete your comment (its place in the thread stays)",
)
def delete_comment(request: HttpRequest, slug: str, idea_id: Id, comment_id: Id):
    contributions.delete_comment(request.user, _own_comment(request, slug, idea_id, comment_id))
    return Status(204, None)


@router.post(
    "/{slug}/ideas/{idea_id}/comments/{comment_id}/report",
    response={201: Message},
    auth=django_auth,
    summary="Report a comment to the moderators",
)
def report_comment(request: HttpRequest, slug: str, idea_id: Id, comment_id: Id, payload: ReportIn):
    comment = _comment(_idea(request, slug, idea_id), comment_id)
    return _report(request, comment, payload.reason)
