"""Processes with phases, and the ideas, comments, ratings and reports made in them."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gemeinsam.core.models import District, Organisation, recorded_by


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Invited people only")


class PhaseType(models.TextChoices):
    INFORMATION = "information", _("Information")
    IDEA_COLLECTION = "idea_collection", _("Idea collection")
    COMMENTING = "commenting", _("Commenting and rating")
    EVALUATION = "evaluation", _("Evaluation")
    VOTING = "voting", _("Voting")  # participatory budgeting: ballots on proposals
    RESULT = "result", _("Result")


class Action(models.TextChoices):
    """What a participant may do; which phase allows what is in PHASE_ACTIONS."""

    SUBMIT = "submit", _("Submit ideas")
    COMMENT = "comment", _("Comment")
    RATE = "rate", _("Rate")
    VOTE = "vote", _("Vote on proposals")


PHASE_ACTIONS: dict[str, frozenset[str]] = {
    PhaseType.INFORMATION: frozenset(),
    PhaseType.IDEA_COLLECTION: frozenset({Action.SUBMIT, Action.COMMENT, Action.RATE}),
    PhaseType.COMMENTING: frozenset({Action.COMMENT, Action.RATE}),
    PhaseType.EVALUATION: frozenset(),
    PhaseType.VOTING: frozenset({Action.VOTE}),
    PhaseType.RESULT: frozenset(),
}


class PhaseState(models.TextChoices):
    BEFORE = "before", _("Not started yet")
    DURING = "during", _("Running")
    AFTER = "after", _("Finished")


@dataclass(frozen=True)
class PhaseOutlook:
    current: "Phase | None"
    previous: "Phase | None"
    upcoming: "Phase | None"


class Process(models.Model):
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    slug = models.SlugField(_("short name"), max_length=200, unique=True)
    summary = models.CharField(_("summary"), max_length=500)
    summary_en = models.CharField(_("summary in English"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown"))
    description_en = models.TextField(_("description in English"), blank=True)
    description_easy = models.TextField(
        _("description in Leichte Sprache"),
        blank=True,
        help_text=_("Easy German for people who need plain language."),
    )
    image = models.ImageField(_("image"), upload_to="processes/", blank=True)
    image_alt = models.CharField(_("image description"), max_length=300, blank=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organiser"), on_delete=models.PROTECT, null=True, blank=True
    )
    field_of_action = models.CharField(_("field of action"), max_length=200, blank=True)
    districts = models.ManyToManyField(
        District,
        verbose_name=_("districts"),
        blank=True,
        help_text=_("Leave empty for the whole city."),
    )
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility, default=Visibility.PUBLIC
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited people"),
        blank=True,
        related_name="invited_processes",
    )
    moderators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderators"),
        blank=True,
        related_name="moderated_processes",
    )
    followers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="followed_processes"
    )
    created_by = recorded_by()
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The end of the period the last daily digest covered; the next one starts here.
    digest_sent_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("participation process")
        verbose_name_plural = _("participation processes")

    def __str__(self) -> str:
        return self.title

    def phase_at(self, when: datetime | None = None) -> "Phase | None":
        """The phase running at `when`; phases are loaded once per process object."""
        when = when or timezone.now()
        return next((p for p in self.ordered_phases() if p.starts_at <= when < p.ends_at), None)

    def ordered_phases(self) -> list["Phase"]:
        return sorted(self.phases.all(), key=lambda p: (p.starts_at, p.position))

    def state_at(self, when: datetime | None = None) -> str:
        when = when or timezone.now()
        phases = self.ordered_phases()
        if not phases or when < phases[0].starts_at:
            return PhaseState.BEFORE
        if when >= phases[-1].ends_at:
            return PhaseState.AFTER
        return PhaseState.DURING

    def outlook(self, when: datetime | None = None) -> "PhaseOutlook":
        """The running phase, the last one that closed and the next one to come."""
        when = when or timezone.now()
        phases = self.ordered_phases()
        return PhaseOutlook(
            current=next((p for p in phases if p.starts_at <= when < p.ends_at), None),
            previous=next((p for p in reversed(phases) if p.ends_at <= when), None),
            upcoming=next((p for p in phases if p.starts_at > when), None),
        )

    def allows(self, action: str, when: datetime | None = None) -> bool:
        phase = self.phase_at(when)
        return phase is not None and action in PHASE_ACTIONS[phase.type]


class Phase(models.Model):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="phases")
    type = models.CharField(_("type"), max_length=32, choices=PhaseType)
    title = models.CharField(_("title"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["starts_at", "position"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="participation_phase_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.get_type_display()


class Category(models.Model):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name in English"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(
                fields=["process", "name"], name="participation_category_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class IdeaStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    ACCEPTED = "accepted", _("Will be implemented")
    PARTLY = "partly", _("Partly implemented")
    REJECTED = "rejected", _("Will not be implemented")


class Idea(models.Model):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="ideas")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="ideas"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=10_000)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ideas",
    )
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    district = models.ForeignKey(
        District,
        verbose_name=_("district"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ideas",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=IdeaStatus, default=IdeaStatus.SUBMITTED
    )
    statement = models.TextField(_("official statement"), blank=True)
    statement_by = recorded_by(blank=True)
    statement_at = models.DateTimeField(null=True, blank=True)
    is_hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    # Counters kept by the services in the same transaction as the rows they count,
    # so that lists can sort by them without aggregating 200,000 ratings per request.
    rating_up = models.PositiveIntegerField(default=0)
    rating_down = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("submitted"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        indexes = [
            models.Index(fields=["process", "is_hidden", "-created_at"]),
            models.Index(fields=["process", "is_hidden", "-rating_up"]),
            models.Index(fields=["process", "is_hidden", "-comment_count"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(longitude__isnull=True, latitude__isnull=True)
                | Q(longitude__gte=-180, longitude__lte=180, latitude__gte=-90, latitude__lte=90),
                name="participation_idea_point_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def score(self) -> int:
        return self.rating_up - self.rating_down


class IdeaImage(models.Model):
    """A picture attached to an idea; stored re-encoded, without EXIF metadata."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(
        _("image"), upload_to="ideas/%Y/%m/", width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    alt_text = models.CharField(
        _("image description"),
        max_length=300,
        blank=True,
        help_text=_("What the picture shows, for people who cannot see it."),
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("idea image")
        verbose_name_plural = _("idea images")

    def __str__(self) -> str:
        return self.alt_text or self.image.name


class Comment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="comments"
    )
    text = models.TextField(_("comment"), max_length=4000)
    is_deleted = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.text[:60]


class Rating(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings"
    )
    value = models.SmallIntegerField(choices=[(1, _("Up")), (-1, _("Down"))])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            # The database, not the view, guarantees one vote per person and idea.
            models.UniqueConstraint(fields=["idea", "user"], name="participation_one_rating"),
            models.CheckConstraint(
                condition=Q(value__in=[1, -1]), name="participation_rating_value"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value:+d}"


class Report(models.Model):
    """A participant's flag on an idea or a comment, for the moderators' queue."""

    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    reporter = recorded_by()
    reason = models.CharField(_("reason"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = recorded_by(blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(idea__isnull=False, comment__isnull=True)
                | Q(idea__isnull=True, comment__isnull=False),
                name="participation_report_one_target",
            ),
        ]

    def __str__(self) -> str:
        return self.reason[:60]


class Block(models.Model):
    """A person barred from contributing to one process by its moderators."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="blocks")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participation_blocks"
    )
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["process", "user"], name="participation_one_block")
        ]

    def __str__(self) -> str:
        return self.reason[:60]


class ModerationKind(models.TextChoices):
    HIDE = "hide", _("Hidden")
    RESTORE = "restore", _("Restored")
    BLOCK = "block", _("User blocked")
    UNBLOCK = "unblock", _("User unblocked")
    RESPOND = "respond", _("Official response")
    RESOLVE_REPORT = "resolve_report", _("Report resolved")


class ModerationEvent(models.Model):
    """The audit log: every moderator action, visible to staff."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="moderation_log")
    moderator = recorded_by()
    kind = models.CharField(max_length=20, choices=ModerationKind)
    idea = models.ForeignKey(
        Idea, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(max_length=300, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"
