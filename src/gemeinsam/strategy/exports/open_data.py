"""Open-data exports of a strategy version: measures, indicators, measurements, value-compass
ratings and the changelog, each as CSV and as JSON from one function per kind.

CSV is UTF-8 with a byte-order mark (so that Excel reads the umlauts), comma-separated, with
a header row; dates are ISO 8601 (YYYY-MM-DD), numbers use a decimal point, lists are joined
with "; ". JSON has the same rows as objects, lists as arrays. Who entered a measurement and
who answered a survey are never exported; public ratings are given as the mean per survey.
"""

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from statistics import mean
from typing import Any
from uuid import UUID

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from gemeinsam.lib.spreadsheet import spreadsheet_safe
from gemeinsam.strategy import selectors
from gemeinsam.strategy.changelog import (
    INDICATOR_COURSE,
    MEASURE_PLACE,
    MEASURE_RESPONSIBILITY,
    version_diffs,
)
from gemeinsam.strategy.models import (
    AssessmentKind,
    CompassAssessment,
    Measurement,
    StrategyVersion,
    VersionState,
)


@dataclass(frozen=True)
class Table:
    """The rows of one export, with its columns in order."""

    kind: str
    columns: list[str]
    rows: list[dict[str, Any]]


def measures(version: StrategyVersion) -> Table:
    columns = [
        "key",
        "order",
        "title",
        "title_en",
        "summary",
        "type",
        "status",
        "phase",
        *MEASURE_RESPONSIBILITY,
        "fields_of_action",
        "goals",
        *MEASURE_PLACE,
    ]
    rows = []
    queryset = version.measures.select_related("lead_organisation").prefetch_related(
        "partners", "fields_of_action", "goals"
    )
    for m in queryset:
        row = {name: getattr(m, name) for name in columns}
        row |= {
            "key": str(m.key),
            "lead_organisation": m.lead_organisation.name if m.lead_organisation else "",
            "partners": [p.name for p in m.partners.all()],
            "fields_of_action": [str(f.key) for f in m.fields_of_action.all()],
            "goals": [str(g.key) for g in m.goals.all()],
        }
        rows.append(row)
    return Table("measures", columns, rows)


def indicators(version: StrategyVersion, *, today: date | None = None) -> Table:
    """Each indicator's definition with its latest value and its status as of today."""
    today = today or timezone.localdate()
    defined = ["name", "name_en", *INDICATOR_COURSE, "is_example"]
    columns = ["key", "measure_key", "measure", *defined, "latest_value", "latest_date", "status"]
    found = list(version.indicators.select_related("measure"))
    series = selectors.measurements_by_key(i.key for i in found)
    rows = []
    for i in found:
        points = [m for m in series.get(i.key, []) if m.date <= today]
        status = selectors.indicator_status(i, points, today=today).status
        rows.append(
            {
                "key": str(i.key),
                "measure_key": str(i.measure.key),
                "measure": i.measure.title,
                **{name: getattr(i, name) for name in defined},
                "latest_value": points[-1].value if points else None,
                "latest_date": points[-1].date if points else None,
                "status": status.value,
            }
        )
    return Table("indicators", columns, rows)


def measurements(version: StrategyVersion) -> Table:
    columns = ["indicator_key", "indicator", "date", "value", "source", "note"]
    names = {i.key: i.name for i in version.indicators.all()}
    queryset = Measurement.objects.filter(indicator_key__in=list(names)).order_by(
        "indicator_key", "date"
    )
    rows = [
        {
            "indicator_key": str(m.indicator_key),
            "indicator": names[m.indicator_key],
            "date": m.date,
            "value": m.value,
            "source": m.source,
            "note": m.note,
        }
        for m in queryset
    ]
    # In the order of the version's indicators, as the other exports list them.
    position = {key: index for index, key in enumerate(names)}
    rows.sort(key=lambda row: (position[UUID(row["indicator_key"])], row["date"]))
    return Table("measurements", columns, rows)


def compass(version: StrategyVersion) -> Table:
    """Team ratings one per value with their justification; public ratings as the mean of
    each survey per value with the number of respondents."""
    columns = [
        "measure_key",
        "measure",
        "kind",
        "date",
        "survey",
        "value_key",
        "value",
        "score",
        "respondents",
        "justification",
    ]
    measure_titles = {m.key: m.title for m in version.measures.all()}
    value_names = {v.key: v.name for v in version.values.all()}
    assessments = (
        CompassAssessment.objects.filter(
            strategy_id=version.strategy_id, measure_key__in=list(measure_titles)
        )
        .prefetch_related("ratings")
        .order_by("measure_key", "assessed_on", "pk")
    )
    team, surveys = selectors.split_assessments(assessments)
    rows = [
        {
            "measure_key": str(assessment.measure_key),
            "measure": measure_titles[assessment.measure_key],
            "kind": AssessmentKind.TEAM.value,
            "date": assessment.assessed_on,
            "survey": None,
            "value_key": str(rating.value_key),
            "value": value_names.get(rating.value_key, ""),
            "score": float(rating.score),
            "respondents": 1,
            "justification": rating.justification,
        }
        for assessment in team
        for rating in assessment.ratings.all()
    ]
    for survey_id, answers in surveys.items():
        measure_key = answers[0].measure_key
        for value_key, found in selectors.survey_scores(answers).items():
            rows.append(
                {
                    "measure_key": str(measure_key),
                    "measure": measure_titles[measure_key],
                    "kind": AssessmentKind.PUBLIC.value,
                    "date": max(answer.assessed_on for answer in answers),
                    "survey": survey_id,
                    "value_key": str(value_key),
                    "value": value_names.get(value_key, ""),
                    "score": round(mean(found), 4),
                    "respondents": len(found),
                    "justification": "",
                }
            )
    measure_position = {key: index for index, key in enumerate(measure_titles)}
    value_position = {key: index for index, key in enumerate(value_names)}
    rows.sort(
        key=lambda r: (
            measure_position[UUID(r["measure_key"])],
            r["date"],
            r["kind"],
            # A value removed from the compass since the rating comes last.
            value_position.get(UUID(r["value_key"]), len(value_position)),
        )
    )
    return Table("compass", columns, rows)


def changelog(version: StrategyVersion) -> Table:
    """What each published version up to this one changed from the one before it."""
    columns = [
        "version",
        "published_at",
        "change_note",
        "change",
        "item_type",
        "key",
        "title",
        "field",
        "old",
        "new",
    ]
    published = list(
        version.strategy.versions.filter(
            state=VersionState.PUBLISHED, number__lte=version.number
        ).order_by("number")
    )
    rows = [
        {
            "version": current.number,
            "published_at": current.published_at,
            "change_note": current.change_note,
            "change": change.kind,
            "item_type": change.item_type,
            "key": change.key,
            "title": change.title,
            "field": change.field,
            "old": change.old,
            "new": change.new,
        }
        for current, changes in version_diffs(published)
        for change in changes
    ]
    return Table("changelog", columns, rows)


KINDS: dict[str, Callable[[StrategyVersion], Table]] = {
    "measures": measures,
    "indicators": indicators,
    "measurements": measurements,
    "compass": compass,
    "changelog": changelog,
}
FORMATS = ("csv", "json")


def cell(value: Any) -> str:
    """One value as a CSV cell (see the module's docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return "; ".join(cell(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str):
        return spreadsheet_safe(value)  # texts written by people; numbers stay numbers
    return str(value)


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([cell(row[column]) for column in table.columns])
    return buffer.getvalue().encode("utf-8-sig")


def to_json(table: Table, version: StrategyVersion) -> bytes:
    document = {
        "strategy": version.strategy.slug,
        "version": version.number,
        "kind": table.kind,
        "columns": table.columns,
        "rows": table.rows,
    }
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode()


def export(version: StrategyVersion, kind: str, fmt: str) -> tuple[bytes, str, str]:
    """The export's bytes, content type and file name; KeyError for an unknown kind."""
    if fmt not in FORMATS:
        raise KeyError(fmt)
    table = KINDS[kind](version)
    filename = f"{version.strategy.slug}-v{version.number}-{kind}.{fmt}"
    if fmt == "csv":
        return to_csv(table), "text/csv; charset=utf-8", filename
    return to_json(table, version), "application/json", filename
