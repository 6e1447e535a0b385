"""What staff and residents record about a measure across versions of the strategy:
measurements of its indicators, value-compass assessments by the team and the public, the
handbook checklist, and links to participation, budgeting and panel processes.

Every function runs in a transaction, records its audit event and is what views, API and
commands call; the reads of these rows are in strategy.selectors.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from gemeinsam.core import audit
from gemeinsam.strategy import models, sources


class ProgressError(ValueError):
    """Input that cannot be stored, with a message that says what to fix."""


# Measurements ----------------------------------------------------------------------------


@transaction.atomic
def record_measurement(
    indicator: models.Indicator,
    when: date,
    value: float,
    *,
    user=None,
    note: str = "",
    source: str = models.SourceKind.MANUAL,
) -> tuple[models.Measurement, bool]:
    """Store the indicator's value at a date; a value already there for that date is
    replaced (a correction). Returns the measurement and whether it is new."""
    if value != value or value in (float("inf"), float("-inf")):
        raise ProgressError(_("The value must be a finite number."))
    if when < indicator.baseline_date:
        raise ProgressError(
            _("The date lies before the baseline date %(date)s.")
            % {"date": indicator.baseline_date.isoformat()}
        )
    if when > timezone.localdate():
        raise ProgressError(_("The date lies in the future."))
    strategy_id = indicator.version.strategy_id  # loaded once per indicator object
    measurement, created = models.Measurement.objects.update_or_create(
        indicator_key=indicator.key,
        date=when,
        defaults={
            "strategy_id": strategy_id,
            "value": value,
            "note": note[:300],
            "source": source,
            "created_by": user,
        },
    )
    return measurement, created


@transaction.atomic
def delete_measurement(indicator: models.Indicator, when: date, *, user=None) -> bool:
    deleted, _rows = models.Measurement.objects.filter(
        indicator_key=indicator.key, date=when
    ).delete()
    if deleted:
        audit.record(
            user,
            "strategy.measurement_deleted",
            indicator.measure,
            indicator=str(indicator.key),
            date=when.isoformat(),
        )
    return bool(deleted)


@dataclass(frozen=True)
class SyncResult:
    fetched: int
    created: int
    updated: int


def sync_indicator(
    indicator: models.Indicator, *, until: date | None = None, user=None
) -> SyncResult:
    """Fetch the values of an indicator whose source pulls them (a SensorThings datastream)
    and store them; an indicator with pushed values has nothing to fetch."""
    source = sources.source_for(indicator.source)
    if not source.pulls:
        return SyncResult(0, 0, 0)
    until = min(until or timezone.localdate(), timezone.localdate())
    values = source.fetch(indicator, until=until)
    created = updated = 0
    with transaction.atomic():
        for when, value in values:
            _measurement, new = record_measurement(
                indicator, when, value, source=indicator.source, note=_("computed")
            )
            created += new
            updated += not new
        audit.record(
            user,
            "strategy.synced",
            indicator.measure,
            indicator=str(indicator.key),
            fetched=len(values),
            created=created,
            updated=updated,
        )
    return SyncResult(len(values), created, updated)


# The compass of values -------------------------------------------------------------------

Ratings = Mapping[UUID, tuple[int, str]]  # value key -> (score, justification)


def _check_ratings(version: models.StrategyVersion, ratings: Ratings, *, complete: bool) -> None:
    keys = set(models.Value.objects.filter(version=version).values_list("key", flat=True))
    unknown = set(ratings) - keys
    if unknown:
        raise ProgressError(_("A rating names a value that is not in the compass."))
    if complete and set(ratings) != keys:
        raise ProgressError(_("Rate the measure against every value of the compass."))
    if not ratings:
        raise ProgressError(_("Rate the measure against at least one value."))
    for score, _justification in ratings.values():
        if not isinstance(score, int) or not models.SCORE_MIN <= score <= models.SCORE_MAX:
            raise ProgressError(
                _("A rating is a whole number from %(low)s to %(high)s.")
                % {"low": models.SCORE_MIN, "high": models.SCORE_MAX}
            )


def _save_ratings(assessment: models.CompassAssessment, ratings: Ratings) -> None:
    models.CompassRating.objects.bulk_create(
        models.CompassRating(
            assessment=assessment,
            value_key=key,
            score=score,
            justification=justification.strip(),
        )
        for key, (score, justification) in ratings.items()
    )


@transaction.atomic
def assess_measure(
    measure: models.Measure, ratings: Ratings, *, user=None, on: date | None = None
) -> models.CompassAssessment:
    """The project team's assessment of a measure against every value of the compass, each
    with its justification. Earlier assessments stay: the compass is kept over time."""
    version = measure.version
    _check_ratings(version, ratings, complete=True)
    if any(not justification.strip() for _score, justification in ratings.values()):
        raise ProgressError(_("Give a justification for every rating."))
    assessment = models.CompassAssessment.objects.create(
        strategy_id=version.strategy_id,
        measure_key=measure.key,
        kind=models.AssessmentKind.TEAM,
        assessed_on=on or timezone.localdate(),
        author=user,
    )
    _save_ratings(assessment, ratings)
    audit.record(user, "strategy.compass_assessed", measure, ratings=len(ratings))
    return assessment


@transaction.atomic
def open_survey(
    measure: models.Measure, *, opens_at: datetime, closes_at: datetime, user=None
) -> models.CompassSurvey:
    if closes_at <= opens_at:
        raise ProgressError(_("The survey must close after it opens."))
    overlapping = models.CompassSurvey.objects.filter(
        measure_key=measure.key, opens_at__lt=closes_at, closes_at__gt=opens_at
    )
    if overlapping.exists():
        raise ProgressError(_("Another survey on this measure runs at that time."))
    survey = models.CompassSurvey.objects.create(
        strategy_id=measure.version.strategy_id,
        measure_key=measure.key,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=user,
    )
    audit.record(
        user,
        "strategy.survey_opened",
        measure,
        survey=survey.pk,
        opens=timezone.localdate(opens_at).isoformat(),
        closes=timezone.localdate(closes_at).isoformat(),
    )
    return survey


def answer_survey(
    survey: models.CompassSurvey, user, ratings: Ratings, *, now: datetime | None = None
) -> models.CompassAssessment:
    """A participant's ratings in an open survey; answering again replaces the answer, and
    two answers sent at once by the same person leave exactly one."""
    now = now or timezone.now()
    if not survey.opens_at <= now < survey.closes_at:
        raise ProgressError(_("This survey is not open."))
    if user is None or not user.is_authenticated:
        raise ProgressError(_("Sign in to answer the survey."))
    strategy = models.Strategy.objects.get(pk=survey.strategy_id)
    version = strategy.published_version
    if version is None:
        raise ProgressError(_("The strategy is not published."))
    _check_ratings(version, ratings, complete=False)
    with transaction.atomic():
        # The survey's row lock orders simultaneous answers; the unique constraint on
        # (survey, author) is the guarantee that one person counts once.
        models.CompassSurvey.objects.select_for_update().get(pk=survey.pk)
        models.CompassAssessment.objects.filter(survey=survey, author=user).delete()
        assessment = models.CompassAssessment.objects.create(
            strategy_id=survey.strategy_id,
            measure_key=survey.measure_key,
            kind=models.AssessmentKind.PUBLIC,
            survey=survey,
            assessed_on=timezone.localdate(now),
            author=user,
        )
        _save_ratings(assessment, ratings)
    return assessment


# The handbook checklist ------------------------------------------------------------------

# The implementation handbook's steps per phase, as a new strategy starts with them; staff
# change them in the admin.
DEFAULT_STEPS: dict[str, list[tuple[str, str]]] = {
    models.HandbookPhase.INITIATION: [
        ("Problem und Bedarf beschreiben", "Describe the problem and the need"),
        ("Projektteam und Verantwortung festlegen", "Set up the team and responsibilities"),
    ],
    models.HandbookPhase.EXPLORATION: [
        ("Betroffene Akteursgruppen einbeziehen", "Involve the affected actor groups"),
        ("Bestehende Lösungen recherchieren", "Research existing solutions"),
        ("Wertekompass-Selbsteinschätzung machen", "Assess the measure with the value compass"),
    ],
    models.HandbookPhase.PLANNING: [
        ("Ziele und Indikatoren festlegen", "Set goals and indicators"),
        ("Ressourcen und Finanzierung klären", "Secure resources and funding"),
        ("Beteiligungskonzept erstellen", "Write the participation plan"),
    ],
    models.HandbookPhase.IMPLEMENTATION: [
        ("Umsetzung mit Meilensteinen steuern", "Steer the work by milestones"),
        ("Messwerte regelmäßig erheben", "Collect measurements regularly"),
    ],
    models.HandbookPhase.EVALUATION: [
        ("Wirkung anhand der Indikatoren bewerten", "Evaluate the impact by the indicators"),
        ("Erfahrungen im Wissensspeicher dokumentieren", "Record lessons in the knowledge store"),
    ],
    models.HandbookPhase.CONTINUATION_OR_END: [
        ("Über Verstetigung oder Abschluss entscheiden", "Decide on continuation or end"),
        ("Ergebnisse offen veröffentlichen", "Publish the results openly"),
    ],
}


@transaction.atomic
def seed_handbook(strategy: models.Strategy) -> int:
    """Give a strategy the default handbook steps unless it has steps; returns how many."""
    if strategy.handbook_steps.exists():
        return 0
    order = 0
    steps = []
    for phase, titles in DEFAULT_STEPS.items():
        for title, title_en in titles:
            steps.append(
                models.HandbookStep(
                    strategy=strategy, phase=phase, title=title, title_en=title_en, order=order
                )
            )
            order += 1
    models.HandbookStep.objects.bulk_create(steps)
    return len(steps)


@transaction.atomic
def set_step_done(
    measure: models.Measure, step: models.HandbookStep, done: bool, *, user=None, note: str = ""
) -> bool:
    """Tick or untick one step for a measure; returns whether that changed anything."""
    if step.strategy_id != measure.version.strategy_id:
        raise ProgressError(_("This step belongs to another strategy's handbook."))
    if done:
        _entry, created = models.ChecklistEntry.objects.get_or_create(
            measure_key=measure.key, step=step, defaults={"done_by": user, "note": note[:300]}
        )
        return created
    deleted, _rows = models.ChecklistEntry.objects.filter(
        measure_key=measure.key, step=step
    ).delete()
    return bool(deleted)


@transaction.atomic
def save_checklist(
    measure: models.Measure, shown: Iterable[int], done: set[int], *, user=None
) -> None:
    """The checklist as a form sent it: of the steps it showed, those in `done` are done and
    the others not; a step added meanwhile keeps its state."""
    steps = models.HandbookStep.objects.filter(
        strategy_id=measure.version.strategy_id, pk__in=shown
    )
    ticked = unticked = 0
    for step in steps:
        if set_step_done(measure, step, step.pk in done, user=user):
            ticked += step.pk in done
            unticked += step.pk not in done
    if ticked or unticked:
        audit.record(user, "strategy.checklist_changed", measure, ticked=ticked, unticked=unticked)


# Links to processes ----------------------------------------------------------------------


def linkable_type(label: str) -> ContentType:
    """The content type of "app_label.model", if a measure may link to that kind."""
    if label not in models.LINKABLE:
        raise ProgressError(
            _("A measure links to these kinds only: %(kinds)s.")
            % {"kinds": ", ".join(models.LINKABLE)}
        )
    app_label, model = label.split(".")
    return ContentType.objects.get_by_natural_key(app_label, model)


@transaction.atomic
def link_process(measure: models.Measure, target: Model, *, user=None) -> models.MeasureLink:
    content_type = ContentType.objects.get_for_model(target)
    kind = f"{content_type.app_label}.{content_type.model}"
    linkable_type(kind)
    link, created = models.MeasureLink.objects.get_or_create(
        measure_key=measure.key,
        content_type=content_type,
        object_id=target.pk,
        defaults={"strategy_id": measure.version.strategy_id, "created_by": user},
    )
    if created:
        audit.record(user, "strategy.link_added", measure, model=kind, id=target.pk)
    return link


@transaction.atomic
def unlink_process(measure: models.Measure, link: models.MeasureLink, *, user=None) -> None:
    """Remove a link of `measure` (the page of the measure the link belongs to)."""
    kind = f"{link.content_type.app_label}.{link.content_type.model}"
    audit.record(user, "strategy.link_removed", measure, model=kind, id=link.object_id)
    link.delete()
