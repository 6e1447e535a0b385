"""The JSON API of the strategy: strategies, a version as a tree, versions and changelog,
measures with indicators and value compass, measurements; staff record and import measurements.

Same permissions and services as the pages; mounted at /api/strategy by StrategyConfig.ready.
"""

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import HttpError
from ninja.security import django_auth

from gemeinsam.core.api import Message
from gemeinsam.strategy import selectors
from gemeinsam.strategy.changelog import version_diffs
from gemeinsam.strategy.models import Indicator, Strategy, StrategyVersion
from gemeinsam.strategy.schemas import (
    ChangelogEntry,
    ChangeOut,
    CompassOut,
    FieldOut,
    GoalOut,
    ImportErrors,
    ImportOut,
    IndicatorOut,
    MeasureBrief,
    MeasurementIn,
    MeasurementOut,
    MeasurementSaved,
    MeasureOut,
    StrategyOut,
    StrategyTree,
    ValueOut,
    VersionOut,
)
from gemeinsam.strategy.services import imports, tracking

router = Router(tags=["strategy"])

MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _is_staff(request: HttpRequest) -> bool:
    return request.user.has_perm("strategy.manage_strategy")


def _strategy(slug: str) -> Strategy:
    strategy = Strategy.objects.filter(slug=slug).first()
    if strategy is None:
        raise HttpError(404, _("There is no strategy “%(slug)s”.") % {"slug": slug[:100]})
    return strategy


def _version(request: HttpRequest, strategy: Strategy, number: int | None) -> StrategyVersion:
    """The published version, or version `number`; drafts are visible to staff only."""
    if number is None:
        version = strategy.published_version
    else:
        version = strategy.versions.filter(number=number).first()
    if version is None or not request.user.has_perm("strategy.view_version", version):
        raise HttpError(404, _("There is no such version of this strategy."))
    version.strategy = strategy
    return version


def _parse_key(raw: str) -> UUID | None:
    """A key from the path; a malformed one finds nothing, as an unknown one does."""
    try:
        return UUID(raw)
    except ValueError:
        return None


def _indicator_out(view: selectors.IndicatorView) -> IndicatorOut:
    i = view.indicator
    latest = view.latest
    return IndicatorOut(
        key=i.key,
        name=i.name,
        name_en=i.name_en,
        description=i.description,
        unit=i.unit,
        direction=i.direction,
        baseline_value=i.baseline_value,
        baseline_date=i.baseline_date,
        target_value=i.target_value,
        target_date=i.target_date,
        source=i.source,
        is_example=i.is_example,
        latest_value=latest.value if latest else None,
        latest_date=latest.date if latest else None,
        status=view.assessment.status.value,
        rule=selectors.rule_in_words(view.assessment),
    )


@router.get("/", response=list[StrategyOut], summary="Strategies with a published version")
def strategies(request: HttpRequest):
    staff = _is_staff(request)
    found = []
    for strategy in Strategy.objects.order_by("name"):
        published = strategy.published_version
        if published is None and not staff:
            continue
        found.append(
            StrategyOut(
                slug=strategy.slug,
                name=strategy.name,
                name_en=strategy.name_en,
                adopted_on=strategy.adopted_on,
                published_version=published.number if published else None,
            )
        )
    return found


@router.get(
    "/{slug}",
    response=StrategyTree,
    summary="A version as the tree values, fields of action, goals, measures (default: published)",
)
def strategy_tree(request: HttpRequest, slug: str, version: int | None = Query(None, ge=1)):
    strategy = _strategy(slug)
    chosen = _version(request, strategy, version)
    tree = selectors.overview(chosen)
    briefs = [
        MeasureBrief(
            key=summary.measure.key,
            title=summary.measure.title,
            title_en=summary.measure.title_en,
            type=summary.measure.type,
            status=summary.measure.status,
            phase=summary.measure.phase,
            indicators=[_indicator_out(view) for view in summary.indicators],
        )
        for summary in tree.measures
    ]
    fields = [
        FieldOut(
            key=node.field.key,
            title=node.field.title,
            title_en=node.field.title_en,
            guiding_idea=node.field.guiding_idea,
            goals=[
                GoalOut(
                    key=goal_node.goal.key,
                    title=goal_node.goal.title,
                    title_en=goal_node.goal.title_en,
                    description=goal_node.goal.description,
                    sector_goal_reference=goal_node.goal.sector_goal_reference,
                    sector_goal_url=goal_node.goal.sector_goal_url,
                    measures=[m.measure.key for m in goal_node.measures],
                )
                for goal_node in node.goals
            ],
            measures=[m.measure.key for m in node.measures],
        )
        for node in tree.fields
    ]
    return StrategyTree(
        slug=strategy.slug,
        name=strategy.name,
        name_en=strategy.name_en,
        version=VersionOut.model_validate(chosen),
        values=[
            ValueOut(key=v.key, name=v.name, name_en=v.name_en, description=v.description)
            for v in tree.values
        ],
        fields_of_action=fields,
        measures=briefs,
        unassigned=[m.measure.key for m in tree.unassigned],
        status_counts=tree.status_counts,
    )


@router.get("/{slug}/versions", response=list[VersionOut], summary="Versions, newest first")
def versions(request: HttpRequest, slug: str):
    strategy = _strategy(slug)
    found = strategy.versions.order_by("-number")
    return [v for v in found if request.user.has_perm("strategy.view_version", v)]


@router.get(
    "/{slug}/changelog",
    response=list[ChangelogEntry],
    summary="What each published version changed from the one before, newest first",
)
def changelog(request: HttpRequest, slug: str):
    strategy = _strategy(slug)
    published = list(strategy.versions.filter(state="published").order_by("number"))
    entries = [
        ChangelogEntry(
            number=version.number,
            published_at=version.published_at,
            change_note=version.change_note,
            changes=[ChangeOut(**change.__dict__) for change in changes],
        )
        for version, changes in version_diffs(published)
    ]
    return entries[::-1]


@router.get(
    "/{slug}/measures/{key}",
    response=MeasureOut,
    summary="A measure with its indicators (latest value and status) and value compass",
)
def measure(request: HttpRequest, slug: str, key: str, version: int | None = Query(None, ge=1)):
    strategy = _strategy(slug)
    chosen = _version(request, strategy, version)
    measure_key = _parse_key(key)
    found = (
        chosen.measures.select_related("lead_organisation", "version")
        .prefetch_related("partners", "fields_of_action", "goals")
        .filter(key=measure_key)
        .first()
        if measure_key
        else None
    )
    if found is None:
        raise HttpError(404, _("There is no measure “%(key)s”.") % {"key": key[:60]})
    views = selectors.indicator_views(list(found.indicators.all()))
    latest = selectors.latest_rounds(selectors.compass_history(found.key))
    value_keys = {v.key for v in chosen.values.all()}
    compass = [
        CompassOut(
            kind=kind,
            on=rounds.on,
            respondents=rounds.respondents,
            means={str(k): v for k, v in rounds.means.items() if k in value_keys},
        )
        for kind, rounds in sorted(latest.items())
    ]
    return MeasureOut(
        key=found.key,
        version=chosen.number,
        title=found.title,
        title_en=found.title_en,
        summary=found.summary,
        description=found.description,
        type=found.type,
        status=found.status,
        phase=found.phase,
        lead_organisation=found.lead_organisation.name if found.lead_organisation else None,
        lead_unit=found.lead_unit,
        partners=[p.name for p in found.partners.all()],
        budget=found.budget,
        funding_source=found.funding_source,
        start=found.start,
        end=found.end,
        fields_of_action=[f.key for f in found.fields_of_action.all()],
        goals=[g.key for g in found.goals.all()],
        location_name=found.location_name,
        longitude=found.longitude,
        latitude=found.latitude,
        indicators=[_indicator_out(view) for view in views],
        compass=compass,
    )


@router.get(
    "/{slug}/indicators/{key}/measurements",
    response=list[MeasurementOut],
    summary="The measurements of an indicator of the published version, oldest first",
)
def measurements(
    request: HttpRequest, slug: str, key: str, version: int | None = Query(None, ge=1)
):
    strategy = _strategy(slug)
    chosen = _version(request, strategy, version)
    indicator_key = _parse_key(key)
    indicator = chosen.indicators.filter(key=indicator_key).first() if indicator_key else None
    if indicator is None:
        raise HttpError(404, _("There is no indicator “%(key)s”.") % {"key": key[:60]})
    return selectors.measurements(indicator)


def _staff_only(request: HttpRequest) -> None:
    if not _is_staff(request):
        raise PermissionDenied(_("Only city staff enter measurements."))


@router.post(
    "/{slug}/indicators/{key}/measurements",
    response={200: MeasurementSaved, 400: Message},
    auth=django_auth,
    summary="Record a measurement (staff); a value for the same day replaces the earlier one",
)
def record(request: HttpRequest, slug: str, key: str, payload: MeasurementIn):
    _staff_only(request)
    strategy = _strategy(slug)
    # The newest definition of the indicator, so that a draft's new indicator can be fed too.
    indicator_key = _parse_key(key)
    indicator = (
        Indicator.objects.filter(version__strategy=strategy, key=indicator_key)
        .order_by("-version__number")
        .first()
        if indicator_key
        else None
    )
    if indicator is None:
        raise HttpError(404, _("There is no indicator “%(key)s”.") % {"key": key[:60]})
    try:
        saved, created = tracking.record_measurement(
            indicator, payload.date, payload.value, user=request.user, note=payload.note
        )
    except tracking.ProgressError as error:
        return 400, {"detail": str(error)}
    return 200, {"measurement": saved, "created": created}


@router.post(
    "/{slug}/measurements/import",
    response={200: ImportOut, 400: ImportErrors},
    auth=django_auth,
    summary="Import measurements from a CSV body (staff): every row or none",
    description="Columns: indicator (key or name), date (YYYY-MM-DD or DD.MM.YYYY), value, "
    "optional note; comma or semicolon. Send the file as the request body (text/csv).",
)
def import_csv(request: HttpRequest, slug: str, filename: str = "upload.csv"):
    _staff_only(request)
    strategy = _strategy(slug)
    content = request.body
    if not content.strip():
        return 400, {"detail": _("The request body is empty; send the CSV file."), "errors": []}
    if len(content) > MAX_IMPORT_BYTES:
        return 400, {"detail": _("The file is too large."), "errors": []}
    try:
        report = imports.import_measurements(
            strategy, content, filename=filename[:100], user=request.user
        )
    except imports.ImportFailed as failure:
        return 400, {
            "detail": _("Nothing was imported; fix these lines and send the file again."),
            "errors": failure.report.errors,
        }
    return 200, {"rows": report.rows, "created": report.created, "updated": report.updated}
