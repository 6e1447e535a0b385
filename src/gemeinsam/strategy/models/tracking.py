"""What happens to a measure while versions of the strategy come and go: measurements of its
indicators, assessments against the compass of values, the handbook checklist, and links to
the platform's participation, budgeting and panel processes.

These rows are not versioned. They name the measure or indicator by its stable `key`, so a
new version of the strategy finds the whole history of the same item.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gemeinsam.core.models import recorded_by
from gemeinsam.strategy.models.structure import HandbookPhase, SourceKind, Strategy


class Measurement(models.Model):
    """One value of an indicator at a date."""

    strategy = models.ForeignKey(
        Strategy, verbose_name=_("strategy"), on_delete=models.CASCADE, related_name="+"
    )
    indicator_key = models.UUIDField(_("indicator"))
    date = models.DateField(_("date"))
    value = models.FloatField(pgettext_lazy("measurement", "value"))
    source = models.CharField(
        _("source"), max_length=16, choices=SourceKind, default=SourceKind.MANUAL
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("entered"), auto_now=True)
    created_by = recorded_by(_("entered by"), blank=True)

    class Meta:
        ordering = ["indicator_key", "date"]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        constraints = [
            # One value a day: a second entry for the same day corrects the first.
            models.UniqueConstraint(
                fields=["indicator_key", "date"], name="strategy_measurement_one_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.value}"


class AssessmentKind(models.TextChoices):
    TEAM = "team", _("Project team")
    PUBLIC = "public", _("Public survey")


# The scale of a rating against a value of the compass.
SCORE_MIN, SCORE_MAX = 0, 4
SCORE_LABELS = {
    0: _("does not contribute"),
    1: _("contributes a little"),
    2: _("contributes partly"),
    3: _("contributes largely"),
    4: _("contributes fully"),
}


class CompassSurvey(models.Model):
    """A short public survey in which participants rate a measure against the compass."""

    strategy = models.ForeignKey(
        Strategy, verbose_name=_("strategy"), on_delete=models.CASCADE, related_name="+"
    )
    measure_key = models.UUIDField(_("measure"))
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = recorded_by(_("created by"), blank=True)

    class Meta:
        ordering = ["measure_key", "-opens_at"]
        verbose_name = _("value compass survey")
        verbose_name_plural = _("value compass surveys")
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__lt=models.F("closes_at")),
                name="strategy_survey_opens_before_closing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.opens_at:%Y-%m-%d} – {self.closes_at:%Y-%m-%d}"


class CompassAssessment(models.Model):
    """A set of ratings of one measure against the values of the compass: one by the project
    team at a date, or one participant's answer to a survey."""

    strategy = models.ForeignKey(
        Strategy, verbose_name=_("strategy"), on_delete=models.CASCADE, related_name="+"
    )
    measure_key = models.UUIDField(_("measure"))
    kind = models.CharField(_("by"), max_length=8, choices=AssessmentKind)
    survey = models.ForeignKey(
        CompassSurvey,
        verbose_name=_("survey"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="answers",
    )
    assessed_on = models.DateField(_("date"))
    author = recorded_by(_("author"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["measure_key", "assessed_on", "pk"]
        verbose_name = _("value compass assessment")
        verbose_name_plural = _("value compass assessments")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="team", survey__isnull=True)
                | Q(kind="public", survey__isnull=False),
                name="strategy_assessment_public_in_survey",
            ),
            # One answer a person and survey; a second answer replaces the first.
            models.UniqueConstraint(
                fields=["survey", "author"],
                condition=Q(survey__isnull=False, author__isnull=False),
                name="strategy_assessment_one_answer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.assessed_on}"


class CompassRating(models.Model):
    assessment = models.ForeignKey(
        CompassAssessment,
        verbose_name=_("assessment"),
        on_delete=models.CASCADE,
        related_name="ratings",
    )
    value_key = models.UUIDField(pgettext_lazy("compass", "value"))
    score = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]
    )
    justification = models.TextField(_("justification"), blank=True)

    class Meta:
        ordering = ["assessment", "pk"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "value_key"], name="strategy_rating_once_per_value"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX),
                name="strategy_rating_on_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value_key}: {self.score}"


class HandbookStep(models.Model):
    """A step of the implementation handbook in one of its phases; every measure of the
    strategy checks it off when done."""

    strategy = models.ForeignKey(
        Strategy,
        verbose_name=_("strategy"),
        on_delete=models.CASCADE,
        related_name="handbook_steps",
    )
    phase = models.CharField(_("phase"), max_length=32, choices=HandbookPhase)
    title = models.CharField(_("title"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["strategy", "order", "pk"]
        verbose_name = _("handbook step")
        verbose_name_plural = _("handbook steps")

    def __str__(self) -> str:
        return self.title


class ChecklistEntry(models.Model):
    """A handbook step done for a measure."""

    measure_key = models.UUIDField(_("measure"))
    step = models.ForeignKey(
        HandbookStep, verbose_name=_("step"), on_delete=models.CASCADE, related_name="entries"
    )
    done_at = models.DateTimeField(_("done"), auto_now_add=True)
    done_by = recorded_by(_("done by"), blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["step__order", "pk"]
        verbose_name = _("checklist entry")
        verbose_name_plural = _("checklist entries")
        constraints = [
            models.UniqueConstraint(fields=["measure_key", "step"], name="strategy_step_done_once"),
        ]

    def __str__(self) -> str:
        return str(self.step)


# What a measure may link to: "app_label.model" of the platform's processes.
LINKABLE = {
    "participation.process": _("Participation process"),
    "budgeting.budgetingprocess": _("Participatory budget"),
    "sortition.panel": _("Citizens' panel"),
}


class MeasureLink(models.Model):
    """A participation process, budgeting process or citizens' panel that belongs to a
    measure (a generic relation, so every process app can be linked the same way)."""

    strategy = models.ForeignKey(
        Strategy, verbose_name=_("strategy"), on_delete=models.CASCADE, related_name="+"
    )
    measure_key = models.UUIDField(_("measure"))
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("kind"), on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("object"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = recorded_by(_("created by"), blank=True)

    class Meta:
        ordering = ["measure_key", "content_type", "object_id"]
        verbose_name = _("link to a process")
        verbose_name_plural = _("links to processes")
        constraints = [
            models.UniqueConstraint(
                fields=["measure_key", "content_type", "object_id"], name="strategy_link_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.content_type.app_label}.{self.content_type.model} #{self.object_id}"

    @property
    def target(self):
        """The linked process, or None when it has been deleted since."""
        model = self.content_type.model_class()
        return model._default_manager.filter(pk=self.object_id).first() if model else None
