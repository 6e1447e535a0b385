"""A strategy in versions: the compass of values (Wertekompass), fields of action
(Handlungsfelder), goals and measures (Maßnahmen), as GD:B layers them.

Every item belongs to one version. A published version is frozen; staff edit a draft, which
starts as a copy of the last published version. An item keeps its `key` from copy to copy, so
two versions can be compared item by item (strategy.changelog.diff).
"""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gemeinsam.core.models import Organisation, recorded_by


class VersionFrozen(Exception):
    """An edit of a published version: published versions are kept as they were published."""


class Strategy(models.Model):
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    slug = models.SlugField(_("short name"), max_length=200, unique=True)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")

    def __str__(self) -> str:
        return self.name

    @property
    def published_version(self) -> "StrategyVersion | None":
        """The latest published version: what the public sees."""
        return self.versions.filter(state=VersionState.PUBLISHED).order_by("-number").first()

    @property
    def draft(self) -> "StrategyVersion | None":
        return self.versions.filter(state=VersionState.DRAFT).first()


class VersionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class StrategyVersion(models.Model):
    strategy = models.ForeignKey(
        Strategy, verbose_name=_("strategy"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    state = models.CharField(
        _("state"), max_length=16, choices=VersionState, default=VersionState.DRAFT
    )
    change_note = models.TextField(
        _("change note"), blank=True, help_text=_("What changed, for the public changelog.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = recorded_by(_("created by"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = recorded_by(_("published by"), blank=True)

    class Meta:
        ordering = ["strategy", "number"]
        verbose_name = _("strategy version")
        verbose_name_plural = _("strategy versions")
        constraints = [
            models.UniqueConstraint(fields=["strategy", "number"], name="strategy_version_number"),
            # Two drafts side by side would each overwrite the other's changes on publish.
            models.UniqueConstraint(
                fields=["strategy"],
                condition=Q(state="draft"),
                name="strategy_one_draft",
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(published_at__isnull=False),
                name="strategy_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.strategy} v{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.state == VersionState.PUBLISHED

    def ensure_draft(self) -> None:
        """Raise VersionFrozen if this version is published."""
        if self.is_frozen:
            raise VersionFrozen(
                _("Version %(number)s is published and cannot be changed; start a draft.")
                % {"number": self.number}
            )


class VersionItem(models.Model):
    """What every item of a version has: its stable key and its place in a list. Each kind
    declares its own `version` link, so that a version lists `values`, `goals` and so on."""

    version: StrategyVersion
    key = models.UUIDField(
        _("key"),
        default=uuid.uuid4,
        editable=False,
        help_text=_("The same item in every version of the strategy."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "pk"]

    def save(self, *args, **kwargs):
        self.version.ensure_draft()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.version.ensure_draft()
        return super().delete(*args, **kwargs)


class Value(VersionItem):
    """A value of the compass (Wertekompass) against which measures are assessed."""

    version = models.ForeignKey(
        StrategyVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="values"
    )
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta(VersionItem.Meta):
        verbose_name = pgettext_lazy("compass", "value")
        verbose_name_plural = _("values")
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="strategy_value_key"),
        ]

    def __str__(self) -> str:
        return self.name


class FieldOfAction(VersionItem):
    """A field of action (Handlungsfeld) with the guiding idea (Leitbild) it stands for."""

    version = models.ForeignKey(
        StrategyVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="fields_of_action",
    )
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    guiding_idea = models.TextField(_("guiding idea"), blank=True)

    class Meta(VersionItem.Meta):
        verbose_name = _("field of action")
        verbose_name_plural = _("fields of action")
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="strategy_field_key"),
        ]

    def __str__(self) -> str:
        return self.title


class Goal(VersionItem):
    """A goal under a field of action. It may point to a goal the city already has in a sector
    strategy instead of stating a new one."""

    version = models.ForeignKey(
        StrategyVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="goals"
    )
    field_of_action = models.ForeignKey(
        FieldOfAction,
        verbose_name=_("field of action"),
        on_delete=models.CASCADE,
        related_name="goals",
    )
    title = models.CharField(_("title"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    sector_goal_reference = models.CharField(
        _("existing sector goal"),
        max_length=300,
        blank=True,
        help_text=_("The sector strategy and goal this refers to, if it is not a new goal."),
    )
    sector_goal_url = models.URLField(_("link to the sector goal"), blank=True)

    class Meta(VersionItem.Meta):
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="strategy_goal_key"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def refers_to_sector_goal(self) -> bool:
        return bool(self.sector_goal_reference or self.sector_goal_url)


class MeasureType(models.TextChoices):
    """GD:B's three kinds of measures, by who carries them."""

    CENTRAL = "central", _("Central measure (Chief Digital Officer)")
    DEPARTMENT_OR_DISTRICT = (
        "department_or_district",
        _("Measure of a senate department or district"),
    )
    URBAN_SOCIETY = "urban_society", _("Measure of urban society")


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", _("In planning")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")


class HandbookPhase(models.TextChoices):
    """The phases of a project in the strategy's implementation handbook."""

    INITIATION = "initiation", _("Initiation")
    EXPLORATION = "exploration", _("Exploration")
    PLANNING = "planning", _("Planning")
    IMPLEMENTATION = "implementation", _("Implementation")
    EVALUATION = "evaluation", _("Evaluation")
    CONTINUATION_OR_END = "continuation_or_end", _("Continuation or end")


class Measure(VersionItem):
    """A measure or project (Maßnahme) of the strategy."""

    version = models.ForeignKey(
        StrategyVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="measures",
    )
    title = models.CharField(_("title"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown"))
    type = models.CharField(_("type"), max_length=32, choices=MeasureType)
    lead_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("lead organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    lead_unit = models.CharField(_("lead unit"), max_length=200, blank=True)
    partners = models.ManyToManyField(
        Organisation,
        verbose_name=_("partner organisations"),
        blank=True,
        related_name="+",
        help_text=_("Their actor groups are those of the organisations."),
    )
    budget = models.DecimalField(
        _("budget"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    funding_source = models.CharField(_("funding source"), max_length=300, blank=True)
    start = models.DateField(_("start"), null=True, blank=True)
    end = models.DateField(_("end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=MeasureStatus, default=MeasureStatus.PLANNED
    )
    phase = models.CharField(
        _("handbook phase"),
        max_length=32,
        choices=HandbookPhase,
        default=HandbookPhase.INITIATION,
    )
    fields_of_action = models.ManyToManyField(
        FieldOfAction, verbose_name=_("fields of action"), blank=True, related_name="measures"
    )
    goals = models.ManyToManyField(
        Goal, verbose_name=_("goals"), blank=True, related_name="measures"
    )
    location_name = models.CharField(_("place"), max_length=200, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)

    class Meta(VersionItem.Meta):
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="strategy_measure_key"),
            models.CheckConstraint(
                condition=Q(start__isnull=True) | Q(end__isnull=True) | Q(start__lte=F("end")),
                name="strategy_measure_start_before_end",
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0),
                name="strategy_measure_budget_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True, latitude__isnull=True)
                | Q(longitude__gte=-180, longitude__lte=180, latitude__gte=-90, latitude__lte=90),
                name="strategy_measure_point_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_location(self) -> bool:
        return self.longitude is not None and self.latitude is not None


class Direction(models.TextChoices):
    """The same values as strategy.indicators.Direction, which judges the status."""

    HIGHER_IS_BETTER = "higher_is_better", _("Higher is better")
    LOWER_IS_BETTER = "lower_is_better", _("Lower is better")


class SourceKind(models.TextChoices):
    """Where an indicator's measurements come from (strategy.sources)."""

    MANUAL = "manual", _("Entered by staff")
    CSV = "csv", _("Imported from CSV")
    SENSORTHINGS = "sensorthings", _("SensorThings datastream")


class Indicator(VersionItem):
    """How success of a measure is measured (Erfolgskontrolle): a baseline, a target with a
    deadline, and measurements over time. The definition is versioned with the strategy; the
    measurements are not (strategy.models.tracking.Measurement, matched by the indicator's key),
    so that a new version keeps the series it measures."""

    version = models.ForeignKey(
        StrategyVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="indicators"
    )
    name = models.CharField(_("name"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=50, blank=True)
    direction = models.CharField(
        _("direction"), max_length=16, choices=Direction, default=Direction.HIGHER_IS_BETTER
    )
    baseline_value = models.FloatField(_("baseline"))
    baseline_date = models.DateField(_("baseline date"))
    target_value = models.FloatField(_("target"))
    target_date = models.DateField(_("deadline"))
    source = models.CharField(
        _("source of measurements"), max_length=16, choices=SourceKind, default=SourceKind.MANUAL
    )
    source_config = models.JSONField(
        _("source settings"),
        default=dict,
        blank=True,
        help_text=_("For a SensorThings source: the datastream and the aggregate."),
    )
    is_example = models.BooleanField(
        _("example"),
        default=False,
        help_text=_("Shown as an example, not as a real measurement of the city."),
    )

    class Meta(VersionItem.Meta):
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="strategy_indicator_key"),
            models.CheckConstraint(
                condition=Q(baseline_date__lt=F("target_date")),
                name="strategy_indicator_baseline_before_deadline",
            ),
        ]

    def __str__(self) -> str:
        return self.name
