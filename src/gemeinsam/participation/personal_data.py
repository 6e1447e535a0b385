"""What participation holds about a person, for the data download and account deletion.

Ideas and comments stay when an account is deleted, without their author (they are part
of a public record others replied to); ratings, follows and memberships go.
"""

from typing import Any

from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from gemeinsam.participation.models import Block, Comment, Idea, Rating, Report


def _when(value) -> str | None:
    return value.isoformat() if value else None


def export(user) -> dict[str, Any]:
    ideas = Idea.objects.filter(author=user).select_related("process", "district", "category")
    comments = Comment.objects.filter(author=user).select_related("idea__process")
    ratings = Rating.objects.filter(user=user).select_related("idea__process")
    reports = Report.objects.filter(reporter=user).select_related("idea", "comment")
    return {
        "ideas": [
            {
                "id": idea.pk,
                "process": idea.process.slug,
                "title": idea.title,
                "description": idea.description,
                "category": idea.category.name if idea.category else None,
                "district": idea.district.name if idea.district else None,
                "longitude": idea.longitude,
                "latitude": idea.latitude,
                "images": [image.image.name for image in idea.images.all()],
                "status": idea.status,
                "hidden": idea.is_hidden,
                "created_at": _when(idea.created_at),
            }
            for idea in ideas.prefetch_related("images").order_by("created_at", "pk")
        ],
        "comments": [
            {
                "id": comment.pk,
                "process": comment.idea.process.slug,
                "idea": comment.idea_id,
                "text": comment.text,
                "deleted": comment.is_deleted,
                "hidden": comment.is_hidden,
                "created_at": _when(comment.created_at),
                "edited_at": _when(comment.edited_at),
            }
            for comment in comments.order_by("created_at", "pk")
        ],
        "ratings": [
            {
                "process": rating.idea.process.slug,
                "idea": rating.idea_id,
                "value": rating.value,
                "created_at": _when(rating.created_at),
            }
            for rating in ratings.order_by("created_at", "pk")
        ],
        "reports": [
            {
                "idea": report.idea_id,
                "comment": report.comment_id,
                "reason": report.reason,
                "created_at": _when(report.created_at),
                "resolved_at": _when(report.resolved_at),
            }
            for report in reports.order_by("created_at", "pk")
        ],
        "following": sorted(user.followed_processes.values_list("slug", flat=True)),
        "invited_to": sorted(user.invited_processes.values_list("slug", flat=True)),
        "moderating": sorted(user.moderated_processes.values_list("slug", flat=True)),
        "blocked_in": [
            {"process": block.process.slug, "reason": block.reason}
            for block in Block.objects.filter(user=user).select_related("process")
        ],
    }


@transaction.atomic
def erase(user) -> None:
    """Anonymise ideas, comments and reports; delete ratings and recount the ideas they were on."""
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
