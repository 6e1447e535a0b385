"""The success-control report (Erfolgskontrolle) of a published strategy version for a year:
every indicator as it stood at the end of that year, by field of action and measure.

Measurements after the cut-off are left out and every status is computed as of the cut-off,
so a report for a past year reads the same whenever it is generated. The HTML page, the PDF
(exports.report_pdf) and `gemeinsam strategy report` all render what `build_report` returns.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from django.utils import timezone
from django.utils.translation import gettext as _

from gemeinsam.core.i18n import localized
from gemeinsam.lib.messages import format_message
from gemeinsam.strategy.indicators import Status, assess
from gemeinsam.strategy.indicators.status import RULE
from gemeinsam.strategy.models import (
    CompassAssessment,
    FieldOfAction,
    Measure,
    StrategyVersion,
    Value,
    VersionState,
)
from gemeinsam.strategy.selectors import (
    STATUS_LABELS,
    STATUS_ORDER,
    STATUS_SYMBOLS,
    IndicatorView,
    indicator_view,
    measurements_by_key,
    rule_in_words,
    split_assessments,
    survey_round,
    team_round,
    worst_status,
)

# Years before the first baseline are not offered; nor more than this many years back.
MAX_YEARS = 30


class ReportUnavailable(ValueError):
    """A report that cannot be made (a year outside the strategy's years)."""


def translated_rule(view: IndicatorView) -> str:
    """The status rule of an indicator in the active language."""
    return rule_in_words(view.assessment)


def report_years(version: StrategyVersion, *, today: date | None = None) -> list[int]:
    """The years a report can be made for, newest first: from the year of the earliest
    baseline (or of publication, without indicators) to this year."""
    today = today or timezone.localdate()
    baselines = [d.year for d in version.indicators.values_list("baseline_date", flat=True)]
    if baselines:
        first = min(baselines)
    elif version.published_at:
        first = timezone.localdate(version.published_at).year
    else:
        first = today.year
    first = max(min(first, today.year), today.year - MAX_YEARS)
    return list(range(today.year, first - 1, -1))


@dataclass
class ReportIndicator:
    view: IndicatorView
    name: str
    rule: str

    @property
    def indicator(self):
        return self.view.indicator

    @property
    def status(self) -> Status:
        return self.view.assessment.status

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def status_symbol(self) -> str:
        return STATUS_SYMBOLS[self.status]

    # The chart's grid lines and its dots each as one SVG path: WeasyPrint's time grows with
    # the number of elements (styled, parsed and drawn one by one), not with a path's length.
    @property
    def grid_path(self) -> str:
        chart = self.view.chart
        rows = (f"M{chart.left} {t.position:g}H{chart.right}" for t in chart.y_ticks)
        columns = (f"M{t.position:g} {chart.top}V{chart.bottom}" for t in chart.x_ticks)
        return "".join([*rows, *columns])

    @property
    def dots_path(self) -> str:
        """A zero-length segment per measurement: with round caps, SVG and PDF draw each as
        a filled circle as wide as the stroke (SVG 1.1 §11.4, PDF 1.7 §8.5.3.2)."""
        return "".join(f"M{x:g} {y:g}h0" for x, y in self.view.chart.dots)


@dataclass
class CompassRow:
    value: Value
    name: str
    team: float | None
    public: float | None


@dataclass
class ReportCompass:
    rows: list[CompassRow]
    team_on: date | None
    public_on: date | None
    respondents: int

    @property
    def empty(self) -> bool:
        return self.team_on is None and self.public_on is None


@dataclass
class ReportMeasure:
    measure: Measure
    title: str
    indicators: list[ReportIndicator]
    compass: ReportCompass
    anchor: str

    @property
    def worst_status(self) -> Status:
        return worst_status(item.status for item in self.indicators)

    @property
    def worst_status_label(self) -> str:
        return str(STATUS_LABELS[self.worst_status])

    @property
    def worst_status_symbol(self) -> str:
        return STATUS_SYMBOLS[self.worst_status]


@dataclass
class ReportSection:
    field: FieldOfAction | None
    title: str
    measures: list[ReportMeasure]
    # Measures of this field described in full under an earlier field.
    see_also: list[ReportMeasure] = field(default_factory=list)


@dataclass
class StatusCount:
    status: Status
    label: str
    count: int

    @property
    def symbol(self) -> str:
        return STATUS_SYMBOLS[self.status]


@dataclass
class Report:
    version: StrategyVersion
    strategy_name: str
    year: int
    cutoff: date
    generated_at: datetime | None
    sections: list[ReportSection]
    indicators: list[tuple[ReportMeasure, ReportIndicator]]
    counts: list[StatusCount]
    values: list[Value]
    method: str

    @property
    def strategy(self):
        return self.version.strategy

    @property
    def provisional(self) -> bool:
        """A report of the running year: later measurements may still change it."""
        return self.cutoff < date(self.year, 12, 31)

    @property
    def measure_count(self) -> int:
        return sum(len(section.measures) for section in self.sections)


def _compasses(
    version: StrategyVersion, measures: list[Measure], values: list[Value], cutoff: date
) -> dict[UUID, ReportCompass]:
    """The latest team assessment and the latest survey's mean answers per measure, both as
    of the cut-off; one query for all measures."""
    assessments = (
        CompassAssessment.objects.filter(
            strategy_id=version.strategy_id,
            measure_key__in=[m.key for m in measures],
            assessed_on__lte=cutoff,
        )
        .prefetch_related("ratings")
        .order_by("assessed_on", "pk")
    )
    by_measure: dict[UUID, list[CompassAssessment]] = defaultdict(list)
    for assessment in assessments:
        by_measure[assessment.measure_key].append(assessment)
    result = {}
    for measure in measures:
        team, surveys = split_assessments(by_measure.get(measure.key, []))
        latest_team = team_round(team[-1]) if team else None  # ordered by date: the last
        public = max((survey_round(a) for a in surveys.values()), key=lambda r: r.on, default=None)
        rows = [
            CompassRow(
                value,
                localized(value, "name"),
                latest_team.means.get(value.key) if latest_team else None,
                public.means.get(value.key) if public else None,
            )
            for value in values
        ]
        result[measure.key] = ReportCompass(
            rows,
            latest_team.on if latest_team else None,
            public.on if public else None,
            public.respondents if public else 0,
        )
    return result


def build_report(version: StrategyVersion, year: int, *, today: date | None = None) -> Report:
    """The report of `version` for `year`, cut off at the end of the year (or today, for the
    running year). Texts are in the active language."""
    today = today or timezone.localdate()
    if year not in report_years(version, today=today):
        raise ReportUnavailable(_("There is no report for the year %(year)s.") % {"year": year})
    cutoff = min(date(year, 12, 31), today)
    values = list(version.values.all())
    fields = list(version.fields_of_action.all())
    goal_fields = dict(version.goals.values_list("pk", "field_of_action_id"))
    measures = list(version.measures.prefetch_related("fields_of_action", "goals"))
    indicators = list(version.indicators.all())
    series = measurements_by_key(i.key for i in indicators)
    compasses = _compasses(version, measures, values, cutoff)

    by_measure: dict[int, list[ReportIndicator]] = defaultdict(list)
    for indicator in indicators:
        cut = [m for m in series.get(indicator.key, []) if m.date <= cutoff]
        view = indicator_view(indicator, cut, today=cutoff)
        by_measure[indicator.measure_id].append(
            ReportIndicator(view, localized(indicator, "name"), translated_rule(view))
        )
    items = {
        m.pk: ReportMeasure(
            m, localized(m, "title"), by_measure.get(m.pk, []), compasses[m.key], f"m-{m.key}"
        )
        for m in measures
    }

    # A measure belongs to the fields it names and to the fields of its goals; it is
    # described under the first of them and referred to from the others.
    sections = [ReportSection(f, localized(f, "title"), []) for f in fields]
    described: set[int] = set()
    unassigned = ReportSection(None, _("Measures under no field of action"), [])
    for measure in measures:
        field_pks = {f.pk for f in measure.fields_of_action.all()}
        field_pks |= {goal_fields[g.pk] for g in measure.goals.all()}
        if not field_pks:
            unassigned.measures.append(items[measure.pk])
            continue
        for section in (s for s in sections if s.field.pk in field_pks):
            if measure.pk in described:
                section.see_also.append(items[measure.pk])
            else:
                section.measures.append(items[measure.pk])
                described.add(measure.pk)
    sections = [s for s in sections if s.measures or s.see_also]
    if unassigned.measures:
        sections.append(unassigned)

    listed = [(m, i) for section in sections for m in section.measures for i in m.indicators]
    counted = defaultdict(int)
    for _measure, item in listed:
        counted[item.status] += 1
    counts = [StatusCount(s, str(STATUS_LABELS[s]), counted[s]) for s in STATUS_ORDER]
    # The rule with the tolerance that selectors.indicator_status leaves at its default.
    tolerance = assess.__kwdefaults__["tolerance"]
    method = format_message(_(RULE), {"tolerance": f"{tolerance * 100:g}"})
    return Report(
        version=version,
        strategy_name=localized(version.strategy, "name"),
        year=year,
        cutoff=cutoff,
        generated_at=timezone.now(),
        sections=sections,
        indicators=listed,
        counts=counts,
        values=values,
        method=method,
    )


def published_versions(strategy) -> list[StrategyVersion]:
    return list(strategy.versions.filter(state=VersionState.PUBLISHED).order_by("-number"))
