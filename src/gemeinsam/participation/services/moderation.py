"""What moderators do: hide and restore contributions, respond officially, block people,
dismiss reports; each action goes to the process's moderation log and core's audit log."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gemeinsam.core import audit
from gemeinsam.core.predicates import can, require
from gemeinsam.participation.models import (
    Block,
    Comment,
    Idea,
    IdeaStatus,
    ModerationEvent,
    ModerationKind,
    Process,
    Report,
)
from gemeinsam.participation.services.contributions import recount_comments


def _log(
    moderator,
    process: Process,
    kind: str,
    *,
    target: Idea | Comment | None = None,
    person=None,
    reason: str = "",
) -> None:
    """Write the process's moderation log and core's audit log.

    The moderation log keeps the subject and the reason for the moderators; the audit log
    keeps only ids and the kind, since reasons and comments may hold personal data.
    """
    idea = target.idea if isinstance(target, Comment) else target
    comment = target if isinstance(target, Comment) else None
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
    facts = {"process": process.pk}
    if idea is not None:
        facts["idea"] = idea.pk
    if comment is not None:
        facts["comment"] = comment.pk
    if person is not None:
        facts["account"] = person.pk
    audit.record(moderator, f"participation.{kind}", target or process, **facts)


def _moderated(moderator, target: Idea | Comment) -> tuple[Process, Q]:
    """The process of a moderated idea or comment, once its moderator is checked, and the
    condition that finds the reports on it."""
    is_idea = isinstance(target, Idea)
    process = target.process if is_idea else target.idea.process
    require(moderator, "participation.moderate_process", process)
    return process, Q(idea=target) if is_idea else Q(comment=target)


@transaction.atomic
def set_hidden(moderator, target: Idea | Comment, hidden: bool, reason: str = "") -> None:
    process, on_target = _moderated(moderator, target)
    if hidden and not reason.strip():
        raise ValidationError(_("Give a reason; it is shown in place of the hidden content."))
    target.is_hidden, target.hidden_reason = hidden, reason.strip() if hidden else ""
    target.save(update_fields=["is_hidden", "hidden_reason"])
    kind = ModerationKind.HIDE if hidden else ModerationKind.RESTORE
    _log(moderator, process, kind, target=target, reason=reason)
    if isinstance(target, Comment):
        recount_comments(target.idea_id)
    Report.objects.filter(on_target, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=moderator
    )


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
    _log(moderator, idea.process, ModerationKind.RESPOND, target=idea, reason=statement)
    if idea.author_id:
        from gemeinsam.participation.tasks import notify_author_of_response

        transaction.on_commit(lambda: notify_author_of_response.enqueue(idea_id=idea.pk))
    return idea


@transaction.atomic
def block_user(moderator, process: Process, user, reason: str) -> Block:
    require(moderator, "participation.moderate_process", process)
    if not reason.strip():
        raise ValidationError(_("Give a reason for the block."))
    if can(user, "participation.moderate_process", process):
        raise ValidationError(_("Moderators of this process cannot be blocked from it."))
    block, _created = Block.objects.update_or_create(
        process=process, user=user, defaults={"reason": reason.strip()}
    )
    _log(
        moderator,
        process,
        ModerationKind.BLOCK,
        person=user,
        reason=f"{user.public_name}: {reason}",
    )
    return block


@transaction.atomic
def unblock_user(moderator, process: Process, user) -> None:
    require(moderator, "participation.moderate_process", process)
    Block.objects.filter(process=process, user=user).delete()
    _log(moderator, process, ModerationKind.UNBLOCK, person=user, reason=user.public_name)


@transaction.atomic
def resolve_report(moderator, target: Idea | Comment, note: str = "") -> int:
    """Dismiss the open reports on a contribution that stays visible; returns how many."""
    process, on_target = _moderated(moderator, target)
    count = Report.objects.filter(on_target, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=moderator
    )
    if count:
        _log(moderator, process, ModerationKind.RESOLVE_REPORT, target=target, reason=note.strip())
    return count
