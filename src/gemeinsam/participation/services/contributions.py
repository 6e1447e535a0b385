"""What participants do: submit and change ideas, comment, rate, report, follow; and what
happens to their contributions when they delete their account."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from gemeinsam.core.geo import district_at
from gemeinsam.core.predicates import require
from gemeinsam.participation import limits
from gemeinsam.participation.images import MAX_IMAGES, PreparedImage
from gemeinsam.participation.models import (
    Block,
    Comment,
    Idea,
    IdeaImage,
    Process,
    Rating,
    Report,
)


@dataclass(frozen=True)
class Point:
    longitude: float
    latitude: float


def _place(idea: Idea, category, point: Point | None) -> None:
    """Set the idea's category, district and coordinates; refuse another process's category
    and a point outside the process's districts."""
    if category is not None and category.process_id != idea.process_id:
        raise ValidationError(_("This category belongs to another process."))
    idea.category = category
    idea.district = _district(idea.process, point)
    idea.longitude = point.longitude if point else None
    idea.latitude = point.latitude if point else None


def _district(process: Process, point: Point | None):
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
    idea = Idea(process=process, author=user, title=title.strip(), description=description.strip())
    _place(idea, category, point)
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
    idea.title, idea.description = title.strip(), description.strip()
    _place(idea, category, point)
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


def recount_comments(idea_id: int) -> None:
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
    recount_comments(idea.pk)
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
    recount_comments(comment.idea_id)


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
def erase_personal_data(user) -> None:
    """On account deletion: ideas, comments and reports stay without their author (they are
    part of a public record others replied to); ratings, follows, memberships and blocks go,
    and the ideas the ratings were on are recounted."""
    Idea.objects.filter(author=user).update(author=None)
    Comment.objects.filter(author=user).update(author=None)
    Report.objects.filter(reporter=user).update(reporter=None)

    rated = list(Rating.objects.filter(user=user).values_list("idea_id", flat=True))
    # Lock the ideas as rate_idea does, so a concurrent vote cannot slip between delete and count.
    list(Idea.objects.select_for_update().filter(pk__in=rated).values_list("pk", flat=True))
    Rating.objects.filter(user=user).delete()
    votes = Rating.objects.filter(idea=OuterRef("pk")).values("idea")

    def count(value: int):
        counted = votes.annotate(n=Count("pk", filter=Q(value=value))).values("n")
        return Coalesce(Subquery(counted), 0)

    Idea.objects.filter(pk__in=rated).update(rating_up=count(1), rating_down=count(-1))

    user.followed_processes.clear()
    user.invited_processes.clear()
    user.moderated_processes.clear()
    Block.objects.filter(user=user).delete()
