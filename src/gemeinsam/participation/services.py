"""Participation actions: each checks permission, runs in a transaction, logs moderation."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from gemeinsam.core.geo import district_at
from gemeinsam.core.hooks import phases_changed
from gemeinsam.core.predicates import can, require
from gemeinsam.participation import limits
from gemeinsam.participation.images import MAX_IMAGES, PreparedImage
from gemeinsam.participation.models import (
    Block,
    Category,
    Comment,
    Idea,
    IdeaImage,
    IdeaStatus,
    ModerationEvent,
    ModerationKind,
    Phase,
    PhaseType,
    Process,
    Rating,
    Report,
)


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
    images: Sequence[PreparedImage] = (),
) -> Idea:
    require(user, "participation.submit_idea", process)
    limits.check(user, "idea", process)
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
    _attach_images(idea, images)
    return idea


@transaction.atomic
def update_idea(
    user,
    idea: Idea,
    *,
    title: str,
    description: str,
    category=None,
    point: Point | None = None,
    images: Sequence[PreparedImage] = (),
    remove_images: Sequence[int] = (),
) -> Idea:
    """Change an idea; pictures named in `remove_images` go, `images` are added (MAX_IMAGES)."""
    require(user, "participation.change_idea", idea)
    if category is not None and category.process_id != idea.process_id:
        raise ValidationError(_("This category belongs to another process."))
    idea.title, idea.description, idea.category = title.strip(), description.strip(), category
    idea.district = _place(idea.process, point)
    idea.longitude = point.longitude if point else None
    idea.latitude = point.latitude if point else None
    idea.full_clean()
    idea.save()
    for image in idea.images.filter(pk__in=remove_images):
        # The file goes only once the rows are gone for good, not on a rollback.
        transaction.on_commit(lambda f=image.image: f.storage.delete(f.name))
        image.delete()
    _attach_images(idea, images)
    return idea


def _attach_images(idea: Idea, images: Sequence[PreparedImage]) -> None:
    """Store pictures that images.prepare_image checked and re-encoded."""
    if not images:
        return
    existing = idea.images.count()
    if existing + len(images) > MAX_IMAGES:
        raise ValidationError(_("An idea can have at most %(max)s pictures.") % {"max": MAX_IMAGES})
    for position, picture in enumerate(images, start=existing):
        if not picture.alt_text:
            raise ValidationError(_("Please describe what each picture shows."))
        image = IdeaImage(idea=idea, alt_text=picture.alt_text, position=position)
        image.image.save(picture.content.name, picture.content, save=False)
        image.full_clean()
        image.save()


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
    limits.check(user, "comment", idea.process)
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
    limits.check(user, "report", target)
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
def set_following(user, process: Process, following: bool) -> None:
    """Follow a process, for the daily digest of what is new in it, or stop following it."""
    if following:
        require(user, "participation.view_process", process)
        if not user.is_authenticated:
            raise PermissionDenied("participation.follow_process")
        process.followers.add(user)
    else:
        process.followers.remove(user)


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
    _log(moderator, process, ModerationKind.BLOCK, reason=f"{user.public_name}: {reason}")
    return block


@transaction.atomic
def unblock_user(moderator, process: Process, user) -> None:
    require(moderator, "participation.moderate_process", process)
    Block.objects.filter(process=process, user=user).delete()
    _log(moderator, process, ModerationKind.UNBLOCK, reason=user.public_name)


# Moderation queue and staff area: reports, processes, phases, categories, moderators.


@transaction.atomic
def resolve_report(moderator, target: Idea | Comment, note: str = "") -> int:
    """Dismiss the open reports on a contribution that stays visible; returns how many."""
    process = target.process if isinstance(target, Idea) else target.idea.process
    require(moderator, "participation.moderate_process", process)
    on_target = Q(idea=target) if isinstance(target, Idea) else Q(comment=target)
    count = Report.objects.filter(on_target, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=moderator
    )
    if count:
        idea = target if isinstance(target, Idea) else target.idea
        comment = None if isinstance(target, Idea) else target
        _log(
            moderator,
            process,
            ModerationKind.RESOLVE_REPORT,
            idea=idea,
            comment=comment,
            reason=note.strip(),
        )
    return count


@dataclass(frozen=True)
class PhaseSpec:
    type: str
    starts_at: datetime
    ends_at: datetime
    title: str = ""
    description: str = ""


@dataclass(frozen=True)
class CategorySpec:
    name: str
    name_en: str = ""
    pk: int | None = None  # an existing category keeps its ideas when renamed


def phase_problems(phases: list[PhaseSpec]) -> list[str]:
    """Why a list of phases cannot be saved: unknown type, end not after start, overlaps."""
    problems = []
    for number, phase in enumerate(phases, start=1):
        if phase.type not in PhaseType.values:
            problems.append(_("Phase %(number)s has an unknown type.") % {"number": number})
        if phase.ends_at <= phase.starts_at:
            problems.append(_("Phase %(number)s must end after it starts.") % {"number": number})
    # Compare each phase with the one reaching furthest so far, so that a long phase
    # is caught overlapping every later one, not only its direct successor.
    ordered = sorted(enumerate(phases, start=1), key=lambda item: item[1].starts_at)
    latest = None
    for number, phase in ordered:
        if latest is not None and phase.starts_at < latest[1].ends_at:
            problems.append(
                _(
                    "Phases %(first)s and %(second)s overlap: phase %(second)s starts "
                    "before phase %(first)s ends."
                )
                % {"first": latest[0], "second": number}
            )
        if latest is None or phase.ends_at > latest[1].ends_at:
            latest = (number, phase)
    return problems


@transaction.atomic
def set_phases(user, process: Process, phases: list[PhaseSpec]) -> list[Phase]:
    """Replace the phases of a process; their order is by start, then by list position."""
    require(user, "participation.change_process", process)
    problems = phase_problems(phases)
    if problems:
        raise ValidationError(problems)
    process.phases.all().delete()
    created = Phase.objects.bulk_create(
        Phase(
            process=process,
            type=phase.type,
            title=phase.title.strip(),
            description=phase.description.strip(),
            starts_at=phase.starts_at,
            ends_at=phase.ends_at,
            position=position,
        )
        for position, phase in enumerate(phases)
    )
    if hasattr(process, "_prefetched_objects_cache"):
        process._prefetched_objects_cache.pop("phases", None)
    transaction.on_commit(lambda: phases_changed.send(sender=Process, process=process))
    return created


@transaction.atomic
def set_categories(user, process: Process, categories: list[CategorySpec]) -> list[Category]:
    """Make the process's categories exactly these; removed ones leave their ideas uncategorised."""
    require(user, "participation.change_process", process)
    names = [c.name.strip().casefold() for c in categories]
    if any(not name for name in names):
        raise ValidationError(_("Every category needs a name."))
    if len(set(names)) != len(names):
        raise ValidationError(_("Two categories have the same name."))
    existing = {c.pk: c for c in process.categories.all()}
    kept = {c.pk for c in categories if c.pk in existing}
    process.categories.exclude(pk__in=kept).delete()
    # Names are unique per process: move the kept ones out of the way first, so that
    # two categories may swap names within one save.
    for pk in kept:
        Category.objects.filter(pk=pk).update(name=f"~{pk}~ (renaming)")
    result = []
    for spec in categories:
        category = existing[spec.pk] if spec.pk in kept else Category(process=process)
        category.name, category.name_en = spec.name.strip(), spec.name_en.strip()
        category.save()
        result.append(category)
    return result


PROCESS_FIELDS = (
    "title",
    "title_en",
    "slug",
    "summary",
    "summary_en",
    "description",
    "description_en",
    "description_easy",
    "image",
    "image_alt",
    "organisation",
    "field_of_action",
    "visibility",
)


def _fill_process(
    process: Process, fields: dict, districts, members, phases, categories, user
) -> Process:
    unknown = set(fields) - set(PROCESS_FIELDS)
    if unknown:
        raise ValueError(f"not process fields: {sorted(unknown)}")
    for name, value in fields.items():
        if name == "image" and value in (None, False):  # none given, or "clear" ticked
            value = "" if value is False or not process.image else process.image
        setattr(process, name, value.strip() if isinstance(value, str) else value)
    if process.image and not process.image_alt:
        raise ValidationError({"image_alt": _("Describe the image for people who cannot see it.")})
    process.full_clean(exclude=["created_by", "digest_sent_until"])
    process.save()
    if districts is not None:
        process.districts.set(districts)
    if members is not None:
        process.members.set(members)
    if phases is not None:
        set_phases(user, process, phases)
    if categories is not None:
        set_categories(user, process, categories)
    return process


@transaction.atomic
def create_process(
    user,
    *,
    fields: dict,
    districts=(),
    members=(),
    phases: list[PhaseSpec] | None = None,
    categories: list[CategorySpec] | None = None,
) -> Process:
    """A new process from the staff form; no districts means the whole city."""
    require(user, "participation.manage_processes")
    process = Process(created_by=user)
    return _fill_process(process, fields, districts, members, phases, categories, user)


@transaction.atomic
def update_process(
    user,
    process: Process,
    *,
    fields: dict,
    districts=None,
    members=None,
    phases: list[PhaseSpec] | None = None,
    categories: list[CategorySpec] | None = None,
) -> Process:
    """Change a process; arguments left as None keep what the process has."""
    require(user, "participation.change_process", process)
    return _fill_process(process, fields, districts, members, phases, categories, user)


@transaction.atomic
def add_moderator(user, process: Process, moderator) -> None:
    require(user, "participation.change_process", process)
    if not moderator.is_active:
        raise ValidationError(_("This account is deactivated."))
    process.moderators.add(moderator)


@transaction.atomic
def remove_moderator(user, process: Process, moderator) -> None:
    require(user, "participation.change_process", process)
    process.moderators.remove(moderator)
