"""Participation actions: each checks permission, runs in a transaction, logs moderation."""

from dataclasses import dataclass

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from gemeinsam.core.geo import district_at
from gemeinsam.participation.models import (
    Block,
    Comment,
    Idea,
    IdeaStatus,
    ModerationEvent,
    ModerationKind,
    Process,
    Rating,
    Report,
)


def can(user, perm: str, obj=None) -> bool:
    """The rule itself, not user.has_perm: superusers too follow the phases."""
    return rules.has_perm(perm, user, obj)


def require(user, perm: str, obj=None) -> None:
    if not can(user, perm, obj):
        raise PermissionDenied(perm)


@dataclass(frozen=True)
class Point:
    longitude: float
    latitude: float


def _place(process: Process, point: Point | None):
    """The district of a point, refused when it lies outside the process's districts."""
    if point is None:
        return None
    if not (-180 <= point.longitude <= 180 and -90 <= point.latitude <= 90):
        raise ValidationError(_("The point is not a valid position on the map."))
    district = district_at(point.longitude, point.latitude)
    allowed = list(process.districts.all())
    if allowed and district not in allowed:
        names = ", ".join(d.name for d in allowed)
        raise ValidationError(
            _("The point lies outside the area of this process (%(districts)s).")
            % {"districts": names}
        )
    return district


@transaction.atomic
def submit_idea(
    user,
    process: Process,
    *,
    title: str,
    description: str,
    category=None,
    point: Point | None = None,
) -> Idea:
    require(user, "participation.submit_idea", process)
    if category is not None and category.process_id != process.pk:
        raise ValidationError(_("This category belongs to another process."))
    district = _place(process, point)
    idea = Idea(
        process=process,
        author=user,
        title=title.strip(),
        description=description.strip(),
        category=category,
        district=district,
        longitude=point.longitude if point else None,
        latitude=point.latitude if point else None,
    )
    idea.full_clean()
    idea.save()
    return idea


@transaction.atomic
def update_idea(
    user, idea: Idea, *, title: str, description: str, category=None, point: Point | None = None
) -> Idea:
    require(user, "participation.change_idea", idea)
    idea.title, idea.description, idea.category = title.strip(), description.strip(), category
    idea.district = _place(idea.process, point)
    idea.longitude = point.longitude if point else None
    idea.latitude = point.latitude if point else None
    idea.full_clean()
    idea.save()
    return idea


def _count_comments(idea_id: int) -> None:
    visible = Comment.objects.filter(idea=OuterRef("pk"), is_deleted=False, is_hidden=False)
    Idea.objects.filter(pk=idea_id).update(
        comment_count=Coalesce(
            Subquery(visible.values("idea").annotate(n=Count("pk")).values("n")), 0
        )
    )


@transaction.atomic
def add_comment(user, idea: Idea, text: str, parent: Comment | None = None) -> Comment:
    require(user, "participation.comment_idea", idea)
    if parent is not None:
        if parent.idea_id != idea.pk:
            raise ValidationError(_("The comment you reply to belongs to another idea."))
        parent = parent.parent or parent  # one level of replies: answer the thread's root
    comment = Comment(idea=idea, author=user, text=text.strip(), parent=parent)
    comment.full_clean()
    comment.save()
    _count_comments(idea.pk)
    return comment


@transaction.atomic
def edit_comment(user, comment: Comment, text: str) -> Comment:
    require(user, "participation.change_comment", comment)
    comment.text, comment.edited_at = text.strip(), timezone.now()
    comment.full_clean()
    comment.save(update_fields=["text", "edited_at"])
    return comment


@transaction.atomic
def delete_comment(user, comment: Comment) -> None:
    """Soft delete: the text goes, the place in the thread stays."""
    require(user, "participation.change_comment", comment)
    comment.is_deleted, comment.text = True, ""
    comment.save(update_fields=["is_deleted", "text"])
    _count_comments(comment.idea_id)


@transaction.atomic
def rate_idea(user, idea: Idea, value: int | None) -> Rating | None:
    """Set the user's vote (+1/-1) or withdraw it (None); one vote per person and idea.

    The idea row is locked first, so concurrent votes on it queue up and the counters
    are recounted from the ratings each time: they can neither double nor vanish.
    """
    require(user, "participation.rate_idea", idea)
    if value not in (1, -1, None):
        raise ValidationError(_("A rating is +1 or -1."))
    Idea.objects.select_for_update().filter(pk=idea.pk).first()
    rating = None
    if value is None:
        Rating.objects.filter(idea=idea, user=user).delete()
    else:
        rating, _created = Rating.objects.update_or_create(
            idea=idea, user=user, defaults={"value": value}
        )
    counts = Rating.objects.filter(idea=idea).aggregate(
        up=Count("pk", filter=Q(value=1)), down=Count("pk", filter=Q(value=-1))
    )
    Idea.objects.filter(pk=idea.pk).update(rating_up=counts["up"], rating_down=counts["down"])
    idea.rating_up, idea.rating_down = counts["up"], counts["down"]
    return rating


@transaction.atomic
def report(user, target: Idea | Comment, reason: str) -> Report:
    require(user, "participation.report_content", target)
    if not reason.strip():
        raise ValidationError(_("Please say what is wrong with this contribution."))
    kind = "idea" if isinstance(target, Idea) else "comment"
    return Report.objects.create(reporter=user, reason=reason.strip(), **{kind: target})


def _log(
    moderator, process: Process, kind: str, *, idea=None, comment=None, reason: str = ""
) -> None:
    subject = idea.title if idea else (comment.text[:100] if comment else "")
    ModerationEvent.objects.create(
        process=process,
        moderator=moderator,
        kind=kind,
        idea=idea,
        comment=comment,
        subject=subject,
        reason=reason,
    )


@transaction.atomic
def set_hidden(moderator, target: Idea | Comment, hidden: bool, reason: str = "") -> None:
    process = target.process if isinstance(target, Idea) else target.idea.process
    require(moderator, "participation.moderate_process", process)
    if hidden and not reason.strip():
        raise ValidationError(_("Give a reason; it is shown in place of the hidden content."))
    target.is_hidden, target.hidden_reason = hidden, reason.strip() if hidden else ""
    target.save(update_fields=["is_hidden", "hidden_reason"])
    kind = ModerationKind.HIDE if hidden else ModerationKind.RESTORE
    if isinstance(target, Idea):
        _log(moderator, process, kind, idea=target, reason=reason)
    else:
        _log(moderator, process, kind, idea=target.idea, comment=target, reason=reason)
        _count_comments(target.idea_id)
    Report.objects.filter(
        Q(idea=target) if isinstance(target, Idea) else Q(comment=target), resolved_at__isnull=True
    ).update(resolved_at=timezone.now(), resolved_by=moderator)


@transaction.atomic
def respond(moderator, idea: Idea, status: str, statement: str) -> Idea:
    """The official response: a status and a public statement; the author hears by e-mail."""
    require(moderator, "participation.moderate_process", idea.process)
    if status not in IdeaStatus.values:
        raise ValidationError(_("Unknown status."))
    if not statement.strip():
        raise ValidationError(_("An official response needs a statement."))
    idea.status, idea.statement = status, statement.strip()
    idea.statement_by, idea.statement_at = moderator, timezone.now()
    idea.save(update_fields=["status", "statement", "statement_by", "statement_at"])
    _log(moderator, idea.process, ModerationKind.RESPOND, idea=idea, reason=statement)
    if idea.author_id:
        from gemeinsam.participation.tasks import notify_author_of_response

        transaction.on_commit(lambda: notify_author_of_response.enqueue(idea_id=idea.pk))
    return idea


@transaction.atomic
def block_user(moderator, process: Process, user, reason: str) -> Block:
    require(moderator, "participation.moderate_process", process)
    if not reason.strip():
        raise ValidationError(_("Give a reason for the block."))
    block, _created = Block.objects.update_or_create(
        process=process, user=user, defaults={"reason": reason.strip()}
    )
    _log(moderator, process, ModerationKind.BLOCK, reason=f"{user.public_name}: {reason}")
    return block


@transaction.atomic
def unblock_user(moderator, process: Process, user) -> None:
    require(moderator, "participation.moderate_process", process)
    Block.objects.filter(process=process, user=user).delete()
    _log(moderator, process, ModerationKind.UNBLOCK, reason=user.public_name)
