"""Read models of the strategy for pages, report, exports and API: a version as the tree
values → fields of action → goals → measures, and a measure with its indicators (series,
status, chart), value compass, checklist, linked processes and related documents.

Queries are batched per kind, so a page costs the same few queries for any number of items.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import mean
from uuid import UUID

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Model
from django.db.models.functions import Cast
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_lazy

from gemeinsam.core import hooks
from gemeinsam.core.i18n import localized
from gemeinsam.core.models import AuditEvent
from gemeinsam.lib.messages import format_message
from gemeinsam.strategy import charts, models, sources
from gemeinsam.strategy.indicators import Assessment, Status, assess

# Least favourable first: the order of badges and counts, and how a measure's worst is found.
STATUS_ORDER = [Status.OFF_TRACK, Status.AT_RISK, Status.ON_TRACK, Status.NO_DATA]
STATUS_LABELS = {
    Status.ON_TRACK: gettext_lazy("On track"),
    Status.AT_RISK: gettext_lazy("At risk"),
    Status.OFF_TRACK: gettext_lazy("Off track"),
    Status.NO_DATA: gettext_lazy("No data yet"),
}
# A symbol beside the word, so a status is never told by colour alone.
STATUS_SYMBOLS = {
    Status.ON_TRACK: "✓",
    Status.AT_RISK: "!",
    Status.OFF_TRACK: "✗",
    Status.NO_DATA: "–",
}


def worst_status(statuses: Iterable[Status]) -> Status:
    """The least favourable of some indicators' statuses; NO_DATA when there are none."""
    found = set(statuses)
    return next((status for status in STATUS_ORDER if status in found), Status.NO_DATA)


def rule_in_words(assessment: Assessment) -> str:
    """The rule behind an indicator's status in the active language, its numbers and dates
    written as the language writes them (12,5 and 31.12.2027 in German)."""
    params = {}
    for name, value in assessment.rule_params.items():
        if name.endswith("date") or name == "deadline":
            value = formats.date_format(date.fromisoformat(str(value)), "SHORT_DATE_FORMAT")
        elif isinstance(value, str):
            value = formats.number_format(float(value), use_l10n=True)
        params[name] = value
    return format_message(gettext(assessment.rule_text), params)


# Measurements and the status of indicators -----------------------------------------------


def measurements(indicator: models.Indicator) -> list[models.Measurement]:
    return list(models.Measurement.objects.filter(indicator_key=indicator.key).order_by("date"))


def measurements_by_key(keys: Iterable[UUID]) -> dict[UUID, list[models.Measurement]]:
    """The series of many indicators in one query (for overview pages and the report)."""
    series: dict[UUID, list[models.Measurement]] = defaultdict(list)
    rows = models.Measurement.objects.filter(indicator_key__in=list(keys)).order_by("date")
    for measurement in rows:
        series[measurement.indicator_key].append(measurement)
    return series


def indicator_status(
    indicator: models.Indicator,
    series: list[models.Measurement] | None = None,
    *,
    today: date | None = None,
) -> Assessment:
    """On track, at risk, off track or no data, with the rule (strategy.indicators.status)."""
    series = measurements(indicator) if series is None else series
    return assess(
        direction=indicator.direction,
        baseline_value=indicator.baseline_value,
        baseline_date=indicator.baseline_date,
        target_value=indicator.target_value,
        deadline=indicator.target_date,
        measurements=[(m.date, m.value) for m in series],
        today=today or timezone.localdate(),
    )


@dataclass
class IndicatorView:
    indicator: models.Indicator
    series: list[models.Measurement]
    assessment: Assessment
    chart: charts.IndicatorChart
    source: str

    @property
    def latest(self) -> models.Measurement | None:
        return self.series[-1] if self.series else None


def indicator_view(
    indicator: models.Indicator, series: list[models.Measurement], *, today: date | None = None
) -> IndicatorView:
    today = today or timezone.localdate()
    assessment = indicator_status(indicator, series, today=today)
    chart = charts.indicator_chart(
        baseline=(indicator.baseline_date, indicator.baseline_value),
        target=(indicator.target_date, indicator.target_value),
        measurements=[(m.date, m.value) for m in series],
        today=today,
        slope_per_year=assessment.slope_per_year,
        projected_at_deadline=assessment.projected_value_at_deadline,
    )
    return IndicatorView(indicator, series, assessment, chart, sources.describe(indicator))


def indicator_views(
    indicators: list[models.Indicator], *, today: date | None = None
) -> list[IndicatorView]:
    series = measurements_by_key(i.key for i in indicators)
    return [indicator_view(i, series.get(i.key, []), today=today) for i in indicators]


@dataclass
class MeasureSummary:
    measure: models.Measure
    indicators: list[IndicatorView] = field(default_factory=list)

    @property
    def worst_status(self) -> Status:
        """The least favourable status of its indicators, for the overview's badge."""
        return worst_status(view.assessment.status for view in self.indicators)


@dataclass
class GoalNode:
    goal: models.Goal
    measures: list[MeasureSummary]


@dataclass
class FieldNode:
    field: models.FieldOfAction
    goals: list[GoalNode]
    measures: list[MeasureSummary]  # measures of the field not under one of its goals


@dataclass
class Overview:
    version: models.StrategyVersion
    values: list[models.Value]
    fields: list[FieldNode]
    unassigned: list[MeasureSummary]  # measures under no field of action
    measures: list[MeasureSummary]
    status_counts: dict[str, int]


def overview(version: models.StrategyVersion, *, today: date | None = None) -> Overview:
    values = list(version.values.all())
    fields = list(version.fields_of_action.all())
    goals = list(version.goals.all())
    measures = list(
        version.measures.select_related("lead_organisation").prefetch_related(
            "fields_of_action", "goals", "partners"
        )
    )
    indicators = list(version.indicators.all())
    views = indicator_views(indicators, today=today)
    summaries = {m.pk: MeasureSummary(m) for m in measures}
    for view in views:
        summaries[view.indicator.measure_id].indicators.append(view)
    by_goal: dict[int, list[MeasureSummary]] = defaultdict(list)
    by_field: dict[int, list[MeasureSummary]] = defaultdict(list)
    unassigned = []
    goal_fields = {goal.pk: goal.field_of_action_id for goal in goals}
    for measure in measures:
        summary = summaries[measure.pk]
        goal_pks = [goal.pk for goal in measure.goals.all()]
        for pk in goal_pks:
            by_goal[pk].append(summary)
        covered = {goal_fields[pk] for pk in goal_pks}
        field_pks = [f.pk for f in measure.fields_of_action.all()]
        for pk in field_pks:
            if pk not in covered:
                by_field[pk].append(summary)
        if not field_pks and not goal_pks:
            unassigned.append(summary)
    goals_by_field: dict[int, list[GoalNode]] = defaultdict(list)
    for goal in goals:
        goals_by_field[goal.field_of_action_id].append(GoalNode(goal, by_goal.get(goal.pk, [])))
    nodes = [FieldNode(f, goals_by_field.get(f.pk, []), by_field.get(f.pk, [])) for f in fields]
    counts: dict[str, int] = {status.value: 0 for status in Status}
    for view in views:
        counts[view.assessment.status.value] += 1
    return Overview(version, values, nodes, unassigned, list(summaries.values()), counts)


# The compass of values -------------------------------------------------------------------


@dataclass(frozen=True)
class CompassRound:
    """Mean ratings per value key of one team assessment or one survey, with the number of
    people who rated (1 for a team assessment)."""

    kind: str
    on: date
    means: dict[UUID, float]
    respondents: int
    justifications: dict[UUID, str]


def split_assessments(
    assessments: Iterable[models.CompassAssessment],
) -> tuple[list[models.CompassAssessment], dict[int, list[models.CompassAssessment]]]:
    """The team's assessments, and the public answers by survey, each in the given order."""
    team: list[models.CompassAssessment] = []
    surveys: dict[int, list[models.CompassAssessment]] = defaultdict(list)
    for assessment in assessments:
        if assessment.kind == models.AssessmentKind.TEAM:
            team.append(assessment)
        else:
            surveys[assessment.survey_id].append(assessment)
    return team, surveys


def survey_scores(answers: Iterable[models.CompassAssessment]) -> dict[UUID, list[int]]:
    """Every score the answers of one survey gave, by value key."""
    scores: dict[UUID, list[int]] = defaultdict(list)
    for answer in answers:
        for rating in answer.ratings.all():
            scores[rating.value_key].append(rating.score)
    return scores


def team_round(assessment: models.CompassAssessment) -> CompassRound:
    ratings = list(assessment.ratings.all())
    return CompassRound(
        models.AssessmentKind.TEAM,
        assessment.assessed_on,
        {r.value_key: float(r.score) for r in ratings},
        1,
        {r.value_key: r.justification for r in ratings},
    )


def survey_round(answers: list[models.CompassAssessment]) -> CompassRound:
    """The mean answer of one survey, dated by its latest answer."""
    return CompassRound(
        models.AssessmentKind.PUBLIC,
        max(answer.assessed_on for answer in answers),
        {key: mean(values) for key, values in survey_scores(answers).items()},
        len(answers),
        {},
    )


def compass_history(measure_key: UUID) -> list[CompassRound]:
    """Every team assessment and every survey's mean answer for a measure, oldest first."""
    assessments = models.CompassAssessment.objects.filter(measure_key=measure_key).prefetch_related(
        "ratings"
    )
    team, surveys = split_assessments(assessments)
    rounds = [team_round(a) for a in team] + [survey_round(a) for a in surveys.values()]
    return sorted(rounds, key=lambda r: (r.on, r.kind))


def latest_rounds(history: list[CompassRound]) -> dict[str, CompassRound]:
    """The newest team assessment and the newest survey result, by kind."""
    latest: dict[str, CompassRound] = {}
    for compass_round in history:
        latest[compass_round.kind] = compass_round
    return latest


def open_survey_for(
    measure_key: UUID, *, now: datetime | None = None
) -> models.CompassSurvey | None:
    now = now or timezone.now()
    return models.CompassSurvey.objects.filter(
        measure_key=measure_key, opens_at__lte=now, closes_at__gt=now
    ).first()


def surveys_with_answers(measure_key: UUID) -> list[tuple[models.CompassSurvey, int]]:
    """A measure's surveys, newest first, each with its number of answers (one query)."""
    surveys = models.CompassSurvey.objects.filter(measure_key=measure_key).annotate(
        answer_count=Count("answers")
    )
    return [(survey, survey.answer_count) for survey in surveys]


@dataclass
class CompassView:
    values: list[models.Value]
    history: list[CompassRound]
    team: CompassRound | None
    public: CompassRound | None
    radar: charts.RadarChart | None


def compass_view(values: list[models.Value], measure_key: UUID, labels: list[str]) -> CompassView:
    history = compass_history(measure_key)
    latest = latest_rounds(history)
    team, public = latest.get(models.AssessmentKind.TEAM), latest.get(models.AssessmentKind.PUBLIC)
    series = [
        (kind, [rounds.means.get(value.key) for value in values])
        for kind, rounds in (
            (models.AssessmentKind.TEAM, team),
            (models.AssessmentKind.PUBLIC, public),
        )
        if rounds is not None
    ]
    radar = None
    if values and series:
        radar = charts.radar_chart(labels, series, models.SCORE_MAX)
    return CompassView(values, history, team, public, radar)


# The handbook checklist and linked processes ------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    step: models.HandbookStep
    done: models.ChecklistEntry | None


def checklist(measure: models.Measure) -> dict[str, list[ChecklistItem]]:
    """The handbook's steps of every phase for a measure, each done or not, by phase."""
    strategy_id = measure.version.strategy_id
    done = {
        entry.step_id: entry
        for entry in models.ChecklistEntry.objects.filter(measure_key=measure.key).select_related(
            "done_by"
        )
    }
    phases: dict[str, list[ChecklistItem]] = {phase.value: [] for phase in models.HandbookPhase}
    for step in models.HandbookStep.objects.filter(strategy_id=strategy_id):
        phases[step.phase].append(ChecklistItem(step, done.get(step.pk)))
    return phases


@dataclass(frozen=True)
class LinkedProcess:
    link: models.MeasureLink
    kind: str  # "app_label.model"
    target: Model


def linked_processes(measure_key: UUID) -> list[LinkedProcess]:
    """The processes linked to a measure that still exist, grouped by kind."""
    links = list(
        models.MeasureLink.objects.filter(measure_key=measure_key).select_related("content_type")
    )
    by_type: dict[int, list[models.MeasureLink]] = defaultdict(list)
    for link in links:
        by_type[link.content_type_id].append(link)
    found: list[LinkedProcess] = []
    for type_links in by_type.values():
        content_type = type_links[0].content_type
        model = content_type.model_class()
        if model is None:
            continue
        targets = model._default_manager.in_bulk([link.object_id for link in type_links])
        label = f"{content_type.app_label}.{content_type.model}"
        found += [
            LinkedProcess(link, label, targets[link.object_id])
            for link in type_links
            if link.object_id in targets
        ]
    return found


@dataclass
class MeasurePage:
    measure: models.Measure
    indicators: list[IndicatorView]
    compass: CompassView
    checklist: dict[str, list[ChecklistItem]]
    processes: list[LinkedProcess]
    related: list[tuple[str, str]]
    survey: object


def measure_page(measure: models.Measure, *, today: date | None = None) -> MeasurePage:
    version = measure.version
    values = list(version.values.all())
    labels = [localized(value, "name") for value in values]
    related = hooks.measure_related(measure.key)
    return MeasurePage(
        measure=measure,
        indicators=indicator_views(list(measure.indicators.all()), today=today),
        compass=compass_view(values, measure.key, labels),
        checklist=checklist(measure),
        processes=linked_processes(measure.key),
        related=related,
        survey=open_survey_for(measure.key),
    )


def measure_events(measure: models.Measure, *, limit: int = 20) -> list[AuditEvent]:
    """The audit trail of a measure in every version of its strategy (the rows differ from
    version to version, the key stays), newest first."""
    rows = models.Measure.objects.filter(
        version__strategy_id=measure.version.strategy_id, key=measure.key
    ).values_list(Cast("pk", CharField()), flat=True)
    return list(
        AuditEvent.objects.filter(
            target_type=ContentType.objects.get_for_model(models.Measure), target_id__in=rows
        ).select_related("actor", "target_type")[:limit]
    )
